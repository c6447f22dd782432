"""Pause/resume, cancel, SIGTERM and server death, driven like the server drives the worker."""
import json
import os
import signal

from conftest import PROCESS_EXIT_S, make_spec, of, read_events, run_inprocess, spawn
from selftune_trainer.protocol import Commands


def send(proc, command):
    proc.stdin.write(json.dumps({"command": command}) + "\n")
    proc.stdin.flush()


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def test_pause_then_resume_matches_uninterrupted_run(tiny_model, tmp_path):
    base = make_spec(tiny_model, tmp_path, "straight", n_epochs=3, batch_size=1)  # 36 steps
    _, straight = run_inprocess(base)
    spec = dict(base, job_id="paused", output_dir=str(tmp_path / "paused"))
    os.makedirs(spec["output_dir"])

    proc = spawn(spec, tmp_path)
    first = []
    for event in read_events(proc):
        first.append(event)
        if event["event"] == "step" and event["step"] == 5:
            send(proc, "pause")
    assert proc.wait(timeout=PROCESS_EXIT_S) == 0
    paused = first[-1]
    assert paused["event"] == "paused" and 5 <= paused["step"] < 36
    assert paused["path"] == os.path.join(spec["output_dir"], "resume")

    proc = spawn(spec, tmp_path)
    second = list(read_events(proc))
    assert proc.wait(timeout=PROCESS_EXIT_S) == 0
    assert of(second, "started")[0]["resumed_from_step"] == paused["step"]
    steps = of(first, "step") + of(second, "step")
    assert [s["step"] for s in steps] == list(range(1, 37))
    assert [s["train_loss"] for s in steps] == [s["train_loss"] for s in of(straight, "step")]
    assert of(second, "completed")[0]["trained_tokens"] == of(straight, "completed")[0]["trained_tokens"]
    assert file_bytes(os.path.join(spec["output_dir"], "final", "model.safetensors")) == \
        file_bytes(os.path.join(base["output_dir"], "final", "model.safetensors"))
    assert not os.path.exists(paused["path"])  # used up once training completed


def test_lora_with_dropout_resumes_exactly(tiny_model, tmp_path):
    # Dropout consumes the torch RNG, so this also checks RNG state is restored.
    lora = {"r": 4, "alpha": 8, "dropout": 0.1, "target_modules": "all-linear"}
    base = make_spec(tiny_model, tmp_path, "lora-straight", training_mode="lora", lora=lora, learning_rate=1e-2)
    _, straight = run_inprocess(base)
    spec = dict(base, output_dir=str(tmp_path / "lora-paused"))
    os.makedirs(spec["output_dir"])
    commands = Commands()

    def pause_at_step_4(event):
        if event["event"] == "step" and event["step"] == 4:
            commands.pause.set()

    from selftune_trainer import protocol
    events = []
    protocol.set_sink(lambda e: (events.append(e), pause_at_step_4(e)))
    try:
        from selftune_trainer.loop import run_training
        from selftune_trainer.spec import TrainSpec
        run_training(TrainSpec(**spec), commands)
    finally:
        protocol.set_sink(None)
    assert events[-1] == {"event": "paused", "step": 4, "path": os.path.join(spec["output_dir"], "resume")}
    _, rest = run_inprocess(spec)
    losses = [s["train_loss"] for s in of(events, "step") + of(rest, "step")]
    assert losses == [s["train_loss"] for s in of(straight, "step")]


def test_cancel_stops_within_steps(tiny_model, tmp_path):
    # Counted in steps, not seconds: on a busy machine a step can take many times its idle duration.
    spec = make_spec(tiny_model, tmp_path, n_epochs=None, training_steps=100000)
    proc = spawn(spec, tmp_path)
    events, sent_at_step = [], None
    for event in read_events(proc):
        events.append(event)
        if event["event"] == "step" and sent_at_step is None:
            send(proc, "cancel")
            sent_at_step = event["step"]
    assert proc.wait(timeout=PROCESS_EXIT_S) == 0
    assert events[-1]["event"] == "cancelled" and sent_at_step <= events[-1]["step"] < sent_at_step + 1000
    assert not os.path.exists(os.path.join(spec["output_dir"], "final"))


def test_sigterm_acts_like_cancel(tiny_model, tmp_path):
    proc = spawn(make_spec(tiny_model, tmp_path, n_epochs=None, training_steps=100000), tmp_path)
    events = []
    for event in read_events(proc):
        events.append(event)
        if event["event"] == "step" and event["step"] == 2:
            proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=PROCESS_EXIT_S) == 0 and events[-1]["event"] == "cancelled"


def test_stdin_eof_exits_3_silently(tiny_model, tmp_path):
    proc = spawn(make_spec(tiny_model, tmp_path, n_epochs=None, training_steps=100000), tmp_path)
    for event in read_events(proc):
        if event["event"] == "step":
            proc.stdin.close()
            break
    rest = [json.loads(line) for line in proc.stdout]
    assert proc.wait(timeout=PROCESS_EXIT_S) == 3
    assert len(rest) <= 2 and all(e["event"] == "step" for e in rest)  # only steps already in the pipe


def test_resume_never_passes_the_last_step_the_server_recorded(tiny_model, tmp_path):
    # A trainer can run ahead of its server: checkpoints exist for steps the server
    # never recorded (it was killed). Resuming is capped at what it recorded.
    base = make_spec(tiny_model, tmp_path, "ahead", n_epochs=3, batch_size=1)  # 36 steps, a checkpoint per 12
    _, first = run_inprocess(dict(base, n_epochs=3))
    saved = [e["step"] for e in of(first, "checkpoint")]
    assert 24 in saved
    _, again = run_inprocess(dict(base, resume_max_step=20))
    started = of(again, "started")[0]
    assert started["resumed_from_step"] == 12, started
    steps = [e["step"] for e in of(again, "step")]
    assert steps[0] == 13 and steps[-1] == 36
