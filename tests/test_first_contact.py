"""First contact (issue 12): what a newcomer, an operator and a coordinator meet
in their first ten minutes — the README's commands, the CLI's help, `make site`,
the data directory, the shipped configuration."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from support.service import ROOT, plain_spaces

README = (ROOT / "README.md").read_text(encoding="utf-8")


def mentorat(*args: str, data_dir: Path, input: str | None = None, **env):
    result = subprocess.run([sys.executable, "-m", "forms_service.cli", *args], cwd=ROOT,
                            capture_output=True, text=True, input=input,
                            env={**os.environ, "MENTORAT_DATA_DIR": str(data_dir), **env})
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


# ------------------------------------------------------------------------------ make site


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
    # `mentorat build` always builds, though nothing changed since.
    forced = subprocess.run([sys.executable, "-m", "forms_service.cli", "build"], cwd=ROOT,
                            capture_output=True, text=True,
                            env={**env, "MENTORAT_PROGRAMME": str(programme)})
    assert forced.returncode == 0 and "Construction du site" in forced.stderr


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


# ------------------------------------------------------------------------------ serve


@pytest.mark.slow
def test_serve_says_where_once_ready_and_refuses_a_busy_port(built_site, tmp_path):
    import socket

    from support.processes import free_port

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


# ------------------------------------------------------------------------------ dates


@pytest.mark.parametrize("stored, zone, date_text, time_text, sheet", [
    ("2026-12-01T08:04:08+00:00", "Europe/Paris", "1er décembre 2026",
     "1er décembre 2026 à 09 h 04", "2026-12-01 09:04"),
    ("2026-07-14T22:30:00+00:00", "Europe/Paris", "15 juillet 2026",
     "15 juillet 2026 à 00 h 30", "2026-07-15 00:30"),
    ("2026-12-01T08:04:08+00:00", "Indian/Reunion", "1er décembre 2026",
     "1er décembre 2026 à 12 h 04", "2026-12-01 12:04"),
    ("2027-01-15", "Europe/Paris", "15 janvier 2027", "15 janvier 2027", "2027-01-15"),
])
def test_one_french_date_formatter_in_the_organisations_zone(stored, zone, date_text,
                                                             time_text, sheet):
    from forms_service.dates import format_date, format_datetime, format_for_sheet, zone_named

    tz = zone_named(zone)
    assert format_date(stored, tz) == date_text
    assert format_datetime(stored, tz) == time_text
    assert format_for_sheet(stored, tz) == sheet


def test_the_timezone_is_a_checked_setting():
    from forms_service.config import ConfigError, Settings

    assert Settings.from_env({}).timezone == "Europe/Paris"
    assert Settings.from_env({"MENTORAT_TIMEZONE": "America/Montreal"}).timezone == \
        "America/Montreal"
    with pytest.raises(ConfigError, match="MENTORAT_TIMEZONE"):
        Settings.from_env({"MENTORAT_TIMEZONE": "Lune/Base"})
    assert "`MENTORAT_TIMEZONE` | `Europe/Paris`" in README


def test_csv_exports_write_timestamps_for_people():
    from forms_service.exports.formats import to_csv

    text = to_csv([{"name": "Awa", "created_at": "2026-12-01T08:04:08+00:00"}])
    assert "2026-12-01 09:04" in text and "+00:00" not in text


# ------------------------------------------------------------------------------ the guide


def test_no_page_shows_a_placeholder_forge_or_an_english_footer(built_site):
    for path in built_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "forge.example.org" not in html, path
        assert "Made with" not in html, path
        assert 'class="md-source"' not in html and "md-content__button" not in html, path
    footer = (built_site / "index.html").read_text(encoding="utf-8")
    assert "Réalisé avec" in footer and "MkDocs</a>" in footer
    assert "Material for MkDocs</a>" in footer
