"""One run per state directory: an exclusive OS file lock on ``STATE_DIR/run.lock``.

Scrapy-free. ``fcntl.flock`` on an open file: the kernel releases it when the
holder's process ends, however it ends (``kill -9`` included), so a crashed run
never leaves a stale lock behind. The file itself stays; while the lock is held
it names the holder (pid, host, start time) for the run that finds it taken.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

LOCK_FILE = "run.lock"


class StateLocked(RuntimeError):
    """Another run holds the state directory."""

    def __init__(self, path: Path, holder: dict) -> None:
        self.path = path
        self.holder = holder
        super().__init__(f"{path} is held by {describe_holder(holder)}")


def describe_holder(holder: dict) -> str:
    if not holder:
        return "another run (it has not written its name yet)"
    return f"pid {holder.get('pid')} on {holder.get('host')}, started {holder.get('started')}"


class StateLock:
    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def holder(self) -> dict:
        """Who holds the lock, as they wrote it ({} when unknown)."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def acquire(self, wait: float = 0.0, poll: float = 0.2) -> "StateLock":
        """Take the lock, waiting up to ``wait`` seconds; ``StateLocked`` when it stays taken."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StateLocked(self.path, self.holder()) from None
                time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode("utf-8"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)  # the name goes first: nobody is named while nobody holds it
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "StateLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
