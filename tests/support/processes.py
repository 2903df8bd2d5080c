"""Real processes: a `mentorat serve` (gunicorn) on a free port, the `mentorat`
command on a data directory, an SMTP server."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from .service import ROOT


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


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for recipients, message in self.messages if address in recipients]


def mentorat(*args: str, data_dir: Path | None = None, input: str | None = None,
             **env) -> subprocess.CompletedProcess:
    """Run the `mentorat` command as a person types it; the mail stays queued (no SMTP)."""
    settings = {"MENTORAT_SMTP_HOST": "", **env}
    if data_dir is not None:
        settings["MENTORAT_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "forms_service.cli", *args], cwd=ROOT,
                          env={**os.environ, **settings}, capture_output=True, text=True,
                          input=input)


def demo_programme(data_dir: Path, coordinator: tuple[str, str], *demo_args: str) -> None:
    """Fill a data directory with `mentorat demo` and add a coordinator who can log in."""
    for args, stdin in ((("demo", *demo_args), None),
                        (("coordinator", "add", coordinator[0], "--password-stdin"),
                         coordinator[1] + "\n")):
        result = mentorat(*args, data_dir=data_dir, input=stdin)
        assert result.returncode == 0, result.stderr


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

    @property
    def secret(self) -> str:
        """The key the service signs personal links with (written at its first start)."""
        return (self.data_dir / "secret_key").read_text().strip()

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "forms_service.cli", *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, input=input)

    def exported(self, what: str) -> list[dict]:
        """The records `mentorat export <what>` writes, as an operator reads them."""
        result = self.cli("export", what, "--format", "jsonl")
        assert result.returncode == 0, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


@contextlib.contextmanager
def server_and_store(site_dir: Path, data_dir: Path, **env):
    """A real server, and a ``Repository`` on its data directory to write what a test needs;
    both closed at the end."""
    from forms_service.records.repository import Repository

    server = Server(site_dir, data_dir, **env)
    store = Repository(data_dir)
    try:
        yield server, store
    finally:
        store.close()
        server.stop()
