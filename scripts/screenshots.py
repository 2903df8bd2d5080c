"""Take the pictures of the coordination guide (``make screenshots``).

Starts the service in this process on a fictitious programme (``mentorat demo``
in a temporary directory), logs a coordinator in through Chromium (password,
then the code of the second factor), and saves one PNG per screen of
``SCREENS`` in ``docs/guide-coordination/captures/``, 1 280 pixels wide. While each
page is shown it records the Jinja templates Flask rendered for it; the
manifest ``captures.json`` keeps, per screen, those templates (with the ones
they extend, include or import) and a sha256 of their sources, so that
``tests/test_coordination_guide.py`` fails when a template changes and the
picture does not.

``SCREENS`` is the one list of screens: the test reads it too. A screen whose
route the application does not have yet is skipped with a warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = ROOT / "docs" / "guide-coordination" / "captures"
MANIFEST = CAPTURES / "captures.json"
WIDTH = 1280
# Run as a script, Python puts scripts/ first on the path: the service pictured must be
# this checkout's, not whichever copy the virtual environment has installed.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Screen:
    """One screen of the area: its picture's name, its address, a French caption.

    ``path`` may hold ``{inscription}``, ``{mentore}``, ``{mentor}`` or ``{binome}``:
    ids the script picks in the demo data (``stage``). ``stage`` says when the
    picture is taken: ``"public"`` before logging in, ``"code"`` once the password
    is accepted, ``"area"`` logged in. ``height`` is the window's height (800
    unless the screen needs more to show what the guide describes); ``full_page``
    takes the whole page, for the long ones whose end matters (notes, closing).
    """

    name: str
    path: str
    caption: str
    stage: str = "area"
    height: int = 800
    full_page: bool = False


SCREENS = [
    Screen("connexion", "/coordination/connexion/",
           "La page de connexion : adresse électronique et mot de passe.", stage="public"),
    Screen("code-de-verification", "/coordination/connexion/code/",
           "Le second facteur : le code à six chiffres de l’application d’authentification.",
           stage="code"),
    Screen("accueil", "/coordination/",
           "L’accueil de l’espace ouvre le tableau de bord, sous les onglets de navigation."),
    Screen("inscriptions", "/coordination/inscriptions/",
           "La liste des inscriptions, avec ses filtres et la sélection des mentors en attente."),
    Screen("fiche-inscription", "/coordination/inscriptions/{inscription}/",
           "La fiche d’un mentor : statut, étapes de sélection, réponses, historique et notes.",
           full_page=True),
    Screen("ouverture", "/coordination/inscriptions/ouverture/",
           "L’ouverture et la fermeture des inscriptions, cohorte par cohorte.", height=1000),
    Screen("appariement", "/coordination/appariement/",
           "Les propositions d’appariement, avec leur score et leurs raisons.", height=1200),
    Screen("choisir-un-mentor", "/coordination/appariement/choisir/{mentore}/?mentor_id={mentor}",
           "Choisir un autre mentor pour une personne, ici un mentor dont la sélection "
           "n’est pas terminée.", height=1400),
    Screen("suivi", "/coordination/suivi/",
           "Le suivi des binômes : retours à traiter, points d’étape, binômes silencieux.",
           height=1200),
    Screen("suivi-binome", "/coordination/suivi/binomes/{binome}/",
           "La page d’un binôme : points d’étape, retours signés et formulaire de clôture.",
           full_page=True),
    Screen("tableau-de-bord", "/coordination/tableau-de-bord/",
           "Le tableau de bord : inscriptions, appariement, points d’étape et bilans.",
           full_page=True),
    Screen("exports", "/coordination/exports/",
           "Les exports pour un tableur (CSV, XLSX) ou pour un script (JSON, JSONL)."),
    Screen("journal", "/coordination/journal/",
           "Le journal d’audit : qui a consulté, décidé ou exporté quoi, et quand."),
    Screen("securite", "/coordination/securite/",
           "La page Sécurité : double authentification et codes de secours."),
    # The round report is being built elsewhere: skipped (with a warning) until its route exists.
    Screen("bilan", "/coordination/bilan/",
           "Le bilan de la session : chiffres, comparaison, enseignements et décisions.",
           height=1600),
]


def template_closure(env, names) -> list[str]:
    """The templates named, and every one they extend, include or import, sorted."""
    from jinja2 import meta

    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = env.loader.get_source(env, name)[0]
        todo += [n for n in meta.find_referenced_templates(env.parse(source)) if n]
    return sorted(seen)


def templates_digest(env, names) -> str:
    """A sha256 of the sources of the templates named, as the loader finds them now."""
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode() + b"\0" + env.loader.get_source(env, name)[0].encode()
                      + b"\0")
    return digest.hexdigest()


def resolve(path: str, ids: dict[str, int]) -> str:
    return path.format(**ids)


def route_of(app, path: str) -> str | None:
    """The area's rule serving this path (GET), or None when the area has none."""
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    adapter = app.url_map.bind("localhost")
    try:
        rule, _args = adapter.match(path.split("?")[0], method="GET", return_rule=True)
    except RequestRedirect:
        return None
    except HTTPException:
        return None
    return rule.rule if rule.endpoint.startswith("coordination.") else None


