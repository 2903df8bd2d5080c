"""The `mentorat` command as a newcomer and an operator first meet it: the
README's commands in the order written, a missing data directory refused,
every help and every error in French, `serve` saying where it is ready.

(`make site` is in test_make_site.py, the dates in test_dates.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from support.processes import free_port
from support.processes import mentorat as run_mentorat
from support.service import ROOT, plain_spaces

README = (ROOT / "README.md").read_text(encoding="utf-8")


def mentorat(*args: str, data_dir: Path, input: str | None = None, **env):
    """The command's result, its output with French no-break spaces as ordinary ones."""
    result = run_mentorat(*args, data_dir=data_dir, input=input, **env)
    result.stdout, result.stderr = plain_spaces(result.stdout), plain_spaces(result.stderr)
    return result


def readme_commands() -> list[list[str]]:
    """The `mentorat` lines of the README's shell blocks, in the order written."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith(".venv/bin/mentorat "):
                commands.append(line.split()[1:])
    return commands


def test_the_readme_blocks_run_in_the_order_written_on_a_new_data_directory(tmp_path):
    data_dir = tmp_path / "donnees"
    commands = readme_commands()
    assert [c[:2] for c in commands] == [["coordinator", "add"], ["demo"], ["export", "enrollment"]]
    outputs = []
    for command in commands:
        if command[:2] == ["coordinator", "add"]:  # as written, but the password from stdin
            result = mentorat(*command, "--password-stdin", data_dir=data_dir,
                              input="une phrase de passe assez longue\n")
        else:
            result = mentorat(*command, data_dir=data_dir)
        assert result.returncode == 0, (command, result.stderr)
        assert f"Répertoire de données : {data_dir}" in result.stderr
        outputs.append(result)
    added, demo, export = outputs
    assert "Compte créé : rh@exemple.fr." in added.stderr
    assert "1 compte(s) de la coordination déjà présent(s)" in demo.stderr
    assert "Programme fictif créé" in demo.stderr and "300 inscriptions" in demo.stderr
    records = [json.loads(line) for line in export.stdout.splitlines()]
    assert len(records) == 300 and "300 lignes exportées." in export.stderr
    # A second demo refuses, and says why.
    again = mentorat("demo", data_dir=data_dir)
    assert again.returncode == 1 and "inscriptions, binômes ou retours" in again.stderr


@pytest.mark.parametrize("args", [("export", "enrollment"), ("check",), ("coordinator", "list"),
                                  ("backup", "archive.tar"), ("match",), ("purge",),
                                  ("remind",)])
def test_commands_refuse_a_missing_data_directory_and_create_none(tmp_path, args):
    data_dir = tmp_path / "absent"
    result = mentorat(*args, data_dir=data_dir)
    assert result.returncode == 1, result.stderr
    assert f"Répertoire de données : {data_dir}" in result.stderr
    assert "n’existe pas" in result.stderr and "MENTORAT_DATA_DIR" in result.stderr
    assert not data_dir.exists() and result.stdout == ""


# ------------------------------------------------------------------------------ help

ENGLISH = re.compile(r"Usage:|Options:|Commands:|Show this message|\[default|\[required\]|"
                     r"\bTEXT\b|\bINTEGER\b|\bPATH\b|\bRANGE\b|\bFILENAME\b|\bDATETIME\b|"
                     r"%Y|Error:|Try '|Arguments:|COMMAND \[ARGS\]|…\)|\.\.\.\)")


def all_commands():
    from forms_service.cli.commands import main

    def walk(command, path):
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    return list(walk(main, []))


COMMANDS = all_commands()


def settings_read() -> set[str]:
    """Every ``MENTORAT_*`` variable the service reads, found where settings are read."""
    found = set()
    for module in ("config.py", "i18n.py", "buildstamp.py"):
        source = (ROOT / "forms_service" / module).read_text(encoding="utf-8")
        found |= set(re.findall(r"MENTORAT_([A-Z_]+[A-Z])", source))
        found |= set(re.findall(r"(?:text|number)\(\"([A-Z_]+)\"", source))
    assert {"DATA_DIR", "SMTP_PASSWORD", "LANGUAGE", "MFA"} <= found
    return found


SETTINGS_READ = settings_read()


def variables_named(help_text: str) -> list[str]:
    """« MENTORAT_SMTP_HOST, _PORT » names MENTORAT_SMTP_HOST and MENTORAT_SMTP_PORT."""
    names = []
    for name, tail in re.findall(r"MENTORAT_([A-Z_]+[A-Z])|, _([A-Z_]+[A-Z])", help_text):
        names.append(name or names[-1].split("_")[0] + "_" + tail)
    return names


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) or "mentorat"
                                                         for p, _c in COMMANDS])
def test_every_help_is_french_and_complete(path, command):
    result = subprocess.run([sys.executable, "-m", "forms_service.cli", *path, "--help"],
                            cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    text = plain_spaces(result.stdout)
    assert ENGLISH.findall(text) == [], text
    assert text.startswith("Utilisation : mentorat") and "Options :" in text
    assert "Afficher cette aide et quitter." in text
    # A help line for every option, and the settings read named in the epilog.
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{path} {param.name} : option sans aide"
    assert "Variables lues : MENTORAT_" in text
    assert set(variables_named(text)) <= SETTINGS_READ, text
    if path and path != ["build"] and not getattr(command, "commands", None):
        assert "MENTORAT_DATA_DIR" in text
    # Summaries are whole sentences, never cut off by Click.
    if getattr(command, "commands", None):
        summaries = text[text.index("Commandes :"):]
        assert "..." not in summaries and "…" not in summaries


@pytest.mark.parametrize("args, expected", [
    (["export", "inconnu"], "n’est pas l’une des valeurs"),
    (["export"], "Argument manquant"),
    (["remind", "--date", "15/03/2027"], "n’est pas une date AAAA-MM-JJ"),
    (["demo", "--participants", "3"], "n’est pas dans l’intervalle"),
    (["inconnue"], "Commande inconnue"),
    (["export", "enrollment", "--bavard"], "Option inconnue"),
])
def test_click_errors_are_french(tmp_path, args, expected):
    result = mentorat(*args, data_dir=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr and "Erreur : " in result.stderr
    assert ENGLISH.findall(result.stderr) == [], result.stderr


# ------------------------------------------------------------------------------ serve


@pytest.mark.slow
def test_serve_says_where_once_ready_and_refuses_a_busy_port(built_site, tmp_path):
    import socket

    port = free_port()
    env = {**os.environ, "MENTORAT_PORT": str(port), "MENTORAT_DATA_DIR": str(tmp_path / "d"),
           "MENTORAT_SITE_DIR": str(built_site), "MENTORAT_WORKERS": "1",
           "MENTORAT_SMTP_HOST": ""}
    process = subprocess.Popen([sys.executable, "-m", "forms_service.cli", "serve"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            if line.startswith("Prêt"):
                break
        ready = lines[-1]
        assert f"http://127.0.0.1:{port}/" in ready and str(tmp_path / "d") in ready
        assert "ne sont pas envoyés" in ready and "file" in ready
        assert not any("Listening at" in line or "Booting worker" in line for line in lines)
        busy = subprocess.run([sys.executable, "-m", "forms_service.cli", "serve"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)
        assert busy.returncode == 1
        assert f"le port {port} est déjà utilisé" in busy.stderr
        assert "MENTORAT_PORT=" in busy.stderr
    finally:
        process.terminate()
        process.wait(15)
        process.stderr.close()
    with socket.socket() as probe:  # the port is free again: gunicorn stopped
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
