"""The W&B integration: what the trainer sends to `wandb` (a recording stand-in), and the run without it."""
import json
import os
import subprocess
import sys

from conftest import PROCESS_EXIT_S, TRAINER_DIR, make_spec, of, read_events

FAKES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fakes")


def run_subprocess(spec, tmp_path, extra_path):
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*extra_path, TRAINER_DIR]), FAKE_WANDB_LOG=str(tmp_path / "wandb.jsonl"))
    env.pop("WANDB_MODE", None)
    proc = subprocess.Popen([sys.executable, "-m", "selftune_trainer", "train", "--spec", str(spec_path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    events = list(read_events(proc))
    proc.wait(timeout=PROCESS_EXIT_S)
    return events


def test_a_run_is_logged_offline_step_by_step(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, wandb={"project": "proj", "name": "my run", "tags": ["a"]})
    events = run_subprocess(spec, tmp_path, [FAKES])
    assert of(events, "completed")
    calls = [json.loads(line) for line in (tmp_path / "wandb.jsonl").read_text().splitlines()]
    init = calls[0]
    assert init["call"] == "init" and init["project"] == "proj" and init["name"] == "my run" and init["id"] == "run"
    assert init["tags"] == ["a"] and init["config"]["seed"] == 7
    logs = [c for c in calls if c["call"] == "log"]
    steps = of(events, "step")
    assert [c["step"] for c in logs] == [s["step"] for s in steps]
    assert logs[0]["data"]["train_loss"] == steps[0]["train_loss"]
    assert calls[-1]["call"] == "finish"
    integration = of(events, "integration")[0]
    assert integration["mode"] == "offline" and integration["url"].startswith("file://")  # no web page until synced


def test_without_the_package_the_job_still_trains_and_says_why(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, wandb={"project": "proj"})
    events = run_subprocess(spec, tmp_path, [])
    assert of(events, "completed")
    assert not of(events, "integration")
    assert any("wandb package is not installed" in e["message"] for e in of(events, "log"))
