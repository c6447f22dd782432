"""A worker exits by itself when the server that started it dies (parent_watch)."""
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import PROCESS_EXIT_S

TRAINER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The worker: arms the watch, reports its pid, then would sleep for an hour, far past any wait
# here, so only the watch can end it in time (no limit here is a wall-clock claim: a busy machine).
WORKER = (
    "import sys, time\n"
    "from selftune_trainer.parent_watch import watch_parent\n"
    "watch_parent()\n"
    "print('ready', flush=True)\n"
    "time.sleep(3600)\n"
)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def _wait_gone(pid, limit=PROCESS_EXIT_S):
    deadline = time.monotonic() + limit
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"worker {pid} outlived its server by {limit} s")
        time.sleep(0.02)
    return limit - (deadline - time.monotonic())


def _env(**extra):
    return {**os.environ, "PYTHONPATH": TRAINER_DIR, **extra}


def test_a_worker_exits_when_its_parent_is_killed():
    # The "server" starts the worker and prints its pid, then waits to be killed.
    server = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         f"w = subprocess.Popen([sys.executable, '-c', {WORKER!r}], stdout=subprocess.PIPE, text=True)\n"
         "w.stdout.readline()\n"
         "print(w.pid, flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True, env=_env())
    worker = int(server.stdout.readline())
    assert _alive(worker)
    server.kill()
    server.wait()
    print(f"worker gone {_wait_gone(worker):.2f} s after its parent")


def test_a_torchrun_rank_exits_when_the_server_it_names_dies():
    # A rank's parent is torchrun, which lives on: the watch follows SELFTUNE_SERVER_PID.
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    rank = subprocess.Popen([sys.executable, "-c", WORKER], stdout=subprocess.PIPE, text=True,
                            env=_env(SELFTUNE_SERVER_PID=str(server.pid)))
    assert rank.stdout.readline().strip() == "ready"
    server.kill()
    server.wait()
    _wait_gone(rank.pid)
    assert rank.wait() == 3  # EXIT_PARENT_GONE
