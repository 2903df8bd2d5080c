"""The store lock (threads and processes) and the service lock that keeps restore out."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

from .errors import StorageUnavailable, unavailable
from .layout import SERVICE_LOCK_NAME

__all__ = ["LOCK_POLL_SECONDS", "LOCK_TIMEOUT", "StoreLock", "service_lock"]

LOCK_POLL_SECONDS = 0.0001
LOCK_TIMEOUT = 30.0  # a stuck holder gives 503s, not hung workers


class StoreLock:
    """A reentrant lock held across threads (RLock) and processes (flock on store.lock).

    Each outermost acquisition opens store.lock and flocks it; the release
    closes it. A fresh open file description per acquisition means a forked
    child never shares its parent's lock, and nothing stays open between
    writes. (filelock did the same in 200 µs per acquisition, a fifth of an
    enrollment; this takes about 10 µs.)
    """

    def __init__(self, path: Path):
        self.path = path
        self._thread_lock = threading.RLock()
        self._fd: int | None = None
        self._depth = 0
        self._owner: int | None = None
        # Called as the outermost hold ends, still under the lock; what it returns
        # runs once the lock is free, in the same thread, before __exit__ returns.
        self.on_release: Callable[[], Callable[[], None] | None] | None = None
        # Counts outermost acquisitions: within one hold, nobody else writes.
        self.hold = 0

    def held(self) -> bool:
        return self._depth > 0 and self._owner == threading.get_ident()

    def __enter__(self) -> Self:
        self._thread_lock.acquire()
        if self._depth == 0:
            try:
                self._fd = self._lock_file()
            except BaseException:
                self._thread_lock.release()
                raise
            self._owner = threading.get_ident()
            self.hold += 1
        self._depth += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        after = None
        self._depth -= 1
        try:
            if self._depth == 0:
                try:
                    after = self.on_release() if self.on_release else None
                finally:
                    self._owner = None
                    fd, self._fd = self._fd, None
                    os.close(fd)  # closing the only descriptor releases the flock
        finally:
            self._thread_lock.release()
        if after is not None:
            after()

    def _lock_file(self) -> int:
        """Open store.lock and flock it; StorageUnavailable after LOCK_TIMEOUT."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise unavailable(exc, self.path.parent) from exc
        try:
            self._wait_for(fd)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _wait_for(self, fd: int) -> None:
        # Non-blocking polls, so a stuck holder gives a 503, not a hung worker;
        # short naps first: a write holds the lock for well under a millisecond.
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                waited = time.monotonic() - started
            except OSError as exc:  # e.g. ENOLCK on a network file system
                raise unavailable(exc, self.path.parent) from exc
            if waited >= LOCK_TIMEOUT:
                raise StorageUnavailable(
                    f"Le verrou {self.path} est tenu depuis plus de {LOCK_TIMEOUT:.0f} s.")
            time.sleep(LOCK_POLL_SECONDS if waited < 0.05 else 0.005)

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
