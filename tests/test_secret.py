"""The secret key: generated once (even by workers starting together), private,
and a weak configured value stops the service with a French explanation."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
import time

import pytest
from support.service import ROOT

STARTER = """
import os, sys, time
from pathlib import Path
from forms_service.config import Settings, load_secret_key
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
settings = Settings(data_dir=Path(sys.argv[1]))
print(load_secret_key(settings))
"""


def settings(tmp_path, **changes):
    from forms_service.config import Settings

    return dataclasses.replace(Settings(data_dir=tmp_path / "data"), **changes)


def test_workers_starting_together_agree_on_one_key(tmp_path):
    data_dir, go = tmp_path / "data", tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", STARTER, str(data_dir), str(go)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(8)]
    time.sleep(1.0)  # every process is waiting at the line
    go.touch()
    keys = set()
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        keys.add(out.strip())
    assert len(keys) == 1
    [key] = keys
    assert len(key) >= 32
    assert (data_dir / "secret_key").read_text().strip() == key


def test_the_kept_key_is_private_and_stable(tmp_path):
    from forms_service.config import load_secret_key

    first = load_secret_key(settings(tmp_path))
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret_key(settings(tmp_path)) == first


def test_an_empty_key_file_is_reported(tmp_path, monkeypatch):
    from forms_service import config

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text("")
    monkeypatch.setattr(config.time, "sleep", lambda seconds: None)
    with pytest.raises(config.ConfigError, match="est vide"):
        config.load_secret_key(settings(tmp_path))


@pytest.mark.parametrize("weak", ["dev", "changeme", "secret", "CHANGEME", "x" * 31,
                                  "motdepasse"])
def test_a_weak_key_refuses_to_start(tmp_path, weak):
    from forms_service.config import ConfigError, load_secret_key

    with pytest.raises(ConfigError) as refused:
        load_secret_key(settings(tmp_path, secret_key=weak))
    message = str(refused.value)
    assert "MENTORAT_SECRET_KEY est trop faible" in message
    assert "secrets.token_urlsafe" in message  # how to make a good one
    assert not (tmp_path / "data" / "secret_key").exists()


@pytest.mark.parametrize("weak", ["dev", "secret"])
def test_debug_accepts_a_weak_key(tmp_path, weak):
    from forms_service.config import load_secret_key

    assert load_secret_key(settings(tmp_path, secret_key=weak, debug=True)) == weak


def test_a_strong_configured_key_is_used_as_is(tmp_path):
    from forms_service.config import load_secret_key

    key = "Vq3-" + "n8Zr" * 10
    assert load_secret_key(settings(tmp_path, secret_key=key)) == key
    assert not (tmp_path / "data" / "secret_key").exists()


def test_serve_refuses_a_weak_key_with_a_french_message(tmp_path, built_site):
    env = {**os.environ, "MENTORAT_SECRET_KEY": "changeme", "MENTORAT_DATA_DIR":
           str(tmp_path / "data"), "MENTORAT_SITE_DIR": str(built_site), "MENTORAT_DEBUG": "0",
           "MENTORAT_PORT": "1"}
    result = subprocess.run([sys.executable, "-m", "forms_service.cli", "serve"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "MENTORAT_SECRET_KEY est trop faible" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_environment_reads_debug_and_key(tmp_path):
    from forms_service.config import Settings

    read = Settings.from_env({"MENTORAT_SECRET_KEY": "dev", "MENTORAT_DEBUG": "1"})
    assert read.secret_key == "dev" and read.debug is True
    assert Settings.from_env({}).secret_key is None
