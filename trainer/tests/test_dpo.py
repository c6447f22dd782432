"""DPO on selftune-tiny: the loss against a hand computation, both references, and a margin that grows."""
import math
import random

import pytest
import torch

from conftest import of, run_inprocess, write_jsonl
from selftune_trainer.batches import Layout
from selftune_trainer.data import Example
from selftune_trainer.device import Device
from selftune_trainer.dpo.data import encode_pair, load_pair_file
from selftune_trainer.dpo.loss import answer_logps, dpo_loss
from selftune_trainer.dpo.recipe import dpo_recipe, pass_sums, sides, store_reference_logps
from selftune_trainer.distributed import World
from selftune_trainer.errors import TrainerError
from selftune_trainer.model_setup import load_base, load_tokenizer, pad_id
from selftune_trainer import protocol
from selftune_trainer.loop import run_training
from selftune_trainer.protocol import Commands
from selftune_trainer.spec import TrainSpec

WORDS = ["apple", "river", "stone", "cloud", "tiger", "piano", "lemon", "candle", "forest", "rocket", "garden", "silver",
         "window", "pencil", "island", "thunder", "mirror", "basket", "dragon", "violet", "marble", "harbor", "meadow", "comet"]


def preference_rows(n, seed, words=WORDS):
    """Learnable: the preferred answer agrees ("yes, <word>"), the other refuses ("no, <word>")."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        w = rng.choice(words)
        rows.append({"input": {"messages": [{"role": "user", "content": f"say {w}"}]},
                     "preferred_output": [{"role": "assistant", "content": f"yes, {w}"}],
                     "non_preferred_output": [{"role": "assistant", "content": f"no, {w}"}]})
    return rows


def dpo_spec(tiny_model, tmp_path, **overrides):
    out = tmp_path / "dpo"
    out.mkdir(exist_ok=True)
    spec = {"job_id": "dpo", "base_model_path": tiny_model, "output_dir": str(out), "method": "dpo", "beta": 0.1,
            "training_files": [{"path": write_jsonl(tmp_path / "train.jsonl", preference_rows(32, 1, WORDS[:16])), "weight": 1.0}],
            "validation_files": [{"path": write_jsonl(tmp_path / "valid.jsonl", preference_rows(8, 2, WORDS[16:]))}],
            "n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 0.3, "seed": 5}
    spec.update(overrides)
    return spec


def held_out_margin(model, tokenizer, rows):
    """Mean log p(preferred) - log p(non-preferred) over `rows`."""
    pairs = [encode_pair(r, tokenizer, 1024)[0] for r in rows]
    seqs = [Example(*p[0], "c") for p in pairs] + [Example(*p[1], "r") for p in pairs]
    with torch.no_grad():
        logps, _, _ = answer_logps(model.eval(), seqs, pad_id(tokenizer), Device())
    return float((logps[: len(rows)] - logps[len(rows):]).mean())


def test_loss_equals_a_hand_computation():
    losses, chosen, rejected = dpo_loss(torch.tensor([-2.0, -5.0]), torch.tensor([-4.0, -3.0]),
                                        torch.tensor([-3.0, -4.0]), torch.tensor([-3.0, -4.0]), beta=0.5)
    # pair 1: 0.5 * ((-2 + 3) - (-4 + 3)) = 1.0; pair 2: 0.5 * ((-5 + 4) - (-3 + 4)) = -1.0
    assert losses.tolist() == pytest.approx([math.log(1 + math.exp(-1.0)), math.log(1 + math.exp(1.0))])
    assert (chosen - rejected).tolist() == pytest.approx([1.0, -1.0])


def test_only_the_answer_is_scored(tiny_model):
    tokenizer = load_tokenizer(tiny_model)
    (chosen, rejected), cut = encode_pair(preference_rows(1, 0)[0], tokenizer, 1024)
    assert not cut
    answer = lambda side: tokenizer.decode([t for t in side[1] if t != -100])  # noqa: E731
    assert answer(chosen).startswith("yes, ") and answer(rejected).startswith("no, ")
    prompt_len = len(chosen[0]) - sum(t != -100 for t in chosen[1])
    assert chosen[0][:prompt_len] == rejected[0][:prompt_len]  # the same prompt tokens on both sides


def test_full_mode_reference_is_the_starting_model(tiny_model, tmp_path):
    spec = TrainSpec(**dpo_spec(tiny_model, tmp_path))
    recipe, device, tokenizer = dpo_recipe(spec, World()), Device(), load_tokenizer(tiny_model)
    groups, valid = recipe.load_datasets(spec, tokenizer)
    model, mode = recipe.build_model(spec, device, {"training_mode": "full"})
    assert mode == "full"
    pairs = groups[0][:3]
    base = load_base(tiny_model, device, frozen=False).eval()
    expected, _, _ = answer_logps(base, sides(pairs), pad_id(tokenizer), device)
    stored = [p.ref_logps[0] for p in pairs] + [p.ref_logps[1] for p in pairs]
    assert stored == pytest.approx(expected.tolist(), abs=1e-4)
    # At the start the policy is the reference: every reward is 0, the loss is log 2.
    loss, stats = pass_sums(model, pairs, pad_id(tokenizer), device, beta=0.1)
    assert float(loss.detach()) / len(pairs) == pytest.approx(math.log(2), abs=1e-4) and stats["margin"] == pytest.approx(0, abs=1e-4)


def test_lora_reference_is_the_base_with_the_adapter_off(tiny_model, tmp_path):
    spec = TrainSpec(**dpo_spec(tiny_model, tmp_path, training_mode="lora"))
    recipe, device, tokenizer = dpo_recipe(spec, World()), Device(), load_tokenizer(tiny_model)
    groups, _ = recipe.load_datasets(spec, tokenizer)
    model, mode = recipe.build_model(spec, device, {})
    assert mode == "lora" and groups[0][0].ref_logps is None  # nothing precomputed
    with torch.no_grad():  # move the adapter away from its no-op start
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.add_(0.05)
    pairs, pad = groups[0][:3], pad_id(tokenizer)
    base = load_base(tiny_model, device, frozen=False).eval()
    expected, _, _ = answer_logps(base, sides(pairs), pad, device)
    with torch.no_grad(), model.disable_adapter():
        reference, _, _ = answer_logps(model.eval(), sides(pairs), pad, device)
        assert reference.tolist() == pytest.approx(expected.tolist(), abs=1e-3)
    policy, _, _ = answer_logps(model, sides(pairs), pad, device)
    assert max(abs(a - b) for a, b in zip(policy.tolist(), expected.tolist())) > 1e-2  # the adapter does change it


def test_margin_grows_and_metrics_reach_every_event(tiny_model, tmp_path):
    code, events = run_inprocess(dpo_spec(tiny_model, tmp_path))
    assert code == 0, [e for e in events if e["event"] in ("failed", "log")]
    steps = of(events, "step")
    assert len(steps) == 16  # 32 pairs / 4 a step, 2 epochs
    assert all({"train_reward_margin", "train_reward_accuracy", "train_loss"} <= set(s) for s in steps)
    assert steps[0]["train_loss"] == pytest.approx(math.log(2), abs=1e-3)  # policy = reference at step 1
    late = steps[-4:]
    assert sum(s["train_reward_margin"] for s in late) / 4 > 0.5, [s["train_reward_margin"] for s in steps]
    assert all(s["train_reward_accuracy"] == 1.0 for s in late)
    assert "valid_reward_margin" in steps[-1] and steps[-1]["valid_reward_margin"] > 0.5
    assert "full_valid_reward_accuracy" in of(events, "checkpoint")[-1]["metrics"]
    # Both sequences of every pair count: 32 pairs, 2 epochs.
    tokenizer = load_tokenizer(tiny_model)
    pairs, _, _ = load_pair_file(str(tmp_path / "train.jsonl"), tokenizer, 1024, "x")
    assert of(events, "completed")[0]["trained_tokens"] == 2 * sum(len(p.input_ids) for p in pairs)
    from transformers import AutoModelForCausalLM

    held_out = preference_rows(12, 9, WORDS[16:])
    tuned = AutoModelForCausalLM.from_pretrained(of(events, "completed")[0]["path"])
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert held_out_margin(tuned, tokenizer, held_out) > held_out_margin(base, tokenizer, held_out) + 10


@pytest.mark.parametrize("mode", ["full", "lora"])
def test_pause_then_resume_matches_an_uninterrupted_run(tiny_model, tmp_path, mode):
    """Full: the reference log-probs are recomputed from the starting weights on resume; LoRA: the adapter is switched off."""
    extra = {"training_mode": mode, "lora": {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear"}} if mode == "lora" else {}
    straight_spec = dpo_spec(tiny_model, tmp_path, n_epochs=1, **extra)
    _, straight = run_inprocess(straight_spec)
    spec = dict(straight_spec, output_dir=str(tmp_path / "paused"))
    (tmp_path / "paused").mkdir()
    commands, events = Commands(), []

    def pause_at_step_3(event):
        events.append(event)
        if event["event"] == "step" and event["step"] == 3:
            commands.pause.set()

    protocol.set_sink(pause_at_step_3)
    try:
        run_training(TrainSpec(**spec), commands)
    finally:
        protocol.set_sink(None)
    assert events[-1]["event"] == "paused" and events[-1]["step"] == 3
    _, rest = run_inprocess(spec)
    assert of(rest, "started")[0]["resumed_from_step"] == 3
    resumed = [s[k] for s in of(events, "step") + of(rest, "step") for k in ("train_loss", "train_reward_margin")]
    expected = [s[k] for s in of(straight, "step") for k in ("train_loss", "train_reward_margin")]
    assert len(resumed) == 16
    assert resumed == pytest.approx(expected, abs=1e-5)


def test_a_bad_pair_names_its_line(tiny_model, tmp_path):
    rows = preference_rows(4, 1) + [{"input": {"messages": []}, "preferred_output": "yes", "non_preferred_output": []}]
    spec = dpo_spec(tiny_model, tmp_path, training_files=[{"path": write_jsonl(tmp_path / "bad.jsonl", rows), "weight": 1.0}])
    with pytest.raises(TrainerError, match="line 5: preferred_output must be a list"):
        run_inprocess(spec)


def test_dpo_needs_a_beta(tiny_model, tmp_path):
    with pytest.raises(TrainerError, match="beta"):
        TrainSpec(**dpo_spec(tiny_model, tmp_path, beta=None))
