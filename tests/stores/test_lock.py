"""The STATE_DIR lock (pipelines/stores/lock.py): held by a real process, freed by a real kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from pipelines.stores.lock import StateLock, StateLocked
from tests.conftest import ROOT

HOLD = "import sys, time; from pipelines.stores.lock import StateLock; StateLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(600)"


def holder(state_dir):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(state_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_held_lock_names_its_holder_and_a_kill_9_frees_it(tmp_path):
    proc = holder(tmp_path)
    try:
        with pytest.raises(StateLocked) as exc:
            StateLock(tmp_path).acquire()
        assert exc.value.holder["pid"] == proc.pid
        assert f"pid {proc.pid} on " in str(exc.value)
        started = time.monotonic()
        with pytest.raises(StateLocked):
            StateLock(tmp_path).acquire(wait=0.6)
        assert time.monotonic() - started >= 0.6  # it waited before giving up
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    lock = StateLock(tmp_path).acquire()  # no stale lock after a kill -9
    assert json.loads((tmp_path / "run.lock").read_text())["pid"] == os.getpid()
    lock.release()
    assert (tmp_path / "run.lock").read_text() == "", "a released lock names nobody"


def test_a_waiting_run_gets_the_lock_when_the_holder_ends(tmp_path):
    proc = holder(tmp_path)
    subprocess.Popen(["sh", "-c", f"sleep 0.5; kill {proc.pid}"])
    try:
        lock = StateLock(tmp_path).acquire(wait=30)
    finally:
        proc.wait()
    assert lock.held
    lock.release()


def test_one_process_cannot_take_it_twice(tmp_path):
    first = StateLock(tmp_path).acquire()
    with pytest.raises(StateLocked):
        StateLock(tmp_path).acquire()  # flock locks are per open file: a second crawl in one process is refused too
    first.release()
    StateLock(tmp_path).acquire().release()
