"""The public request path: one answer shape, no SMTP in requests, nothing typed in a header.

Each test names the failure it guards (issue 10): a closed round behind
compression, a slow mail server, a hostile name, ordinary bad input.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import date

import brotli
import pytest
from support.coordination import close_enrollment, csrf_token, login
from support.mail import mail_texts, queued_mail
from support.people import FEEDBACK, MENTEE, enroll, mentor
from support.processes import Server, smtp_server
from support.service import JSON, ROOT, SECRET, plain_spaces, repo

HOSTILE_NAME = "=?utf-8?q?=0D=0ABcc:_x@evil.fr=0D=0AReply-To:_x@evil.fr?="


# ---------------------------------------------------------------------- the closed round


@pytest.mark.parametrize("encoding, decode", [("gzip", gzip.decompress),
                                              ("br", brotli.decompress)])
def test_a_closed_round_shows_its_notice_to_real_browsers(app, client, encoding, decode):
    login(app, client)
    assert close_enrollment(client, "2027-01-15").status_code == 302
    response = client.get("/formulaires/inscription/", headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    html = decode(response.get_data()).decode()
    assert "Inscriptions closes" in html and "15 janvier 2027" in html
    assert 'data-mentorat-form="enrollment"' not in html
    posted = client.post("/api/formulaires/enrollment", data=MENTEE,
                         headers={"Accept-Encoding": encoding})
    assert posted.status_code == 400 and "Inscriptions closes" in posted.get_data(as_text=True)
    assert len(repo(app).enrollments) == 0


# ---------------------------------------------------------------------- forms on any page


def test_a_form_on_any_page_listed_by_the_build_is_served_and_can_be_sent(
        built_site, make_app, tmp_path):
    from forms_service.web.static_site import FORM_MANIFEST

    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    page = site / "guides" / "avis" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text((site / "formulaires/retour/index.html").read_text())
    (site / FORM_MANIFEST).write_text(json.dumps({"guides/avis/": ["feedback"]}))
    app = make_app(site_dir=site, min_fill_seconds=1)
    client = app.test_client()
    html = client.get("/guides/avis/").get_data(as_text=True)
    token = re.search(r'name="rendu" value="([^"]+)"', html).group(1)
    assert token.startswith("feedback|guides/avis/.")
    # No longer a form page: served as a static file, without a signed time.
    with client.get("/formulaires/retour/") as static:
        assert static.headers.get("Cache-Control") != "no-store"
    time.sleep(1.1)
    sent = client.post("/api/formulaires/feedback", data={**FEEDBACK, "rendu": token},
                       headers=JSON)
    assert sent.status_code == 201, sent.get_json()
    # A failed post comes back on the page it came from.
    again = client.post("/api/formulaires/feedback", data={"rendu": token, "satisfaction": "9"})
    assert again.status_code == 400 and "Retour sur le mentorat" in again.get_data(as_text=True)
    repo(app).close()


def test_the_build_refuses_a_form_on_a_page_the_service_keeps(tmp_path):
    from mkdocs.exceptions import PluginError

    sys.path.insert(0, str(ROOT / "overrides" / "hooks"))
    import forms as hook

    class File:
        src_uri, url = "formulaires/merci.md", "formulaires/merci/"

    class Page:
        file, meta = File(), {}

    with pytest.raises(PluginError, match="ne peut pas servir un formulaire"):
        hook.on_page_markdown("<!-- formulaire: retour -->", Page(), None, None)


# ---------------------------------------------------------------------- double posts


def test_an_enrollment_posted_twice_without_javascript_is_stored_and_answered_once(app, client):
    html = client.get("/formulaires/inscription/").get_data(as_text=True)
    token = re.search(r'name="rendu" value="([^"]+)"', html).group(1)
    first = client.post("/api/formulaires/enrollment", data={**MENTEE, "rendu": token})
    second = client.post("/api/formulaires/enrollment", data={**MENTEE, "rendu": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]  # the same reference
    assert len(repo(app).enrollments) == 1
    assert [subject for _to, subject, _text in mail_texts(app)] == [
        "Votre inscription au programme de mentorat"]


def test_an_enrollment_is_one_durable_write_whose_confirmation_the_sender_queues(
        app, client, data_dir, monkeypatch):
    from forms_service.records.purge import erase_person
    from forms_service.storage import files

    client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)  # tables exist now
    synced = []
    real = files.fsync
    monkeypatch.setattr(files, "fsync", lambda fd: (synced.append(fd), real(fd)))
    mail = data_dir / "mail.jsonl"
    mail_before = mail.read_bytes() if mail.exists() else None
    posted = client.post("/api/formulaires/enrollment",
                         data={**MENTEE, "email": "deux@exemple.fr"}, headers=JSON)
    assert posted.status_code == 201
    assert len(synced) == 1  # the record alone, with its confirmation to come
    assert (mail.read_bytes() if mail.exists() else None) == mail_before
    second = repo(app).enrollment_by_email("deux@exemple.fr")
    assert [job["key"].split(":")[0] for job in second["pending_mail"]] == ["inscription"]

    # Erased before the sender passed: nothing is ever queued for that person.
    erase_person(repo(app), second["id"], secret=app.secret_key, outbox=None)
    assert repo(app).queue_pending_mail() == 1  # the first enrollment only
    assert repo(app).queue_pending_mail() == 0  # a second pass finds nothing
    assert all("pending_mail" not in record for record in repo(app).enrollments.all())
    assert [to for to, _subject, _text in mail_texts(app)] == [MENTEE["email"]]


# ---------------------------------------------------------------------- bad input is a 4xx


@pytest.mark.parametrize("name, value", [("name", HOSTILE_NAME), ("email", HOSTILE_NAME),
                                         ("email", "x@exemple.fr\r\nBcc: y@evil.fr"),
                                         ("email", f"{HOSTILE_NAME}@exemple.fr")])
def test_header_syntax_in_a_name_or_address_is_refused(app, client, name, value):
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, name: value},
                           headers=JSON)
    assert response.status_code == 400 and name in response.get_json()["errors"]
    assert len(repo(app).enrollments) == 0 and len(repo(app).mail.table) == 0


@pytest.mark.parametrize("headers, data", [
    ({"Origin": "http://[::1"}, FEEDBACK),
    ({}, {**FEEDBACK, "meetings": "9" * 400}),
])
def test_ordinary_bad_input_gets_a_french_4xx(client, headers, data):
    response = client.post("/api/formulaires/feedback", data=data, headers={**JSON, **headers})
    assert 400 <= response.status_code < 500
    assert response.get_json()["ok"] is False


def test_coordinator_urls_with_odd_values_are_4xx_or_safe_redirects(app, client):
    login(app, client)
    assert client.get("/coordination/inscriptions/0/").status_code == 404
    response = client.get("/coordination/connexion/?next=/coordination/%0d%0aX")
    assert response.status_code in (302, 303, 400)
    assert "\n" not in response.headers.get("Location", "")


def test_a_plain_post_that_fails_gets_a_page_not_json(client):
    big = client.post("/api/formulaires/feedback", data={"what_works": "x" * 70000})
    assert big.status_code == 413
    assert big.mimetype == "text/html" and "trop volumineux" in big.get_data(as_text=True)


def test_a_line_separator_in_a_name_never_breaks_the_introduction(app, client):
    posted = client.post("/api/formulaires/enrollment", headers=JSON,
                         data={**MENTEE, "name": "Awa\u2028Diallo"})
    assert posted.status_code == 201
    awa = repo(app).enrollment_by_email(MENTEE["email"])
    assert awa["name"] == "Awa Diallo"  # a line break typed in a one-line field is a space
    marc = mentor(app, "Marc Petit")
    login(app, client)
    response = client.post("/coordination/appariement/confirmer", data={
        "csrf_token": csrf_token(client, "/coordination/appariement/"),
        "mentor_id": marc["id"], "mentee_id": awa["id"]})
    assert response.status_code == 302
    introductions = [m for m in queued_mail(app) if m["Subject"] == "Votre binôme de mentorat"]
    assert sorted(m["To"] for m in introductions) == ["awa.diallo@exemple.fr",
                                                      "marc.petit@exemple.fr"]
    for message in introductions:
        assert set(message.keys()) <= {"From", "To", "Reply-To", "Subject", "Date",
                                       "Message-ID", "Content-Type",
                                       "Content-Transfer-Encoding", "MIME-Version"}


# ---------------------------------------------------------------------- personal links


def test_a_personal_link_expires_after_ninety_days(app, client, monkeypatch):
    from itsdangerous import URLSafeTimedSerializer

    from forms_service.mail.links import PERSONAL_SALT

    client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    [record] = repo(app).enrollments.all()
    signed_then = time.time() - 91 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: signed_then)
    token = URLSafeTimedSerializer(SECRET, salt=PERSONAL_SALT).dumps(
        {"id": record["id"], "ref": record["reference"]})
    monkeypatch.undo()
    response = client.get(f"/formulaires/mon-inscription/?lien={token}")
    assert response.status_code == 403 and "a expiré" in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_feedback_link_stops_with_its_pair_and_fixes_its_author(app, client, monkeypatch):
    from forms_service.mail.links import feedback_token
    from forms_service.records.checkpoints import checkpoint_schedule

    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    pair = repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=80.0, reasons=[],
                                  checkpoints=checkpoint_schedule(date.today(), (1, 3, 6)))
    token = feedback_token(SECRET, pair["id"], 1, awa["id"])
    signed = {**FEEDBACK, "identity": "signe", "lien": token, "checkpoint": "1",
              "name": "Quelqu'un d'autre", "email": "autre@exemple.fr"}
    for satisfaction in ("2", "5"):  # a second post updates the first
        response = client.post("/api/formulaires/feedback", headers=JSON,
                               data={**signed, "satisfaction": satisfaction})
        assert response.status_code == 201
    [feedback] = repo(app).feedback.all()
    assert (feedback["name"], feedback["email"]) == ("Awa Diallo", "awa.diallo@exemple.fr")
    assert feedback["satisfaction"] == 5
    page = client.get(f"/formulaires/retour/?lien={token}")
    assert page.headers["Referrer-Policy"] == "same-origin"
    repo(app).close_pair(pair["id"], reason="fin", by=None, mentor_status="clos",
                         mentee_status="clos")
    html = client.get(f"/formulaires/retour/?lien={token}").get_data(as_text=True)
    assert token not in html  # the blank form: the link no longer opens anything
    client.post("/api/formulaires/feedback", headers=JSON, data={**signed, "satisfaction": "1"})
    assert repo(app).feedback.get(feedback["id"])["satisfaction"] == 5


# ---------------------------------------------------------------------- a real mail server


class HoldingInbox:
    """An aiosmtpd handler that holds every message until released, then keeps it."""

    def __init__(self):
        self.release = threading.Event()
        self.received = []  # (recipients, Message-ID, raw)

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        while not self.release.is_set():
            await asyncio.sleep(0.05)
        raw = envelope.content.decode("utf-8", "replace")
        message_id = re.search(r"^Message-ID: (\S+)", raw, re.M | re.I).group(1)
        self.received.append((list(envelope.rcpt_tos), message_id, raw))
        return "250 OK"


@pytest.fixture
def holding_smtp():
    inbox = HoldingInbox()
    with smtp_server(inbox) as controller:
        yield controller, inbox
        inbox.release.set()


def post_enrollment(server, number: int) -> tuple[int, float]:
    data = {**MENTEE, "email": f"personne.{number}@exemple.fr", "name": f"Personne {number}"}
    request = urllib.request.Request(
        f"{server.url}/api/formulaires/enrollment", headers={"Accept": "application/json"},
        data=urllib.parse.urlencode(data, doseq=True).encode())
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, time.monotonic() - started


@pytest.mark.slow
def test_a_mail_server_that_holds_every_message_never_slows_an_enrollment(
        built_site, tmp_path, holding_smtp):
    controller, inbox = holding_smtp
    server = Server(built_site, tmp_path / "data", MENTORAT_SMTP_HOST="127.0.0.1",
                    MENTORAT_SMTP_PORT=controller.port)
    try:
        answers = [post_enrollment(server, n) for n in range(20)]
        assert [status for status, _took in answers] == [201] * 20
        assert max(took for _status, took in answers) < 5  # never waits on SMTP (10 s timeout)
        assert inbox.received == []  # the server still holds the first message
        inbox.release.set()
        deadline = time.monotonic() + 30
        while len(inbox.received) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # one more sender round: nothing may come twice
        recipients = sorted(r for rcpts, _mid, _raw in inbox.received for r in rcpts)
        assert recipients == sorted(f"personne.{n}@exemple.fr" for n in range(20))
        status = server.cli("send-mail")
        assert status.returncode == 0 and "envoie déjà" in status.stderr
    finally:
        server.stop()


@pytest.mark.slow
def test_a_sender_killed_mid_batch_loses_nothing(built_site, tmp_path, holding_smtp):
    from forms_service.records.repository import Repository

    controller, inbox = holding_smtp
    data_dir = tmp_path / "data"
    store = Repository(data_dir)
    for number in range(10):
        store.enroll({**MENTEE, "email": f"p{number}@exemple.fr"}, notice_version="1")
    store.close()
    env = {"MENTORAT_DATA_DIR": str(data_dir), "MENTORAT_SECRET_KEY": SECRET,
           "MENTORAT_SMTP_HOST": "127.0.0.1", "MENTORAT_SMTP_PORT": str(controller.port),
           "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "forms_service.cli", "send-mail", "--watch"]
    sender = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)
    inbox.release.set()
    while len(inbox.received) < 3:
        time.sleep(0.01)
    sender.send_signal(signal.SIGKILL)
    sender.wait(10)
    sender.stderr.close()
    again = subprocess.run([sys.executable, "-m", "forms_service.cli", "send-mail"], env=env,
                           cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    by_address = {}
    for rcpts, message_id, _raw in inbox.received:
        by_address.setdefault(rcpts[0], set()).add(message_id)
    assert sorted(by_address) == sorted(f"p{n}@exemple.fr" for n in range(10))
    # A message sent again after the kill carries the same Message-ID.
    assert all(len(ids) == 1 for ids in by_address.values())
    status = subprocess.run([sys.executable, "-m", "forms_service.cli", "send-mail", "--status"],
                            env=env, cwd=ROOT, capture_output=True, text=True)
    assert status.returncode == 0 and "0 message en attente" in status.stderr
    assert status.stderr.count("Répertoire de données") == 1, status.stderr


def test_status_lists_failed_messages_without_addresses_and_exits_1(app):
    job_id = repo(app).mail.put("lien", email="awa.diallo@exemple.fr")
    repo(app).mail.mark_failed(job_id, "SMTPServerDisconnected", permanent=True)
    env = {"MENTORAT_DATA_DIR": str(app.config["SETTINGS"].data_dir),
           "MENTORAT_SECRET_KEY": SECRET, "PATH": "/usr/bin:/bin"}
    repo(app).close()
    status = subprocess.run([sys.executable, "-m", "forms_service.cli", "send-mail", "--status"],
                            env=env, cwd=ROOT, capture_output=True, text=True)
    assert status.returncode == 1
    assert f"message {job_id} (lien) : en échec" in plain_spaces(status.stdout)
    assert "SMTPServerDisconnected" in status.stdout and "awa" not in status.stdout


def test_retries_back_off_then_give_up():
    from forms_service.mail.mailqueue import BACKOFF, retry_delay

    assert [retry_delay(n) for n in (1, 2, 3, 4, 9)] == [60, 300, 1800, 3600, 3600]
    assert BACKOFF[-1] == 3600
