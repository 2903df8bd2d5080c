"""What a fresh interpreter pays to import each part of the package, and ``mentorat --help``.

Every command, test subprocess and gunicorn worker starts by importing the
package: this prints the median wall time of N fresh interpreters per import
(``python -c 'import …'``), next to ``python -c pass``, and which heavy
libraries each import drags in. ``--against DIR`` times the same imports in
another checkout (its own ``.venv``), side by side in the same run, and prints
the ratio::

    .venv/bin/python bench/imports.py --runs 15 --against ../main
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = [
    "forms_service", "forms_service.vocabulary", "forms_service.storage",
    "forms_service.programme", "forms_service.records.repository", "forms_service.mail.sender",
    "forms_service.forms.render", "forms_service.matching.suggest", "forms_service.app",
    "forms_service.cli",
]
# Where each moved in the structure change, to time an older checkout.
OLD_NAMES = {"forms_service.records.repository": "forms_service.repository",
             "forms_service.mail.sender": "forms_service.sender",
             "forms_service.forms.render": "forms_service.render",
             "forms_service.matching.suggest": "forms_service.matching",
             "forms_service.app": "forms_service"}
HEAVY = ("scipy", "numpy", "wtforms", "flask", "jinja2", "tinydb")


def _python(root: Path) -> str:
    venv = root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _time(command: list[str], root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=root, check=True, capture_output=True)
    return time.perf_counter() - start


def _heavy(python: str, module: str, root: Path) -> list[str]:
    probe = (f"import sys, {module}; import json; print(json.dumps(sorted({{m.split('.')[0] "
             f"for m in sys.modules}} & set({list(HEAVY)!r}))))")
    out = subprocess.run([python, "-c", probe], cwd=root, capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else ["(absent)"]


def _cases(root: Path, old: bool) -> list[tuple[str, list[str]]]:
    python = _python(root)
    cases = [("python -c pass", [python, "-c", "pass"])]
    for module in IMPORTS:
        name = OLD_NAMES.get(module, module) if old else module
        cases.append((f"import {module}", [python, "-c", f"import {name}"]))
    cases.append(("mentorat --help", [str(root / ".venv" / "bin" / "mentorat"), "--help"]))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--against", type=Path, help="another checkout, timed side by side")
    args = parser.parse_args()
    here = _cases(ROOT, old=False)
    there = _cases(args.against.resolve(), old=True) if args.against else None
    times: dict[tuple[int, str], list[float]] = {}
    for _run in range(args.runs):
        # Interleaved, so a noisy moment hits both checkouts alike.
        for index, (label, command) in enumerate(here):
            times.setdefault((0, label), []).append(_time(command, ROOT))
            if there:
                times.setdefault((1, label), []).append(_time(there[index][1], args.against))
    header = f"{'':40} {'ms (median)':>12}"
    if there:
        header += f" {'other ms':>10} {'ratio':>7}"
    print(header + "  loads")
    for label, command in here:
        mine = statistics.median(times[(0, label)]) * 1000
        line = f"{label:40} {mine:12.0f}"
        if there:
            other = statistics.median(times[(1, label)]) * 1000
            line += f" {other:10.0f} {mine / other:7.2f}"
        loads = _heavy(command[0], command[-1].removeprefix("import "), ROOT) \
            if label.startswith("import") else ""
        print(f"{line}  {', '.join(loads) if loads else ''}")


if __name__ == "__main__":
    main()
