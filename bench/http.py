"""Accepted enrollment posts per second: our service vs a bare Flask view.

    .venv/bin/python bench/http.py [--seconds 10] [--clients 8] [--stored 0,20000]
                                   [--slow-mail 2] [--profile]

Both run under the same gunicorn settings as `make run` (2 sync workers),
side by side in the same run, loaded by the same client: CLIENTS
threads posting urlencoded enrollments with distinct e-mails, as fast as
the server answers (threads wait on sockets, so the client does not starve
the server on a 2-core machine). For each size of data already stored
(seeded through the repository before the servers start), it starts both,
waits until every worker has loaded its app (the service's replays the
store; the time is printed), loads each for WARM_UP seconds unmeasured, then
loads them in turns of ROUND seconds (bare, service, bare…) so that the
machine's noise weighs on both alike. It prints both rates, their ratio
(goal ≥ 0.25, then 0.5) with its range over the rounds, and checks that every
post the service acknowledged (201) is in `mentorat export`. Rate limit and
time-trap off.

Then, with a mail server that takes ``--slow-mail`` seconds per message
(aiosmtpd), it times 20 sequential enrollments against a real `mentorat
serve` (its sender running) and prints their p95: a submission must never
wait on mail. ``--profile`` prints where the time of one post goes
(cProfile over 200 posts through Flask's test client, top 15 by own time).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py: keep the standard library's `http` package first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 1.0  # seconds of load before each measure, not counted, for both servers alike
# The two servers take turns in rounds this long, so a slower minute of a noisy
# machine weighs on both alike.
ROUND = 1.0
SERVERS = [("Flask nu", "bare_app:app"), ("service", "forms_service.wsgi:app")]
sys.path.insert(0, str(ROOT))

ANSWERS = {
    "name": "Camille Bernard", "department": "Informatique", "site": "Lyon",
    "job_title": "Cheffe de projet", "experience": "5_10", "languages": "français",
    "role": "mentore", "track": "classique", "skills_sought": "Négociation",
    "goal_1": "Conduire seule une négociation fournisseur d'ici juin", "format": "hybride",
    "rhythm": "bimensuel", "availability": "mardi_matin", "department_preference": "autre",
    "consent": "y",
}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"le serveur du port {port} n'a pas démarré")


WORKERS = 2


def gunicorn(app: str, port: int, env: dict, log) -> subprocess.Popen:
    # The log goes to a file: a pipe nobody reads would fill up and stall the workers.
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
                             "--config", "python:gunicorn_ready", "--bind",
                             f"127.0.0.1:{port}", app], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=log)


def wait_workers(log, server: subprocess.Popen) -> None:
    """Wait until every worker has loaded its app (gunicorn_ready logs it)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        log.seek(0)
        if log.read().count("bench: processus prêt") >= WORKERS:
            return
        time.sleep(0.05)
    log.seek(0)
    print(log.read()[-3000:], file=sys.stderr)
    raise RuntimeError("les processus du serveur n'ont pas démarré")


