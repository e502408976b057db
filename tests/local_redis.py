"""A throwaway redis-server on a free 127.0.0.1 port: for the tests' ``redis_server`` fixture
and ``bench/redis_state.py``, which measure against a real server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def start_local_redis(directory: str | Path) -> tuple[subprocess.Popen, int]:
    """(process, port) of a new redis-server that answers PING, with no persistence.
    FileNotFoundError without the binary; RuntimeError when it does not come up."""
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return proc, port
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")
