"""The store lock (threads and processes) and the service lock that keeps restore out."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import Self

import filelock

from .errors import StorageUnavailable, unavailable
from .layout import SERVICE_LOCK_NAME

__all__ = ["LOCK_POLL_SECONDS", "LOCK_TIMEOUT", "StoreLock", "service_lock"]

LOCK_POLL_SECONDS = 0.0005
LOCK_TIMEOUT = 30.0  # a stuck holder gives 503s, not hung workers


class StoreLock:
    """A reentrant lock held across threads (RLock) and processes (FileLock on store.lock)."""

    def __init__(self, path: Path):
        self.path = path
        self._thread_lock = threading.RLock()
        # thread_local=False: the RLock already serialises threads; one flock per process
        self._file_lock = filelock.FileLock(str(path), timeout=LOCK_TIMEOUT, thread_local=False)
        self._depth = 0
        self._owner: int | None = None

    def held(self) -> bool:
        return self._depth > 0 and self._owner == threading.get_ident()

    def __enter__(self) -> Self:
        self._thread_lock.acquire()
        if self._depth == 0:
            try:
                # filelock polls a non-blocking flock; its default 50 ms nap made
                # every contended write between gunicorn workers wait 50 ms.
                self._file_lock.acquire(poll_interval=LOCK_POLL_SECONDS)
            except filelock.Timeout:
                self._thread_lock.release()
                raise StorageUnavailable(
                    f"Le verrou {self.path} est tenu depuis plus de {LOCK_TIMEOUT:.0f} s."
                ) from None
            except OSError as exc:
                self._thread_lock.release()
                raise unavailable(exc, self.path.parent) from exc
            except BaseException:
                self._thread_lock.release()
                raise
            self._owner = threading.get_ident()
        self._depth += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                self._owner = None
                self._file_lock.release()
        finally:
            self._thread_lock.release()

    @property
    def thread_lock(self) -> threading.RLock:
        """The in-process half alone: enough to read memory other threads may be changing."""
        return self._thread_lock


def service_lock(directory: Path, exclusive: bool) -> int | None:
    """Take service.lock shared (an open Store) or exclusive (restore); None if busy."""
    fd = os.open(directory / SERVICE_LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd
