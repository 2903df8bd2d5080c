"""Tell whether the built site is up to date with what it is built from.

``make site`` (and so ``make run``) runs this file as a script first: it
exits 0, saying so, when the digest of the inputs equals the one written by
the last ``mentorat build``, and 1 otherwise (then ``mentorat build`` runs;
alone, that command always builds). The inputs are: the pages (``docs/``), the theme
(``overrides/``), ``mkdocs.yml``, ``programme.yml``, the package whose forms,
templates and catalogue are rendered into pages (``forms_service/``), the
settings the build reads, and the installed packages' versions. The stamp is
kept beside the site directory, not in it, so it is never served.
"""

from __future__ import annotations

import gettext
import hashlib
import os
import sys
import sysconfig
from pathlib import Path

# Standalone on purpose (no import of the package, whose __init__ loads Flask): the
# check of an unchanged site must take a fraction of a second.
ROOT = Path(__file__).resolve().parent.parent

__all__ = ["inputs_digest", "read_stamp", "write_stamp", "stamp_path", "site_dir"]

INPUT_DIRS = ("docs", "overrides", "forms_service")
INPUT_FILES = ("mkdocs.yml",)
# Settings the build reads (the programme's path, the language, the preview's address).
BUILD_SETTINGS = ("MENTORAT_PROGRAMME", "MENTORAT_LANGUAGE", "MENTORAT_FORMS_URL")
SKIPPED_PARTS = {"__pycache__", ".pytest_cache"}


def _files(root: Path) -> list[Path]:
    found = []
    for directory in INPUT_DIRS:
        for folder, subfolders, names in os.walk(root / directory):
            subfolders[:] = [d for d in subfolders if d not in SKIPPED_PARTS]
            found.extend(Path(folder, name) for name in names if not name.endswith(".pyc"))
    found.extend(root / name for name in INPUT_FILES)
    programme = os.environ.get("MENTORAT_PROGRAMME") or root / "programme.yml"
    found.append(Path(programme))
    return sorted(found)


def inputs_digest(root: Path = ROOT) -> str:
    """Return a digest of everything the site is built from."""
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        digest.update(b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"absent")
    for name in BUILD_SETTINGS:
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    # Installed packages: their metadata folders are named after name and version.
    for key in ("purelib", "platlib"):
        packages = Path(sysconfig.get_paths()[key])
        if packages.is_dir():
            digest.update("\n".join(sorted(p.name for p in packages.iterdir()
                                           if p.suffix == ".dist-info")).encode())
    return digest.hexdigest()


def site_dir() -> Path:
    """The site directory, as ``Settings`` reads it (``MENTORAT_SITE_DIR``, else ./site)."""
    return Path(os.environ.get("MENTORAT_SITE_DIR") or ROOT / "site")


def stamp_path(site_dir: Path) -> Path:
    site_dir = Path(site_dir).resolve()
    return site_dir.parent / f".{site_dir.name}.construction"


def read_stamp(site_dir: Path) -> str | None:
    try:
        return stamp_path(site_dir).read_text(encoding="ascii").strip()
    except OSError:
        return None


def write_stamp(site_dir: Path, digest: str) -> None:
    stamp_path(site_dir).write_text(digest + "\n", encoding="ascii")


def main() -> int:
    """Exit 0 when the built site is up to date (and say so), 1 when it must be built."""
    site = site_dir()
    if not (site / "index.html").exists() or read_stamp(site) != inputs_digest():
        return 1
    # The service's catalogue, read directly (importing the package would load Flask).
    _ = gettext.translation("messages", localedir=ROOT / "forms_service" / "translations",
                            languages=[os.environ.get("MENTORAT_LANGUAGE", "fr")],
                            fallback=True).gettext
    print(_("Site à jour dans %(dir)s (aucune source modifiée).") % {"dir": site},
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
