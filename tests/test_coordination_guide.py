"""The coordination guide's pictures are those of the area as it is now.

``make screenshots`` (scripts/screenshots.py) takes one picture per screen of
its ``SCREENS`` list and writes, in ``docs/guide-coordination/captures/captures.json``,
the templates each page rendered with a sha256 of their sources. These tests
need no browser: every screen has its picture and its entry, the entry's
digest is that of the templates today (a template changed without new pictures
fails), every page of the area has a screen, and every picture is shown in a
page of ``docs/guide-coordination/``.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import struct
import sys

import pytest
from jinja2 import Environment, FileSystemLoader
from support.service import ROOT, app_settings

SCRIPT = ROOT / "scripts" / "screenshots.py"
GUIDE = ROOT / "docs" / "guide-coordination"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MOST_BYTES = 250 * 1024

# GET routes of the area that show no page of their own, so no picture: each with why.
EXCLUDED_ENDPOINTS = {
    # A file download (CSV, XLSX, JSON, JSONL): its page is the exports page.
    "coordination.export_download",
    # The round's report as a file (HTML, PDF, JSON, XLSX); its page is « Bilan ».
    "coordination.review_download",
    # The area's CSS and JavaScript.
    "coordination.static",
}


def _load_script():
    spec = importlib.util.spec_from_file_location("coordination_screenshots", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


screenshots = _load_script()


@pytest.fixture(scope="module")
def area_app(tmp_path_factory):
    """The application, only for its routes and its templates (no site, no data)."""
    from forms_service import create_app

    folder = tmp_path_factory.mktemp("guide")
    return create_app(app_settings(folder / "data", folder / "site"))


@pytest.fixture(scope="module")
def manifest():
    return json.loads(screenshots.MANIFEST.read_text(encoding="utf-8"))


def shown_screens(app) -> list:
    """The screens whose route the application has (the others are not built yet)."""
    return [s for s in screenshots.SCREENS if screen_route(app, s) is not None]


def screen_route(app, screen) -> str | None:
    ids = {"inscription": 1, "mentore": 1, "mentor": 1, "binome": 1}
    return screenshots.route_of(app, screenshots.resolve(screen.path, ids))


def stale(name: str, entry: dict, env) -> str | None:
    """Why the picture no longer shows what its templates render, or None if it still does."""
    if screenshots.templates_digest(env, entry["gabarits"]) != entry["empreinte"]:
        return (f"La capture « {name}.png » ne correspond plus aux gabarits "
                f"({', '.join(entry['gabarits'])}) : lancez « make screenshots » et "
                f"vérifiez les pages de docs/guide-coordination/.")
    return None


def test_every_screen_has_a_picture_and_an_entry(area_app, manifest):
    for screen in shown_screens(area_app):
        assert screen.name in manifest["captures"], \
            f"« {screen.name} » absent de captures.json : lancez « make screenshots »."
        png = screenshots.CAPTURES / manifest["captures"][screen.name]["png"]
        data = png.read_bytes()
        assert data[:8] == PNG_SIGNATURE, f"{png.name} n'est pas un PNG"
        width, height = struct.unpack(">II", data[16:24])
        assert width == screenshots.WIDTH, f"{png.name} : {width} px de large"
        assert 300 <= height <= 6000, f"{png.name} : {height} px de haut"
        assert 2_000 < len(data) < MOST_BYTES, f"{png.name} : {len(data)} octets"
        assert manifest["captures"][screen.name]["gabarits"], f"{png.name} : aucun gabarit"


def test_every_picture_matches_the_templates_of_today(area_app, manifest):
    found = [stale(name, entry, area_app.jinja_env)
             for name, entry in manifest["captures"].items()]
    assert [why for why in found if why] == []


def test_every_page_of_the_area_has_a_screen(area_app, manifest):
    pages = {rule.rule for rule in area_app.url_map.iter_rules()
             if rule.endpoint.startswith("coordination.") and "GET" in rule.methods
             and rule.endpoint not in EXCLUDED_ENDPOINTS}
    covered = {screen_route(area_app, s) for s in shown_screens(area_app)}
    assert sorted(pages - covered) == [], "pages de l'espace sans capture dans SCREENS"
    assert set(manifest["routes"]) == covered, "captures.json : lancez « make screenshots »."


def test_every_picture_is_shown_in_a_page_of_the_guide(area_app):
    pages = "\n".join(p.read_text(encoding="utf-8") for p in GUIDE.glob("*.md"))
    missing = [s.name for s in shown_screens(area_app)
               if f"](captures/{s.name}.png)" not in pages]
    assert missing == [], f"captures montrées dans aucune page de docs/guide-coordination/ : {missing}"


def test_a_changed_template_makes_its_picture_stale(area_app, tmp_path):
    templates = ROOT / "forms_service" / "templates"
    shutil.copytree(templates / "coordination", tmp_path / "coordination")
    copy = Environment(loader=FileSystemLoader(tmp_path))
    names = screenshots.template_closure(copy, ["coordination/enrollments.html"])
    # The page and what it extends, includes and imports: a change in any of them counts.
    assert names == ["coordination/_flashes.html", "coordination/_macros.html",
                     "coordination/base.html", "coordination/enrollments.html"]
    entry = {"gabarits": names, "empreinte": screenshots.templates_digest(area_app.jinja_env,
                                                                          names)}
    assert stale("inscriptions", entry, copy) is None

    base = tmp_path / "coordination" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("Aller au contenu",
                                                             "Aller au texte"),
                    encoding="utf-8")
    why = stale("inscriptions", entry, copy)
    assert why is not None and "make screenshots" in why and "base.html" in why


def test_no_page_of_the_guide_sits_where_the_service_answers(built_site, tmp_path):
    """/coordination/ is the area: a guide page there would never be seen (it was, once)."""
    import importlib.util

    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File, Files

    pages = [p.relative_to(built_site).as_posix() for p in built_site.rglob("index.html")]
    assert [p for p in pages if p.startswith(("coordination/", "api/"))] == []
    assert "guide-coordination/bilan/index.html" in pages
    spec = importlib.util.spec_from_file_location("forms_hook",
                                                  ROOT / "overrides" / "hooks" / "forms.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    shadowed = Files([File("coordination/index.md", str(tmp_path), str(tmp_path), True)])
    with pytest.raises(PluginError, match="appartient au service"):
        hook.on_files(shadowed, {})
