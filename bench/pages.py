"""Print what each page of the guide costs a browser, in KiB on the wire.

    .venv/bin/python bench/pages.py [--site DIR] [--url URL] [--only TEXT] [--verbose]

Starts the service as `make run` does (`mentorat build` into a temporary
directory, then `mentorat serve` on a free port with a temporary data
directory); `--site DIR` serves an already built site instead, `--url`
measures a service already running. Then, in Debian's Chromium, for every
page of the sitemap:

- first visit: a fresh browser (empty cache) opens the page; everything it
  downloads counts (HTML, CSS, JavaScript, fonts, images, the search worker)
  except the search index, which only a search needs;
- next page: a fresh browser opens another page of the guide (the home
  page, or the charter for the home page itself), then this page in the same
  tab and cache; only what this second page downloads counts.

Bytes are what Chromium received for each request: response headers plus
compressed body for a download, the headers for a revalidation (304), 0 for
a cache hit; from Resource Timing in the page and in the search worker, with
the real header sizes from Playwright's `request.sizes()`.
Bar: first visit <= 100 KiB, next page <= 15 KiB; goal: <= 80 and <= 10.
The exit status is 1 when the bar is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Scripts in bench/ (e.g. bench/http.py) must not shadow the standard library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import urllib.request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BAR = {"first": 100, "next": 15}
GOAL = {"first": 80, "next": 10}
EXCLUDED = re.compile(r"/search/search_index\.json")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mentorat(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "-m", "forms_service.cli", *args], env=env, cwd=ROOT,
                   check=True)


class Service:
    """`mentorat build` then `mentorat serve`, like `make run`, in temporary folders."""

    def __init__(self, site: Path | None):
        self.tmp = tempfile.TemporaryDirectory(prefix="bench-pages-")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        site_dir = site or Path(self.tmp.name) / "site"
        env = {**os.environ, "MENTORAT_PORT": str(port), "MENTORAT_SITE_DIR": str(site_dir),
               "MENTORAT_DATA_DIR": str(Path(self.tmp.name) / "data")}
        if site is None:
            mentorat("build", "--site-dir", str(site_dir), env=env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "forms_service.cli", "serve"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("le service n'a pas démarré")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)
        self.tmp.cleanup()


def sitemap_paths(base: str) -> list[str]:
    with urllib.request.urlopen(base + "/sitemap.xml") as response:
        sitemap = response.read().decode()
    return [re.sub(r"^https?://[^/]+", "", loc) for loc in re.findall(r"<loc>(.*?)</loc>", sitemap)]


RESOURCE_TIMING = """() => performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .map(e => [e.name, e.initiatorType, e.transferSize, e.encodedBodySize])"""
# Chromium's Resource Timing counts a fixed 300 bytes for response headers.
TIMING_HEADERS = 300


class Meter:
    """Count the bytes a browser context receives, the page's and its workers'.

    Resource Timing (in the page and in each worker) tells, for every
    request, whether it came from the cache (0), was revalidated (a 304:
    headers only) or downloaded (compressed body); Playwright's
    `request.sizes()` gives the real size of the headers of a download.
    """

    def __init__(self, context, page):
        self.page = page
        self.workers = []
        self.headers: dict[str, int] = {}
        context.on("requestfinished", self._finished)
        page.on("worker", lambda worker: self.workers.append(worker))

    def _finished(self, request) -> None:
        # A request without a response has no size.
        with contextlib.suppress(Exception):
            self.headers[request.url] = request.sizes()["responseHeadersSize"]

    def _entries(self) -> list:
        entries = self.page.evaluate(RESOURCE_TIMING)
        for worker in self.workers:
            with contextlib.suppress(Exception):  # a worker may be gone
                entries += worker.evaluate(RESOURCE_TIMING)
        return entries

    def total(self, verbose: bool = False) -> tuple[int, dict[str, int], int]:
        """Return (bytes, bytes by kind, bytes of the excluded search index)."""
        counted, by_kind, excluded = 0, {}, 0
        for url, kind, transfer, body in self._entries():
            if url.startswith("data:") or transfer == 0:
                continue  # inline, or from the cache without asking the server
            if transfer - body < TIMING_HEADERS:
                size, how = transfer, "304"  # revalidated: headers only
            else:
                size, how = body + self.headers.get(url, TIMING_HEADERS), "200"
            if EXCLUDED.search(url):
                excluded += size
                continue
            counted += size
            if verbose:
                print(f"    {size / 1024:6.1f} KiB  {how}  {url}")
            kind = "worker" if "/workers/" in url else {
                "navigation": "html", "link": "css", "script": "js", "other": "autre",
                "xmlhttprequest": "xhr", "fetch": "xhr", "img": "image"}.get(kind, kind)
            by_kind[kind] = by_kind.get(kind, 0) + size
        return counted, by_kind, excluded

    def reset(self) -> None:
        self.headers = {}
        self.page.evaluate("performance.clearResourceTimings()")


def settle(page) -> None:
    """Wait until the page and its search worker have fetched what they need."""
    page.wait_for_load_state("networkidle")


def measure(browser, base: str, path: str, before: str, verbose: bool = False):
    """Return (first visit, next page) for a page, each (bytes, by kind, excluded)."""
    # First visit: a fresh browser opens the page.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    meter = Meter(context, page)
    page.goto(base + path)
    settle(page)
    first = meter.total(verbose)
    context.close()
    # Next page: a fresh browser opens another page of the guide, then this one.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    meter = Meter(context, page)
    page.goto(base + before)
    settle(page)
    meter.reset()
    page.goto(base + path)
    settle(page)
    following = meter.total(verbose)
    context.close()
    return first, following


def kib(n: int) -> str:
    return f"{n / 1024:6.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="servir ce site déjà construit")
    parser.add_argument("--url", help="mesurer un service déjà lancé à cette adresse")
    parser.add_argument("--pages", type=int, help="ne mesurer que les N premières pages")
    parser.add_argument("--only", help="ne mesurer que les pages dont le chemin contient ceci")
    parser.add_argument("--verbose", action="store_true", help="détailler chaque requête")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    service = None if args.url else Service(args.site.resolve() if args.site else None)
    base = (args.url or service.url).rstrip("/")
    try:
        paths = [p for p in sitemap_paths(base) if args.only is None or args.only in p]
        paths = paths[: args.pages]
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--no-first-run"])
            print(f"{'page':<44} {'1re visite':>10} {'page suivante':>14}   "
                  "détail 1re visite (KiB)", flush=True)
            for path in paths:
                before = "/" if path != "/" else "/charte/"
                (first, kinds, excluded), (following, _, _) = measure(browser, base, path, before,
                                                                    args.verbose)
                rows.append((path, first, following))
                detail = ", ".join(f"{k} {v / 1024:.1f}" for k, v in
                                   sorted(kinds.items(), key=lambda kv: -kv[1]))
                print(f"{path:<44} {kib(first):>10} {kib(following):>14}   {detail}"
                      + (f" (index de recherche exclu : {excluded / 1024:.1f})" if excluded else ""))
            browser.close()
    finally:
        if service:
            service.stop()

    print()
    ok = True
    for key, label, column in (("first", "1re visite", 1), ("next", "page suivante", 2)):
        values = [row[column] for row in rows]
        worst = max(rows, key=lambda row: row[column])
        median = statistics.median(values)
        passed = worst[column] / 1024 <= BAR[key]
        ok &= passed
        print(f"{label:<14} pire {kib(worst[column])} KiB ({worst[0]}), médiane {kib(median)} KiB"
              f"  | seuil ≤ {BAR[key]} KiB : {'oui' if passed else 'NON'}"
              f"  | objectif ≤ {GOAL[key]} KiB : "
              f"{'oui' if worst[column] / 1024 <= GOAL[key] else 'non'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
