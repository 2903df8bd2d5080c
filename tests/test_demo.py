"""`mentorat demo`: a realistic fictitious programme, only in an empty data directory."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from support.coordination import login
from support.service import ROOT, repo

from forms_service.cli.demo import DataNotEmpty, fill


def run_demo(data_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forms_service.cli", "demo", *args],
                          capture_output=True, text=True, cwd=ROOT,
                          env={"MENTORAT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"})


def test_demo_fills_an_empty_directory_and_refuses_a_second_time(tmp_path):
    data_dir = tmp_path / "data"
    first = run_demo(data_dir, "--seed", "3", "--participants", "60")
    assert first.returncode == 0, first.stderr
    assert "60 inscriptions" in first.stderr and "…" in first.stderr and first.stdout == ""
    second = run_demo(data_dir, "--seed", "3")
    assert second.returncode != 0
    assert "contient déjà des données" in second.stderr and "vide" in second.stderr


def test_demo_builds_a_realistic_programme(app, programme):
    summary = fill(repo(app), programme, participants=120, seed=11)
    people, pairs = repo(app).enrollments.all(), repo(app).all_pairs()
    feedback = repo(app).feedback.all()
    assert summary == {"people": 120, "pairs": len(pairs), "feedback": len(feedback)}
    assert len({p["email"] for p in people}) == 120
    assert all(p["email"].endswith("@exemple.fr") for p in people)
    assert {p["track"] for p in people} == {"classique", "inverse"}
    assert {p["role"] for p in people} == {"mentor", "mentore", "les_deux"}
    assert {p["department"] for p in people} <= set(programme.departments)
    assert len({p["department"] for p in people}) >= 5
    statuses = Counter(p["status"] for p in people)
    # The first feedback makes a pair « actif » (issue 13).
    assert statuses["apparie"] + statuses["actif"] >= 40 and statuses["actif"]
    assert any(p["status"] in ("nouveau", "en_attente") for p in people)
    assert len(pairs) >= 20 and any(p["status"] == "closed" for p in pairs)
    identities = Counter(f["identity"] for f in feedback)
    assert identities["signe"] > 0 and identities["anonyme"] > 0
    assert {f["checkpoint"] for f in feedback} == {"1", "3", "6"}
    signed = [f for f in feedback if f["identity"] == "signe"]
    assert all(f["pair_id"] and f["person_id"] and f["name"] for f in signed)
    assert all("name" not in f and "pair_id" not in f for f in feedback
               if f["identity"] == "anonyme")
    answered = sum(len(c["answered"]) for p in pairs for c in p["checkpoints"])
    assert answered == len(signed)
    closed = {p["id"] for p in pairs if p["status"] == "closed"}
    closing = repo(app).closing.all()
    assert closing and all(a["pair_id"] in closed for a in closing)
    # Goal levels (issue 24): at enrollment, and mid-way for the pairs that got there.
    moments = Counter(r["moment"] for p in people for r in p.get("goal_ratings") or ())
    assert moments["inscription"] and moments["mi-parcours"]
    assert any(p.get("skill_ratings") for p in people if p["role"] == "mentor")
    with pytest.raises(DataNotEmpty):
        fill(repo(app), programme, participants=10, seed=1)


def test_the_same_seed_gives_the_same_programme(tmp_path, programme):
    from forms_service.records.repository import Repository

    def names(seed, folder):
        store = Repository(tmp_path / folder)
        fill(store, programme, participants=30, seed=seed)
        result = [(p["name"], p["role"], p["status"]) for p in store.enrollments.all()]
        store.close()
        return result

    assert names(5, "a") == names(5, "b") != names(6, "c")


def test_every_coordination_page_works_on_demo_data(app, client, programme):
    fill(repo(app), programme, participants=80, seed=2)
    login(app, client)
    for path in ("/coordination/appariement/", "/coordination/suivi/",
                 "/coordination/tableau-de-bord/",
                 f"/coordination/suivi/binomes/{repo(app).all_pairs()[0]['id']}/"):
        assert client.get(path).status_code == 200, path
