"""`make site` builds the site only when something it is built from changed;
`mentorat build` always builds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from support.service import ROOT


def test_the_build_digest_covers_pages_forms_and_configuration(tmp_path):
    from forms_service.buildstamp import inputs_digest

    root = tmp_path / "projet"
    for name in ("docs/index.md", "overrides/main.html", "forms_service/forms/definitions.py",
                 "forms_service/templates/forms/enrollment.html", "mkdocs.yml", "programme.yml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("v1", encoding="utf-8")
    before = inputs_digest(root)
    (root / "forms_service" / "__pycache__").mkdir()
    (root / "forms_service" / "__pycache__" / "definitions.cpython-311.pyc").write_bytes(b"x")
    assert inputs_digest(root) == before  # compiled files are not inputs
    for name in ("docs/index.md", "overrides/main.html", "forms_service/forms/definitions.py",
                 "forms_service/templates/forms/enrollment.html", "mkdocs.yml", "programme.yml"):
        path = root / name
        path.write_text("v2", encoding="utf-8")
        assert inputs_digest(root) != before, name
        path.write_text("v1", encoding="utf-8")
    assert inputs_digest(root) == before


def test_a_missing_site_must_be_built(tmp_path):
    # What `make site` asks first: the check answers 1, so the build runs.
    result = subprocess.run([sys.executable, "-m", "forms_service.buildstamp"], cwd=ROOT,
                            capture_output=True, text=True,
                            env={**os.environ, "MENTORAT_SITE_DIR": str(tmp_path / "site")})
    assert result.returncode == 1 and result.stderr == ""


@pytest.mark.slow
def test_make_site_skips_an_unchanged_build_and_rebuilds_a_changed_one(built_site, tmp_path):
    from forms_service.buildstamp import stamp_path

    site = tmp_path / "site"
    env = {**os.environ, "MENTORAT_SITE_DIR": str(site)}
    env.pop("MAKEFLAGS", None)

    def make_site(**extra):
        started = time.monotonic()
        result = subprocess.run(["make", "--no-print-directory", "site"], cwd=ROOT,
                                capture_output=True, text=True, env={**env, **extra})
        assert result.returncode == 0, result.stderr
        return result, time.monotonic() - started

    # The session's site was built by `mentorat build` from these very sources, as a
    # first `make site` would have built it: a copy with its stamp is up to date.
    shutil.copytree(built_site, site)
    shutil.copy2(stamp_path(built_site), stamp_path(site))
    unchanged, seconds = make_site()
    assert "Site à jour" in unchanged.stderr and "Construction" not in unchanged.stderr
    assert seconds < 3, seconds
    # A changed form (a department added to the programme's lists) rebuilds.
    programme = tmp_path / "programme.yml"
    text = (ROOT / "programme.yml").read_text(encoding="utf-8")
    programme.write_text(text.replace("  - Achats\n", "  - Achats\n  - Audit interne\n"),
                         encoding="utf-8")
    changed, _ = make_site(MENTORAT_PROGRAMME=str(programme))
    assert "Construction du site" in changed.stderr
    page = (site / "formulaires" / "inscription" / "index.html").read_text("utf-8")
    assert "Audit interne" in page
    # `mentorat build` always builds, though nothing changed since: it says so and
    # starts MkDocs. That a build then completes, make site has just shown; this
    # one is stopped (with MkDocs) once it has started.
    forced = subprocess.Popen([sys.executable, "-m", "forms_service.cli", "build"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**env, "MENTORAT_PROGRAMME": str(programme)},
                              start_new_session=True)
    try:
        said = forced.stderr.readline()
    finally:
        os.killpg(forced.pid, signal.SIGTERM)
        forced.wait(30)
        forced.stderr.close()
    assert said.startswith("Construction du site"), said


def test_a_changed_page_changes_the_digest_of_a_copy_of_the_project(tmp_path):
    from forms_service.buildstamp import INPUT_DIRS, INPUT_FILES, inputs_digest

    copy = tmp_path / "projet"
    for name in INPUT_DIRS:
        shutil.copytree(ROOT / name, copy / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in (*INPUT_FILES, "programme.yml"):
        shutil.copy2(ROOT / name, copy / name)
    page = copy / "docs" / "faq.md"
    before = inputs_digest(copy)
    page.write_bytes(page.read_bytes() + b"\n")
    assert inputs_digest(copy) != before
