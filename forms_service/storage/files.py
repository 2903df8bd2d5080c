"""Write, fsync and replace files so that a crash never leaves half of one.

Every write, fsync and temp-file creation of the package goes through
``write_all``, ``fsync`` and ``open_temp`` here, looked up on this module at
call time, so that tests can inject ENOSPC / EROFS / EIO exactly where the
disk would fail (``monkeypatch.setattr(files, "fsync", …)``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from .layout import TEMP_INFIX

__all__ = [
    "ANONYMOUS_TEMP",
    "fsync",
    "fsync_dir",
    "private_directory",
    "is_temp_name",
    "open_temp",
    "read_fd",
    "remove_temp_files",
    "replace_file",
    "temp_name",
    "write_all",
]

ANONYMOUS_TEMP = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")


def private_directory(path: Path) -> None:
    """Create path (and its parents) for its owner only; tighten it if it exists already.

    The data directory holds personal data: 0700, whatever the umask, and an
    older one made 0755 is closed on first use.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):  # not ours to change: leave it
        os.chmod(path, 0o700)


def write_all(fd: int, data: bytes) -> None:
    """Write all of data; os.write may write less on a nearly full disk."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def fsync(fd: int) -> None:
    os.fsync(fd)


def open_temp(directory: Path, final_name: str) -> tuple[int, Path | None]:
    """Open a new private file in directory; return (fd, its name or None if anonymous).

    An anonymous O_TMPFILE vanishes by itself if the process dies before it is
    complete, so no half-written copy of personal data is left behind.
    """
    flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
    if ANONYMOUS_TEMP:
        try:
            return os.open(directory, flags | os.O_TMPFILE, 0o600), None
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    name = directory / temp_name(final_name)
    return os.open(name, flags | os.O_CREAT | os.O_EXCL, 0o600), name


def temp_name(final_name: str) -> str:
    return f".{final_name}{TEMP_INFIX}{secrets.token_hex(6)}"


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and TEMP_INFIX in name


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in directory survive a power cut."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fsync(fd)
    finally:
        os.close(fd)


def replace_file(path: Path, chunks: Iterable[bytes]) -> int:
    """Durably replace path by a new file made of chunks; return its fd (O_APPEND, open).

    The old file is never modified: readers see either all of it or all of the
    new one. On failure the old file is untouched and the temp file is gone.
    """
    directory = path.parent
    fd, temp = open_temp(directory, path.name)
    try:
        for chunk in chunks:
            write_all(fd, chunk)
        fsync(fd)
        if temp is None:  # name the anonymous file only now that it is complete
            temp = directory / temp_name(path.name)
            _link_anonymous(fd, temp)
        os.replace(temp, path)
        temp = None
        fsync_dir(directory)
    except BaseException:
        os.close(fd)
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise
    return fd


def _link_anonymous(fd: int, name: Path) -> None:
    dir_fd = os.open(name.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        # dst_dir_fd forces linkat(AT_SYMLINK_FOLLOW), which can name an O_TMPFILE
        os.link(f"/proc/self/fd/{fd}", name.name, dst_dir_fd=dir_fd, follow_symlinks=True)
    finally:
        os.close(dir_fd)


def read_fd(fd: int, size: int, offset: int = 0) -> bytes:
    """Read exactly size bytes at offset (pread may return less on big reads)."""
    parts = []
    while size > 0:
        chunk = os.pread(fd, min(size, 1 << 24), offset)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(parts)


def remove_temp_files(directory: Path) -> list[str]:
    """Delete temp files and dirs left by a crash; call only under the store lock."""
    removed = []
    for entry in os.scandir(directory):
        if not is_temp_name(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
        removed.append(entry.name)
    if removed:
        fsync_dir(directory)
    return removed
