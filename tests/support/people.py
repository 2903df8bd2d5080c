"""The people the tests enroll: the answers as the forms send them, and two ways in.

``enroll`` stores an enrollment through the repository, as a submission would;
``enroll_by_post`` sends the public form (Flask's test client) and returns the
personal link of the confirmation e-mail; ``enroll_on`` does it on a real server.
"""

from __future__ import annotations

import json
import unicodedata
import urllib.parse
import urllib.request
from datetime import date

from .mail import link_in, mails
from .service import JSON, repo

MENTEE = {
    "name": "Awa Diallo", "email": "awa.diallo@exemple.fr", "department": "Marketing",
    "site": "Nantes", "job_title": "Chargée d'études", "experience": "2_5",
    "languages": ["français", "anglais"], "role": "mentore", "track": "classique",
    "skills_sought": ["Négociation"], "goal_1": "Mener seule une négociation fournisseur d'ici juin",
    "format": "hybride", "rhythm": "bimensuel", "availability": ["lundi_matin", "jeudi_apres_midi"],
    "department_preference": "autre", "consent": "y",
}
MENTOR = {**MENTEE, "name": "Marc Petit", "email": "marc.petit@exemple.fr", "role": "mentor",
          "capacity": "2", "skills_offered": ["Négociation", "Gestion de projet"],
          "skills_sought": [], "goal_1": ""}
FEEDBACK = {"checkpoint": "1", "role": "mentore", "satisfaction": "4", "progress": "3",
            "meetings": "2", "identity": "anonyme"}

PERSON = {
    "department": "Marketing", "site": "Nantes", "job_title": "Chargée d'études",
    "experience": "2_5", "languages": ["français"], "manager_email": "", "role": "mentore",
    "track": "classique", "capacity": None, "skills_offered": [], "skills_sought": ["Négociation"],
    "skills_sought_other": "", "goals": ["Négocier seule d'ici juin"], "format": "hybride",
    "rhythm": "bimensuel", "availability": ["lundi_matin", "jeudi_apres_midi"],
    "department_preference": "indifferent", "comment": "", "consent": True,
}


def enroll(app, name: str, **fields) -> dict:
    """Store an enrollment as the public form would; return it."""
    # Addresses are plain ASCII (the form refuses others): "Zoé" writes zoe@…
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    email = fields.pop("email", None) or ".".join(ascii_name.lower().split()) + "@exemple.fr"
    cohort = fields.pop("cohort", None)
    record, created = repo(app).enroll({**PERSON, "name": name, "email": email, **fields},
                                       notice_version="2026-12", cohort=cohort)
    assert created
    return record


# A mentor's stored answers (as the form would store them), for tests that write records.
STORED_MENTOR = {**PERSON, "role": "mentor", "capacity": 1, "experience": "10_20",
                 "skills_sought": [], "skills_offered": ["Négociation"], "goals": [],
                 "department": "Ventes"}


def stored(store, answers: dict, **extra) -> dict:
    """Enroll straight into a ``Repository`` (a test beside a real server); return the record."""
    record, _created = store.enroll({**answers, **extra}, notice_version="2026-12")
    return record


def running_pair(store, mentor: dict, mentee: dict) -> dict:
    """Confirm a pair of these two today, with the shipped checkpoints (1, 3, 6 months)."""
    from forms_service.records.checkpoints import checkpoint_schedule

    return store.confirm_pair(mentor["id"], mentee["id"], by=None, score=80.0, reasons=[],
                              checkpoints=checkpoint_schedule(date.today(), (1, 3, 6)))


def mentor(app, name: str, **fields) -> dict:
    return enroll(app, name, **{**STORED_MENTOR, **fields})


def enroll_by_post(client, data_dir, answers=MENTEE) -> str:
    """Enroll; return the personal link found in the confirmation e-mail."""
    response = client.post("/api/formulaires/enrollment", data=answers, headers=JSON)
    assert response.status_code == 201
    to, subject, text = mails(client)[-1]
    assert to == answers["email"].lower()
    return link_in(text)


def enroll_on(server, email: str) -> str:
    """Enroll through the real server; return the personal link its e-mail will carry."""
    from forms_service.mail.links import personal_link
    from forms_service.records.repository import Repository

    data = urllib.parse.urlencode({**MENTEE, "email": email, "languages": "français",
                                   "skills_sought": "Négociation",
                                   "availability": "lundi_matin"}).encode()
    request = urllib.request.Request(server.url + "/api/formulaires/enrollment", data=data,
                                     headers=JSON)
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer)["ok"] is True
    # The message waits in the queue (no SMTP here): sign the link it will carry.
    store = Repository(server.data_dir)
    try:
        record = store.enrollment_by_email(email)
    finally:
        store.close()
    secret = (server.data_dir / "secret_key").read_text().strip()
    return personal_link("", secret, record)


# What a person's page must show (issue 22), each a value found nowhere else.
HELD = {"note": "Préfère les rencontres en fin de journée", "own_reason": "Horaires incompatibles",
        "partner_reason": "Motif propre au partenaire", "reason": "langue commune : français",
        "works": "<b>Des échanges</b> francs", "comment": "<script>alert(1)</script>"}


def person_with_everything(store, today) -> dict:
    """Enroll Awa with one of each thing the service holds about a person; return the people.

    Awa declined a first pair (her own reason), her second partner declined
    (his reason, never hers to see), her third pair runs with a meeting and a
    feedback sent through her link, and the coordination wrote a note.
    ``store`` is a ``Repository``; ``today`` a date (the running pair's start).
    """
    from forms_service.records.checkpoints import checkpoint_schedule

    def add(name, email, **extra):
        record, _reference = store.enroll({**PERSON, "name": name, "email": email, **extra},
                                          notice_version="2026-12")
        return record

    as_mentor = {"role": "mentor", "capacity": 1, "experience": "10_20", "skills_sought": [],
                 "skills_offered": ["Négociation"], "goals": [], "department": "Ventes"}
    awa = add("Awa Diallo", "awa@exemple.fr", comment=HELD["comment"])
    paul, leo, marc = (add(name, email, **as_mentor) for name, email in (
        ("Paul Durand", "paul@exemple.fr"), ("Léo Blanc", "leo@exemple.fr"),
        ("Marc Petit", "marc@exemple.fr")))
    schedule = checkpoint_schedule(today, (1, 3, 6))
    for partner, who, reason in ((paul, awa, HELD["own_reason"]),
                                 (leo, leo, HELD["partner_reason"])):
        pair = store.confirm_pair(partner["id"], awa["id"], by=None, score=61.0,
                                  reasons=[HELD["reason"]], checkpoints=schedule)
        store.decline_pair(pair["id"], who["id"], reason, [])
    pair = store.confirm_pair(marc["id"], awa["id"], by=None, score=82.5,
                              reasons=[HELD["reason"]], checkpoints=schedule)
    store.log_meeting(pair["id"], awa["id"], today, duration_minutes=45)
    store.save_linked_feedback({**FEEDBACK, "identity": "signe", "name": "Awa Diallo",
                                "satisfaction": 4, "what_works": HELD["works"],
                                "pair_id": pair["id"], "person_id": awa["id"]},
                               pair["id"], 1, awa["id"])
    store.add_enrollment_note(awa["id"], HELD["note"], by=1)
    return {"awa": store.enrollment(awa["id"]), "marc": marc, "leo": leo, "paul": paul,
            "pair": pair}
