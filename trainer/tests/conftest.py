"""Shared fixtures: one selftune-tiny model per session, tiny synthetic datasets, run helpers."""
import json
import os
import random
import subprocess
import sys

import pytest

TRAINER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# How long a test waits for a trainer process to exit: only a hang takes this long, as the suite
# must hold on a machine whose cores are busy with other work (tests count steps, never seconds).
PROCESS_EXIT_S = 900
sys.path.insert(0, TRAINER_DIR)

from selftune_trainer import protocol  # noqa: E402
from selftune_trainer.loop import run_training  # noqa: E402
from selftune_trainer.spec import TrainSpec  # noqa: E402
from selftune_trainer.tiny_model import make_tiny_model  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    events = []
    protocol.set_sink(events.append)
    try:
        path = make_tiny_model(str(tmp_path_factory.mktemp("models") / "selftune-tiny"))
    finally:
        protocol.set_sink(None)
    assert events[0]["event"] == "model_created"
    return path


def addition_chats(n, seed=0):
    """A small learnable task: single-digit addition."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b = rng.randint(0, 9), rng.randint(0, 9)
        rows.append({"messages": [{"role": "user", "content": f"{a}+{b}="}, {"role": "assistant", "content": str(a + b)}]})
    return rows


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return str(path)


def make_spec(tiny_model, tmp_path, name="run", n_train=12, n_valid=4, **overrides):
    out = tmp_path / name
    out.mkdir(exist_ok=True)
    spec = {
        "job_id": name,
        "base_model_path": tiny_model,
        "output_dir": str(out),
        "training_files": [{"path": write_jsonl(tmp_path / f"{name}-train.jsonl", addition_chats(n_train)), "weight": 1.0}],
        "validation_files": [{"path": write_jsonl(tmp_path / f"{name}-valid.jsonl", addition_chats(n_valid, seed=1))}]
        if n_valid else [],
        "n_epochs": 2,
        "batch_size": 2,
        "learning_rate_multiplier": 1.0,
        "seed": 7,
    }
    spec.update(overrides)
    return spec


def run_inprocess(spec, commands=None):
    """Run training in this process; returns (exit code, events)."""
    events = []
    protocol.set_sink(events.append)
    try:
        code = run_training(TrainSpec(**spec), commands or protocol.Commands())
    finally:
        protocol.set_sink(None)
    return code, events


def spawn(spec, tmp_path, name="spec.json"):
    """Start `python -m selftune_trainer train` with stdin/stdout pipes, as the server does."""
    spec_path = tmp_path / name
    spec_path.write_text(json.dumps(spec))
    env = dict(os.environ, PYTHONPATH=TRAINER_DIR)
    return subprocess.Popen(
        [sys.executable, "-m", "selftune_trainer", "train", "--spec", str(spec_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )


def read_events(proc):
    for line in proc.stdout:
        yield json.loads(line)


def of(events, kind):
    return [e for e in events if e["event"] == kind]
