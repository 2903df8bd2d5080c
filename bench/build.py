"""Print how long the guide takes to build, in all and per page.

    .venv/bin/python bench/build.py [--runs 3] [--copies 0,1,3]

Each run is `mkdocs build` (what `mentorat build` runs, without --strict,
which the copies would trip, and without the compression step, timed apart) into a temporary directory, with no hook
added: the cost of one page is read from the growth of the build time when
the guide is built again with every page of docs/ copied N more times (in
a temporary copy of the project), so the fixed part (start-up, theme,
search index, sitemap) and the part per page come apart:

    time(pages) ≈ fixed + per_page × pages   (least squares over the runs)

The guide itself is first built in place, as `mentorat build` does (strict,
dates of last change read from git, which copies outside the repository
cannot do). Medians of --runs runs. The compression step
(`whitenoise.compress`) is timed once on that site.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Scripts in bench/ (e.g. bench/http.py) must not shadow the standard library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ["mkdocs.yml", "programme.yml", "overrides", "docs"]


def project_copy(where: Path, copies: int) -> tuple[Path, int]:
    """Copy the project's build inputs; add `copies` copies of every page."""
    where.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, where / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, where / name)
    docs = where / "docs"
    pages = sorted(docs.rglob("*.md"))
    for n in range(1, copies + 1):
        for page in pages:
            copy = docs / f"copie-{n}" / page.relative_to(docs)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    return where, len(pages) * (copies + 1)


def timed_build(project: Path, site: Path, *, strict: bool = False) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT),
           "MENTORAT_PROGRAMME": str(project / "programme.yml")}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet",
                             *(["--strict"] if strict else []),
                             "-f", str(project / "mkdocs.yml"), "-d", str(site)],
                            env=env, cwd=project, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise SystemExit(result.stderr)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", default="0,1,3",
                        help="nombres de copies de chaque page ajoutées (0 : le guide seul)")
    args = parser.parse_args()
    copies = [int(c) for c in args.copies.split(",")]

    points = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        tmp = Path(tmp)
        # The guide as `mentorat build` builds it: in the repository, strict,
        # dates of last change read from git.
        real_pages = len(list((ROOT / "docs").rglob("*.md")))
        real = [timed_build(ROOT, tmp / f"site-reel-{run}", strict=True)
                for run in range(args.runs)]
        real_median = statistics.median(real)
        print(f"guide du dépôt : {real_pages} pages, {real_median:.2f} s (médiane de {args.runs} ; "
              f"{', '.join(f'{t:.2f}' for t in real)}), soit "
              f"{real_median / real_pages * 1000:.0f} ms/page", flush=True)
        site = tmp / "site-reel-0"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "whitenoise.compress", "--quiet", str(site)],
                       check=True)
        compress = time.perf_counter() - started
        print(f"compression (whitenoise.compress, brotli et gzip) : {compress:.2f} s\n"
              "copies du guide hors dépôt git (dates : celle de la construction) :", flush=True)
        for n in copies:
            project, pages = project_copy(tmp / f"projet-{n}", n)
            times = [timed_build(project, tmp / f"site-{n}-{run}") for run in range(args.runs)]
            median = statistics.median(times)
            points.append((pages, median))
            print(f"{pages:4d} pages : {median:6.2f} s  (médiane de {args.runs} ; "
                  f"{', '.join(f'{t:.2f}' for t in times)})  soit {median / pages * 1000:5.0f} ms/page",
                  flush=True)

    if len(points) >= 2:
        xs, ys = zip(*points)
        mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / \
            sum((x - mean_x) ** 2 for x in xs)
        fixed = mean_y - slope * mean_x
        print(f"\npart fixe ≈ {fixed:.2f} s, par page ≈ {slope * 1000:.0f} ms "
              f"(moindres carrés sur {len(points)} tailles)")
    print(f"`mentorat build` du guide ≈ {real_median + compress:.1f} s "
          f"({(real_median + compress) / real_pages * 1000:.0f} ms/page, compression comprise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