# ----------------------------------------------------------------------- the demo programme


def stage(repo, weights: dict, coordinator_id: int) -> dict[str, int]:
    """Give the demo the few things the guide shows; return the ids the paths need.

    The mentors' selection is on (``programme_with_selection``): every mentor but the newest waiting one has
    passed both steps; that one keeps them to do and gets a note. The newest
    waiting mentee that mentor could take is the one the choice screen shows;
    another waiting mentee limited the use of their data; the pair with the
    most answers is the one followed.
    """
    from forms_service.eligibility import SELECTION_STEPS
    from forms_service.matching.suggest import candidates
    from forms_service.vocabulary import MENTEE_ROLES, MENTOR_ROLES, WAITING_STATUSES

    pool, load = repo.matching_pool(selection=None)
    newest_first = sorted(pool, key=lambda p: p.get("created_at", ""), reverse=True)
    mentors = [p for p in newest_first if p.get("role") in MENTOR_ROLES]
    mentees = [p for p in newest_first if p.get("role") in MENTEE_ROLES
               and p.get("status") in WAITING_STATUSES]
    free = {m["id"]: (m.get("capacity") or 1) - load.get(m["id"], 0) for m in mentors}
    forbidden = repo.rejected_pairs()
    pending_mentor, mentee = None, None
    for mentor in (m for m in mentors if m.get("status") in WAITING_STATUSES):
        mentee = next((p for p in mentees if any(
            option[0]["id"] == mentor["id"]
            for option in candidates(p, [mentor], weights, free=free, forbidden=forbidden))),
            None)
        if mentee:
            pending_mentor = mentor
            break
    if pending_mentor is None:
        raise SystemExit("Aucun mentor en attente compatible avec une personne en attente.")
    for mentor in mentors:
        if mentor["id"] != pending_mentor["id"]:
            for step in SELECTION_STEPS:
                repo.pass_selection_step(mentor["id"], step, by=coordinator_id,
                                         how="atelier" if step == "formation" else "")
    repo.add_enrollment_note(
        pending_mentor["id"], "Échange prévu mardi à 10 h ; disponible à partir du mois "
        "prochain, préfère le mentorat à distance.", by=coordinator_id)
    other = next(p for p in mentees if p["id"] != mentee["id"])
    repo.set_limited(other["id"], True)
    followed = max(repo.active_pairs(), key=lambda p: sum(len(c.get("answered") or {})
                                            for c in p.get("checkpoints", [])))
    return {"inscription": pending_mentor["id"], "mentor": pending_mentor["id"],
            "mentore": mentee["id"], "binome": followed["id"]}


def programme_with_selection(folder: Path) -> Path:
    """A copy of programme.yml with both selection steps asked, so the screens show them."""
    import yaml

    data = yaml.safe_load((ROOT / "programme.yml").read_text(encoding="utf-8"))
    data["selection"] = {"entretien_mentors": "oui", "formation_requise": "oui"}
    path = folder / "programme.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shrink(path: Path) -> None:
    """Make the PNG smaller: a palette of 256 colours is plenty for the area's flat colours."""
    try:
        from PIL import Image
    except ImportError:  # Pillow is optional: Chromium's PNG stays as it is
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    small.save(path, optimize=True)


# ----------------------------------------------------------------------------- the run


