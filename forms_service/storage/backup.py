"""Back a data directory up into one .tar.gz while writers run, and restore it (service stopped)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tarfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

from . import files
from .errors import CorruptData, StorageError, os_errors
from .layout import (
    BACKUP_MANIFEST,
    FORMAT,
    INTENT_NAME,
    JOURNAL_SUFFIX,
    LOCK_NAME,
    OUTBOX_NAME,
    SECRET_KEY_NAME,
    V1_NAME,
    journal_names,
    journal_path,
    table_name_ok,
)
from .locks import StoreLock, service_lock
from .migration import read_v1
from .state import TableState, replay_strict

__all__ = ["backup", "restore"]


def backup(data_dir: str | Path, dest: str | Path) -> Path:
    """Write one consistent .tar.gz of the data directory to dest (a file or a directory).

    Writers keep running: the journals are opened under the lock and read up
    to the length they had then (they only grow, and compaction replaces them
    by rename, so the open files keep that instant's content).
    """
    directory = Path(data_dir)
    dest = Path(dest)
    if not directory.is_dir():
        raise StorageError(f"Répertoire de données absent : {directory}.")
    if dest.is_dir():
        dest = dest / f"mentorat-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    with os_errors(directory):
        snapshot = _snapshot(directory)
    try:
        with os_errors(dest.parent):
            fd = files.replace_file(dest, _archive_chunks(directory, snapshot))
            os.close(fd)
    finally:
        for _, fd, _ in snapshot:
            os.close(fd)
    return dest


def _snapshot(directory: Path) -> list[tuple[str, int, int]]:
    """Open every data file under the lock; return (archive name, fd, length) triples."""
    names = [f"{name}{JOURNAL_SUFFIX}" for name in journal_names(directory)]
    names += [n for n in (V1_NAME, SECRET_KEY_NAME) if (directory / n).is_file()]
    snapshot = []
    with StoreLock(directory / LOCK_NAME):
        try:
            for name in names:
                fd = os.open(directory / name, os.O_RDONLY | os.O_CLOEXEC)
                snapshot.append((name, fd, os.fstat(fd).st_size))
        except BaseException:
            for _, fd, _ in snapshot:
                os.close(fd)
            raise
    return snapshot


class _ChunkSink(io.RawIOBase):
    """A write-only file whose bytes are collected, so tarfile output can be streamed."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _archive_chunks(directory: Path, snapshot: list[tuple[str, int, int]]) -> Iterator[bytes]:
    sink = _ChunkSink()
    with tarfile.open(fileobj=sink, mode="w:gz", compresslevel=6) as tar:
        manifest = {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "files": [name for name, _, _ in snapshot]}
        _add_bytes(tar, BACKUP_MANIFEST, json.dumps(manifest, indent=1).encode())
        yield sink.take()
        for name, fd, size in snapshot:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = size, 0o600, int(time.time())
            with os.fdopen(os.dup(fd), "rb") as source:
                tar.addfile(info, source)
            yield sink.take()
        for path in _outbox_files(directory):
            with contextlib.suppress(FileNotFoundError):  # sent and moved meanwhile
                data = path.read_bytes()
                _add_bytes(tar, path.relative_to(directory).as_posix(), data)
            yield sink.take()
    yield sink.take()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _outbox_files(directory: Path) -> list[Path]:
    outbox = directory / OUTBOX_NAME
    if not outbox.is_dir():
        return []
    return sorted(p for p in outbox.rglob("*") if p.is_file() and not p.is_symlink())


def restore(src: str | Path, data_dir: str | Path, force: bool = False) -> None:
    """Replace the data directory's content by a backup archive (service stopped).

    Refuses (StorageError) while a Store is open on data_dir, or when data
    exists and force is false. The archive is verified before anything is replaced.
    """
    src, directory = Path(src), Path(data_dir)
    with os_errors(directory):
        directory.mkdir(parents=True, exist_ok=True)
        service_fd = service_lock(directory, exclusive=True)
    if service_fd is None:
        raise StorageError(
            f"Le service utilise {directory} : arrêtez-le avant de restaurer une sauvegarde."
        )
    try:
        with StoreLock(directory / LOCK_NAME):
            if _has_data(directory) and not force:
                raise StorageError(
                    f"{directory} contient déjà des données : relancez avec --force "
                    "pour les remplacer par la sauvegarde."
                )
            staging = directory / files.temp_name("restore")
            try:
                with os_errors(directory):
                    staging.mkdir(mode=0o700)
                    _extract(src, staging)
                _verify_staged(staging)
                with os_errors(directory):
                    _install(staging, directory)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    finally:
        os.close(service_fd)


def _has_data(directory: Path) -> bool:
    return bool(journal_names(directory)) or (directory / V1_NAME).exists()


def _extract(src: Path, staging: Path) -> None:
    """Extract the archive's expected members only, refusing anything else.

    Members are copied one by one (no extractall): nothing outside staging,
    no links or devices, only the names a backup contains.
    """
    if not src.is_file():
        raise StorageError(f"Archive de sauvegarde introuvable : {src}.")
    seen_manifest = False
    try:
        with tarfile.open(src, mode="r:gz") as tar:
            for member in tar:
                target = _member_target(staging, member, src)
                if target is not None:
                    seen_manifest |= member.name == BACKUP_MANIFEST
                    _copy_member(tar, member, target)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise StorageError(f"Archive de sauvegarde illisible : {src} ({exc}).") from exc
    if not seen_manifest:
        raise StorageError(f"{src} n'est pas une sauvegarde du service (manifeste absent).")


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    source = tar.extractfile(member)
    os.close(files.replace_file(target, iter(lambda: source.read(1 << 20), b"")))


def _member_target(staging: Path, member: tarfile.TarInfo, src: Path) -> Path | None:
    """Return where a member goes, None for a directory entry; StorageError if unexpected."""
    parts = Path(member.name).parts
    safe = parts and not Path(member.name).is_absolute() and ".." not in parts
    if safe and member.isdir() and parts[0] == OUTBOX_NAME:
        return None
    top = parts[0] if safe else ""
    expected = (
        member.name in (BACKUP_MANIFEST, SECRET_KEY_NAME, V1_NAME)
        or (len(parts) == 1 and top.endswith(JOURNAL_SUFFIX)
            and table_name_ok(top[: -len(JOURNAL_SUFFIX)]))
        or (top == OUTBOX_NAME and len(parts) > 1)
    )
    if not (safe and expected and member.isfile()):
        raise StorageError(f"Élément inattendu dans la sauvegarde {src} : {member.name!r}.")
    return staging.joinpath(*parts)


def _verify_staged(staging: Path) -> None:
    """Replay every journal of the archive strictly: never install damaged data."""
    for name in journal_names(staging):
        state = TableState(name, journal_path(staging, name))
        data = state.path.read_bytes()
        if not data:
            raise CorruptData(state.path, "fichier vide (en-tête manquant)")
        replay_strict(state, data)
    if (staging / V1_NAME).exists():
        read_v1(staging / V1_NAME)


def _install(staging: Path, directory: Path) -> None:
    """Move the staged files into place, removing data the archive does not have."""
    staged = {p.name for p in staging.iterdir()} - {BACKUP_MANIFEST}
    for name in journal_names(directory):
        if f"{name}{JOURNAL_SUFFIX}" not in staged:
            journal_path(directory, name).unlink()
    for name in (V1_NAME, SECRET_KEY_NAME, INTENT_NAME):
        if name not in staged and (directory / name).exists():
            (directory / name).unlink()
    old_outbox = directory / OUTBOX_NAME
    if old_outbox.exists():
        parked = directory / files.temp_name(OUTBOX_NAME)  # removed below, or on next open
        old_outbox.rename(parked)
        shutil.rmtree(parked)
    for name in sorted(staged):
        os.replace(staging / name, directory / name)
    files.fsync_dir(directory)
