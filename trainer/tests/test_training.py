import json
import os
import shutil

import pytest
import torch

from conftest import PROCESS_EXIT_S, make_spec, of, run_inprocess, spawn


def losses(events):
    return [e["train_loss"] for e in of(events, "step")]


def test_same_seed_same_losses(tiny_model, tmp_path):
    _, first = run_inprocess(make_spec(tiny_model, tmp_path, "a"))
    _, second = run_inprocess(make_spec(tiny_model, tmp_path, "b"))
    assert losses(first) == losses(second) and len(losses(first)) == 12
    _, other_seed = run_inprocess(make_spec(tiny_model, tmp_path, "c", seed=8))
    assert losses(other_seed) != losses(first)


def test_loss_falls_and_events_are_complete(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, n_train=16, n_epochs=6, batch_size=4, eval_every=0)
    code, events = run_inprocess(spec)
    assert code == 0
    kinds = [e["event"] for e in events if e["event"] != "log"]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    started = of(events, "started")[0]
    assert started["training_mode"] == "full" and started["learning_rate"] == 1e-3
    assert (started["steps_per_epoch"], started["total_steps"], started["resumed_from_step"]) == (4, 24, 0)
    steps = of(events, "step")
    assert [s["step"] for s in steps] == list(range(1, 25))
    first, last = steps[:4], steps[-4:]
    assert sum(s["train_loss"] for s in last) < 0.6 * sum(s["train_loss"] for s in first)
    # About 10 mini-batch evals over the run, and a full eval in every checkpoint.
    assert len([s for s in steps if "valid_loss" in s]) == 12
    assert all("full_valid_loss" in c["metrics"] for c in of(events, "checkpoint"))
    assert steps[-1]["trained_tokens"] == sum(s["step_tokens"] for s in steps) == 6 * started["train_tokens_per_epoch"]
    final = events[-1]["path"]
    info = json.load(open(os.path.join(final, "selftune_model.json")))
    assert info == {"base_model_path": tiny_model, "training_mode": "full", "steps": 24,
                    "trained_tokens": steps[-1]["trained_tokens"]}
    assert os.path.exists(os.path.join(final, "model.safetensors")) and os.path.exists(os.path.join(final, "tokenizer.json"))


def test_keeps_newest_checkpoints(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, n_epochs=4, keep_checkpoints=3)
    _, events = run_inprocess(spec)
    assert [c["step"] for c in of(events, "checkpoint")] == [6, 12, 18, 24]
    assert [r["step"] for r in of(events, "checkpoint_removed")] == [6]
    assert sorted(os.listdir(os.path.join(spec["output_dir"], "checkpoints"))) == ["step-12", "step-18", "step-24"]
    state = torch.load(os.path.join(spec["output_dir"], "checkpoints", "step-18", "trainer_state.pt"), weights_only=False)
    assert (state["step"], state["epoch_index"], state["position_in_epoch"]) == (18, 3, 0)


def test_resumes_from_newest_checkpoint_after_a_crash(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, n_epochs=4, keep_checkpoints=3)
    _, straight = run_inprocess(spec)
    # Simulate dying between the step-18 checkpoint and the end of the run.
    shutil.rmtree(os.path.join(spec["output_dir"], "final"))
    shutil.rmtree(os.path.join(spec["output_dir"], "checkpoints", "step-24"))
    _, resumed = run_inprocess(spec)
    assert of(resumed, "started")[0]["resumed_from_step"] == 18
    assert losses(resumed) == losses(straight)[18:]

    # resume: false starts over and clears the old run's restart points first.
    _, fresh = run_inprocess(dict(spec, resume=False, n_epochs=1))
    assert of(fresh, "started")[0]["resumed_from_step"] == 0
    assert os.listdir(os.path.join(spec["output_dir"], "checkpoints")) == ["step-6"]


def test_training_steps_checkpoint_on_unaligned_final_step(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, n_epochs=None, training_steps=8)
    _, events = run_inprocess(spec)
    assert of(events, "started")[0]["n_epochs"] == pytest.approx(8 / 6)
    assert [c["step"] for c in of(events, "checkpoint")] == [6, 8]
    assert of(events, "completed")[0]["step"] == 8


def test_lora_mode_trains_an_adapter(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, training_mode="lora", learning_rate=1e-2,
                     lora={"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear"})
    code, events = run_inprocess(spec)
    assert code == 0
    started = of(events, "started")[0]
    assert started["training_mode"] == "lora" and 0 < started["trainable_parameters"] < started["parameters"] / 5
    final = of(events, "completed")[0]["path"]
    assert os.path.exists(os.path.join(final, "adapter_model.safetensors"))
    assert not os.path.exists(os.path.join(final, "model.safetensors"))
    config = json.load(open(os.path.join(final, "adapter_config.json")))
    assert config["r"] == 4 and {"q_proj", "down_proj"} <= set(config["target_modules"])
    steps = losses(events)
    assert steps[-1] < steps[0]


def test_bad_spec_fails_with_event(tmp_path):
    proc = spawn({"job_id": "x", "base_model_path": "relative/path", "output_dir": str(tmp_path),
                  "training_files": []}, tmp_path)
    # stdin stays open: closing it would mean "the server died" (exit 3).
    events = [json.loads(line) for line in proc.stdout]
    assert proc.wait(timeout=PROCESS_EXIT_S) == 1
    assert events[-1]["event"] == "failed" and events[-1]["code"] == "invalid_spec"
    assert "base_model_path" in events[-1]["message"]


def test_missing_base_model_and_bad_line(tiny_model, tmp_path):
    from selftune_trainer.errors import TrainerError

    with pytest.raises(TrainerError) as err:
        run_inprocess(make_spec(tiny_model, tmp_path, "m", base_model_path=str(tmp_path / "nope")))
    assert err.value.code == "base_model_not_found"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"oops": 1}\n')
    with pytest.raises(TrainerError) as err:
        run_inprocess(make_spec(tiny_model, tmp_path, "b", training_files=[{"path": str(bad)}]))
    assert err.value.code == "invalid_training_file" and "line 2" in err.value.message


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_bf16_run(tiny_model, tmp_path):
    code, events = run_inprocess(make_spec(tiny_model, tmp_path))
    started = of(events, "started")[0]
    assert code == 0 and started["device"] == "cuda"
    assert started["dtype"] == ("bfloat16" if torch.cuda.is_bf16_supported() else "float32")
