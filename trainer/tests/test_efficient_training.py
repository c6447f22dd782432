"""Whole runs with packing, token budgets, gradient accumulation and gradient checkpointing."""
import os

import pytest

from conftest import make_spec, of, run_inprocess
from selftune_trainer import protocol
from selftune_trainer.loop import run_training
from selftune_trainer.protocol import Commands
from selftune_trainer.spec import TrainSpec


def losses(events):
    return [s["train_loss"] for s in of(events, "step")]


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def run_pausing_at(spec, pause_step):
    commands, events = Commands(), []

    def sink(event):
        events.append(event)
        if event["event"] == "step" and event["step"] == pause_step:
            commands.pause.set()

    protocol.set_sink(sink)
    try:
        run_training(TrainSpec(**spec), commands)
    finally:
        protocol.set_sink(None)
    return events


def test_token_budget_packing_and_accumulation_pause_and_resume_exactly(tiny_model, tmp_path):
    budgets = {"batch_tokens": 40, "micro_batch_tokens": 16, "packing": True}
    base = make_spec(tiny_model, tmp_path, "straight", n_train=14, n_epochs=3, **budgets)
    _, straight = run_inprocess(base)
    started = of(straight, "started")[0]
    assert {k: started[k] for k in budgets} == budgets and started["gradient_checkpointing"] is False
    steps = of(straight, "step")
    assert len(steps) == started["total_steps"] and all(s["padding_fraction"] == 0 for s in steps)
    assert all(s["step_tokens"] >= 40 for s in steps if not s["epoch"].is_integer())  # only an epoch's last step may be short
    assert of(straight, "completed")[0]["trained_tokens"] == 3 * started["train_tokens_per_epoch"]

    spec = dict(base, output_dir=str(tmp_path / "paused"))
    os.makedirs(spec["output_dir"])
    first = run_pausing_at(spec, 5)
    assert first[-1]["event"] == "paused" and first[-1]["step"] == 5
    _, rest = run_inprocess(spec)
    assert of(rest, "started")[0]["resumed_from_step"] == 5
    assert [s["step"] for s in of(first, "step") + of(rest, "step")] == [s["step"] for s in steps]
    assert losses(first) + losses(rest) == losses(straight)
    assert file_bytes(os.path.join(spec["output_dir"], "final", "model.safetensors")) == \
        file_bytes(os.path.join(base["output_dir"], "final", "model.safetensors"))


def test_packed_and_padded_runs_train_alike(tiny_model, tmp_path):
    _, packed = run_inprocess(make_spec(tiny_model, tmp_path, "packed", n_train=16, n_epochs=1, batch_size=4))
    _, padded = run_inprocess(make_spec(tiny_model, tmp_path, "padded", n_train=16, n_epochs=1, batch_size=4, packing=False))
    assert of(packed, "started")[0]["packing"] is True and of(padded, "started")[0]["packing"] is False
    assert losses(packed) == pytest.approx(losses(padded), rel=1e-4)
    assert [s["train_mean_token_accuracy"] for s in of(packed, "step")] == \
        [s["train_mean_token_accuracy"] for s in of(padded, "step")]
    assert all(s["padding_fraction"] == 0 for s in of(packed, "step"))
    assert any(s["padding_fraction"] > 0 for s in of(padded, "step"))  # "3+4=7" and "9+8=17" differ in length
    full_valid = [c["metrics"]["full_valid_loss"] for c in of(packed, "checkpoint")]
    assert full_valid == pytest.approx([c["metrics"]["full_valid_loss"] for c in of(padded, "checkpoint")], rel=1e-4)


@pytest.mark.parametrize("mode", ["full", "lora"])
def test_gradient_checkpointing_trains_the_same(tiny_model, tmp_path, mode):
    # LoRA with dropout: the recomputed forward must draw the same dropout masks.
    extra = {"training_mode": "lora", "learning_rate": 1e-2,
             "lora": {"r": 4, "alpha": 8, "dropout": 0.1, "target_modules": "all-linear"}} if mode == "lora" else {}
    _, plain = run_inprocess(make_spec(tiny_model, tmp_path, f"{mode}-plain", n_epochs=1, **extra))
    _, checkpointed = run_inprocess(make_spec(tiny_model, tmp_path, f"{mode}-ckpt", n_epochs=1,
                                              gradient_checkpointing=True, **extra))
    assert of(checkpointed, "started")[0]["gradient_checkpointing"] is True
    assert losses(checkpointed) == pytest.approx(losses(plain), rel=1e-5)
    assert losses(checkpointed)[-1] < losses(checkpointed)[0]  # gradients reach the trained weights