def load(port: int, seconds: float, clients: int, prefix: str) -> tuple[int, int, list[str]]:
    """Post for `seconds` from `clients` threads; return (accepted, refused, accepted e-mails)."""
    accepted: list[str] = []
    refused = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        sent = 0
        while time.monotonic() < stop:
            email = f"{prefix}.{number}.{sent}@exemple.fr"
            sent += 1
            body = urlencode({**ANSWERS, "email": email})
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", "/api/formulaires/enrollment", body, {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json"})
                status = conn.getresponse().status
            except OSError:
                status = 0
            finally:
                conn.close()
            with lock:
                if status == 201:
                    accepted.append(email)
                else:
                    refused[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(accepted), refused[0], accepted


def seed(data_dir: Path, count: int) -> None:
    from forms_service.records.repository import Repository

    repo = Repository(data_dir)
    answers = {**ANSWERS, "languages": ["français"], "availability": ["mardi_matin"],
               "skills_sought": ["Négociation"], "goals": [ANSWERS["goal_1"]]}
    for n in range(count):
        repo.enroll({**answers, "email": f"seed.{n}@exemple.fr"}, notice_version="bench")
    repo.close()


def stored_emails(env: dict) -> set[str]:
    out = subprocess.run([sys.executable, "-m", "forms_service.cli", "export", "enrollment",
                          "--format", "jsonl"], env=env, cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return {json.loads(line)["email"] for line in out.splitlines()}


def run(stored: int, seconds: float, clients: int, site_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        seed(data_dir, stored)
        env = {**os.environ, "MENTORAT_DATA_DIR": str(data_dir), "MENTORAT_SITE_DIR": str(site_dir),
               "MENTORAT_RATE_LIMIT": "off", "MENTORAT_MIN_FILL_SECONDS": "0",
               "MENTORAT_SMTP_HOST": "", "PYTHONPATH": str(ROOT / "bench" / "baseline")}
        servers, logs, ports = {}, [], {}
        try:
            for name, app in SERVERS:
                ports[name] = free_port()
                log = open(Path(tmp) / f"{app.split(':')[0]}.log", "w+")
                logs.append(log)
                started = time.monotonic()
                servers[name] = gunicorn(app, ports[name], env, log)
                wait_workers(log, servers[name])
                print(f"  {name:9} processus prêts en {time.monotonic() - started:.1f} s",
                      flush=True)
                load(ports[name], WARM_UP, clients, f"chauffe{name[0]}{stored}")
            totals = {name: [0, 0, 0.0] for name in servers}  # accepted, refused, seconds
            emails, ratios = [], []
            rounds = max(1, round(seconds / ROUND))
            for number in range(rounds):
                rates = {}
                for name in servers:
                    started = time.monotonic()
                    accepted, refused, accepted_emails = load(
                        ports[name], seconds / rounds, clients, f"{name[0]}{stored}.{number}")
                    elapsed = time.monotonic() - started
                    rates[name] = accepted / elapsed
                    totals[name][0] += accepted
                    totals[name][1] += refused
                    totals[name][2] += elapsed
                    if name == "service":
                        emails += accepted_emails
                ratios.append(rates["service"] / rates["Flask nu"])
        finally:
            for server in servers.values():
                server.terminate()
                server.wait()
            for log in logs:
                log.close()
        rate = {name: accepted / elapsed for name, (accepted, _, elapsed) in totals.items()}
        for name, (accepted, refused, _) in totals.items():
            print(f"  {name:9} {rate[name]:8.1f} envois acceptés/s ({accepted} acceptés, "
                  f"{refused} refusés)", flush=True)
        missing = set(emails) - stored_emails(env)
        print(f"  vérification : {len(emails)} acceptés, {len(missing)} absents des données",
              flush=True)
        # Three decimals: rounded to two, 0.246 would read as the 0.25 it misses.
        print(f"  ratio service / Flask nu : {rate['service'] / rate['Flask nu']:.3f} "
              f"(objectif ≥ 0,25, puis 0,5) ; par tour : {min(ratios):.2f} à {max(ratios):.2f} "
              f"sur {len(ratios)} tours", flush=True)


def slow_mail_p95(site_dir: Path, delay: float) -> None:
    """p95 of 20 sequential enrollments while each message takes `delay` s to send."""
    import asyncio

    from aiosmtpd.controller import Controller

    class Slow:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(delay)
            Slow.received += 1
            return "250 OK"

    controller = Controller(Slow(), hostname="127.0.0.1", port=free_port())
    controller.start()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "MENTORAT_DATA_DIR": str(Path(tmp) / "data"),
               "MENTORAT_SITE_DIR": str(site_dir), "MENTORAT_RATE_LIMIT": "off",
               "MENTORAT_MIN_FILL_SECONDS": "0", "MENTORAT_PORT": str(port),
               "MENTORAT_SMTP_HOST": "127.0.0.1", "MENTORAT_SMTP_PORT": str(controller.port)}
        log = open(Path(tmp) / "serve.log", "w+")
        server = subprocess.Popen([sys.executable, "-m", "forms_service.cli", "serve"], env=env,
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_ready(port, "/healthz")
            times = []
            for n in range(20):
                body = urlencode({**ANSWERS, "email": f"lent.{n}@exemple.fr"})
                started = time.monotonic()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("POST", "/api/formulaires/enrollment", body, {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json"})
                assert conn.getresponse().status == 201
                conn.close()
                times.append(time.monotonic() - started)
        finally:
            server.terminate()
            server.wait()
            log.close()
            controller.stop()
    times.sort()
    print(f"20 inscriptions à la suite, serveur de messagerie à {delay:g} s par message : "
          f"p95 {times[18] * 1000:.0f} ms, médiane {times[10] * 1000:.0f} ms "
          f"(objectif < 300 ms) ; {Slow.received} message(s) déjà reçus pendant ce temps",
          flush=True)


def profile(site_dir: Path) -> None:
    """Where one post's time goes, in-process (no network), top functions by own time."""
    import cProfile
    import logging
    import pstats

    from forms_service import create_app

    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "data_dir": Path(tmp), "site_dir": site_dir,
                          "secret_key": "b" * 48, "min_fill_seconds": 0, "rate_limit": "off"})
        client = app.test_client()

        def post(n: int) -> None:
            client.post("/api/formulaires/enrollment", data={**ANSWERS, "email": f"p{n}@exemple.fr"},
                        headers={"Accept": "application/json"})

        for n in range(20):
            post(n)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for n in range(20, 220):
            post(n)
        profiler.disable()
        print(f"profil : {(time.perf_counter() - started) / 200 * 1000:.1f} ms par envoi "
              "(profilé), fonctions par temps propre :", flush=True)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--stored", default="0,20000")
    parser.add_argument("--slow-mail", type=float, default=2.0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "forms_service.cli", "build", "--site-dir", str(site)],
                       cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
        for stored in (int(s) for s in args.stored.split(",")):
            print(f"{stored} inscriptions déjà enregistrées, {args.clients} clients, "
                  f"{args.seconds:g} s :", flush=True)
            run(stored, args.seconds, args.clients, site)
        if args.slow_mail:
            slow_mail_p95(site, args.slow_mail)
        if args.profile:
            profile(site)


if __name__ == "__main__":
    main()
