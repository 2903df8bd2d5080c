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
    record, created = repo(app).enroll({**PERSON, "name": name, "email": email, **fields},
                                       notice_version="2026-11")
    assert created
    return record


def mentor(app, name: str, **fields) -> dict:
    defaults = {"role": "mentor", "capacity": 1, "experience": "10_20", "skills_sought": [],
                "skills_offered": ["Négociation"], "goals": [], "department": "Ventes"}
    return enroll(app, name, **{**defaults, **fields})


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
