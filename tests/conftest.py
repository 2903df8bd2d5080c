"""Shared fixtures: the built site, an app on a temporary data directory,
a real server process, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECRET = "k" * 48


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
def app(built_site, data_dir):
    from forms_service import create_app

    app = create_app({
        "TESTING": True, "data_dir": data_dir, "site_dir": built_site, "secret_key": SECRET,
        "min_fill_seconds": 0, "rate_limit": "off", "smtp_host": "",
    })
    yield app
    found = app.extensions["mentorat"]._repo
    if found is not None:
        found.close()


@pytest.fixture
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def smtp_server(handler):
    """A real SMTP server (aiosmtpd) on a free port, handing each message to handler."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


class Server:
    """A real `mentorat serve` (gunicorn) process on a free port."""

    def __init__(self, site_dir: Path, data_dir: Path, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = {
            **os.environ, "MENTORAT_PORT": str(self.port), "MENTORAT_DATA_DIR": str(data_dir),
            "MENTORAT_SITE_DIR": str(site_dir), "MENTORAT_WORKERS": "2",
            "MENTORAT_RATE_LIMIT": "off", "MENTORAT_MIN_FILL_SECONDS": "0",
            "MENTORAT_SMTP_HOST": "", **{k: str(v) for k, v in env.items()},
        }
        self.process = subprocess.Popen([sys.executable, "-m", "forms_service.cli", "serve"],
                                        env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("le serveur n'a pas démarré")

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "forms_service.cli", *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, input=input)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


@pytest.fixture(scope="module")
def server(built_site, tmp_path_factory):
    server = Server(built_site, tmp_path_factory.mktemp("server-data"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
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
