"""The service over its storage: full disk → 503 in French, nothing changed,
no half-written message surviving a restart."""

from __future__ import annotations

import errno
import os
import time

import pytest
from support.people import MENTEE, MENTOR
from support.service import JSON

from forms_service.services import services


def data_bytes(data_dir) -> dict:
    return {p.name: p.read_bytes() for p in data_dir.glob("*.jsonl")}


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_a_full_or_read_only_disk_answers_503_and_changes_nothing(app, client, data_dir,
                                                                  monkeypatch, code, accept):
    first = client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    assert first.status_code == 201, first.get_json()
    before = data_bytes(data_dir)

    def failing(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing)
    response = client.post("/api/formulaires/enrollment", data=MENTOR, headers={"Accept": accept})
    monkeypatch.undo()
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "momentanément indisponible" in text and "Traceback" not in text
    assert data_bytes(data_dir) == before
    assert [r["email"] for r in services(app).repo().enrollments.all()] == [
        MENTEE["email"]]


def test_half_written_messages_do_not_survive_a_restart(make_app, data_dir):
    outbox = data_dir / "outbox"
    outbox.mkdir(parents=True)
    stale = outbox / "0123.eml.part"
    stale.write_text("To: someone@exemple.fr\n")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = outbox / "4567.eml.part"  # another worker may be writing this one right now
    fresh.write_text("To: other@exemple.fr\n")
    app = make_app()
    assert not stale.exists() and fresh.exists()
    assert services(app).outbox.pending() == []


def test_the_data_directory_and_every_file_in_it_are_for_the_owner_only(app, client):
    """Under the usual umask (022), nothing in the data directory is readable by others."""
    import os
    import stat

    from forms_service.mail.recipients import RecipientCap


    old = os.umask(0o022)
    try:
        data_dir = app.config["SETTINGS"].data_dir
        assert client.post("/api/formulaires/enrollment", data=MENTEE,
                           headers=JSON).status_code == 201
        RecipientCap(data_dir, "k" * 48).take("inscription", "a@exemple.fr")
    finally:
        os.umask(old)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    modes = {str(path.relative_to(data_dir)): stat.S_IMODE(path.stat().st_mode)
             for path in data_dir.rglob("*") if path.is_file()}
    assert any(name.endswith(".sqlite3") for name in modes)
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}