def main() -> int:
    started = time.monotonic()
    site_dir = Path(os.environ.get("MENTORAT_SITE_DIR", ROOT / "site"))
    if not (site_dir / "index.html").exists():
        raise SystemExit(f"Site introuvable dans {site_dir} : lancez d'abord « make site ».")
    with tempfile.TemporaryDirectory(prefix="mentorat-captures-") as temp:
        data_dir = Path(temp) / "data"
        env = {**os.environ, "MENTORAT_DATA_DIR": str(data_dir), "MENTORAT_SMTP_HOST": ""}
        demo = subprocess.run([sys.executable, "-m", "forms_service.cli", "demo", "--seed", "7"],
                              check=False, cwd=ROOT, env=env, capture_output=True, text=True)
        if demo.returncode:
            raise SystemExit(demo.stderr)
        taken = shoot(data_dir, site_dir, programme_with_selection(Path(temp)))
    print(f"{taken} captures dans {CAPTURES.relative_to(ROOT)} "
          f"({time.monotonic() - started:.0f} s).", file=sys.stderr)
    return 0


def shoot(data_dir: Path, site_dir: Path, programme: Path) -> int:
    import pyotp
    from flask import template_rendered
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from forms_service import create_app
    from forms_service.coordination.auth import hash_password
    from forms_service.coordination.mfa import new_secret
    from forms_service.services import services

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app({"data_dir": data_dir, "site_dir": site_dir, "programme": programme,
                      "base_url": url, "rate_limit": "off", "min_fill_seconds": 0,
                      "smtp_host": ""})
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line a screen is enough
    repo = services(app).repo()
    email, password, secret = "camille.rh@exemple.fr", "une phrase de passe pour les captures", \
        new_secret()
    account, _new = repo.add_coordinator(email, hash_password(password))
    repo.accounts.enable_totp(account["id"], secret, [], 0)
    ids = stage(repo, app.config["PROGRAMME"].weights, account["id"])

    rendered: list[str] = []
    template_rendered.connect(lambda sender, template, context, **extra:
                              rendered.append(template.name), app, weak=False)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    manifest = {"largeur": WIDTH, "routes": [], "captures": {}}
    CAPTURES.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run",
                      "--lang=fr-FR"])
            page = browser.new_page(locale="fr-FR", timezone_id="Europe/Paris",
                                    color_scheme="light",
                                    viewport={"width": WIDTH, "height": 800})
            for stage_name in ("public", "code", "area"):
                if stage_name == "code":
                    page.goto(url + "/coordination/connexion/")
                    page.get_by_label("Adresse électronique").fill(email)
                    page.get_by_label("Mot de passe").fill(password)
                    page.get_by_role("button", name="Se connecter").click()
                    page.wait_for_url("**/connexion/code/")
                for screen in (s for s in SCREENS if s.stage == stage_name):
                    path = resolve(screen.path, ids)
                    route = route_of(app, path)
                    if route is None:
                        print(f"Attention : pas de route pour {path} dans l'application, "
                              f"capture « {screen.name} » sautée.", file=sys.stderr)
                        continue
                    page.set_viewport_size({"width": WIDTH, "height": screen.height})
                    rendered.clear()
                    response = page.goto(url + path)
                    if not response.ok:
                        raise SystemExit(f"{path} : {response.status}")
                    png = CAPTURES / f"{screen.name}.png"
                    page.screenshot(path=png, full_page=screen.full_page, animations="disabled")
                    shrink(png)
                    templates = template_closure(app.jinja_env, set(rendered))
                    manifest["captures"][screen.name] = {
                        "png": png.name, "chemin": screen.path, "route": route,
                        "gabarits": templates,
                        "empreinte": templates_digest(app.jinja_env, templates)}
                    manifest["routes"].append(route)
                    print(f"  {screen.name}.png  {png.stat().st_size // 1024} Ko  "
                          f"{', '.join(templates)}", file=sys.stderr)
                if stage_name == "code":
                    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
                    page.get_by_role("button", name="Valider").click()
                    page.wait_for_url("**/tableau-de-bord/")
            browser.close()
    finally:
        server.shutdown()
        repo.close()
    manifest["routes"] = sorted(set(manifest["routes"]))
    MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
    return len(manifest["captures"])


if __name__ == "__main__":
    sys.exit(main())
