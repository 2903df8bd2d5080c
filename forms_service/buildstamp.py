"""Tell whether the built site is up to date with what it is built from.

``make site`` (and so ``make run``) asks ``mentorat build --if-changed``,
which skips the ten-second build when the digest of the inputs equals the
one written by the last build: the pages (``docs/``), the theme
(``overrides/``), ``mkdocs.yml``, ``programme.yml``, the package whose forms,
templates and catalogue are rendered into pages (``forms_service/``), the
settings the build reads, and the installed packages' versions. The stamp is
kept beside the site directory, not in it, so it is never served.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path

from .config import ROOT

__all__ = ["inputs_digest", "read_stamp", "write_stamp", "stamp_path"]

INPUT_DIRS = ("docs", "overrides", "forms_service")
INPUT_FILES = ("mkdocs.yml",)
# Settings the build reads (the programme's path, the language, the preview's address).
BUILD_SETTINGS = ("MENTORAT_PROGRAMME", "MENTORAT_LANGUAGE", "MENTORAT_FORMS_URL")
SKIPPED_PARTS = {"__pycache__", ".pytest_cache"}


def _files(root: Path) -> list[Path]:
    found = []
    for directory in INPUT_DIRS:
        for path in (root / directory).rglob("*"):
            if path.is_file() and not SKIPPED_PARTS & set(path.parts) and path.suffix != ".pyc":
                found.append(path)
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
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()


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
