"""Shared fixtures: the built site, applications on a temporary data directory,
a real server process, and Debian's Chromium driven by Playwright.

Fixtures only: what tests share besides fixtures lives in tests/support/.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.browser import CHROMIUM, CHROMIUM_ARGS
from support.processes import Server
from support.service import ROOT, app_settings, close_repository


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the guide once (strict, compressed) into a temporary directory."""
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "forms_service.cli", "build", "--site-dir",
                             str(site)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="session")
def programme():
    from forms_service.programme import load_programme

    return load_programme(ROOT / "programme.yml")


@pytest.fixture
def steady_minute():
    """Start away from a minute's edge: the rate-limit counters use fixed windows."""
    if time.time() % 60 > 55:
        time.sleep(61 - time.time() % 60)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_app(built_site, data_dir):
    """Build an application: the tests' settings (support.service.app_settings) on
    this test's data directory and the built site, overridden by keyword settings.

    Call it again for a second application on the same data directory (another
    gunicorn worker); every repository opened is closed at teardown.
    """
    from forms_service import create_app

    made = []

    def make(**settings):
        app = create_app(app_settings(**{"data_dir": data_dir, "site_dir": built_site,
                                         **settings}))
        made.append(app)
        return app

    yield make
    for app in made:
        close_repository(app)


@pytest.fixture
def app(make_app):
    """An application with the tests' settings."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def server(built_site, tmp_path_factory):
    server = Server(built_site, tmp_path_factory.mktemp("server-data"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def cli(data_dir, monkeypatch):
    """Run the ``mentorat`` command in this process (Click's runner) on the test's data."""
    from click.testing import CliRunner

    from forms_service.cli.commands import main

    monkeypatch.setenv("MENTORAT_DATA_DIR", str(data_dir))
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return run
