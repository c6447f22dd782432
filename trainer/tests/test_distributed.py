"""One job on several processes (torchrun, gloo on CPU): same training as one process, rank 0 alone
speaks the protocol and writes files, pause/resume across a multi-process run, token-balanced shards."""
import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from conftest import PROCESS_EXIT_S, TRAINER_DIR, make_spec, of, run_inprocess
from selftune_trainer.distributed import balanced_assignment

AUDIT_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rank_audit.py")

# Two ranks compute the same gradient as one process, but not bit for bit: each rank pads its share
# to its own longest example (other matmul shapes), and per-rank sums are added in another order.
# Those float32 rounding differences (~1e-7 relative) then pass through a few Adam steps, whose
# update m/sqrt(v) amplifies them where a gradient is near zero. Measured on this test (DDP and
# FSDP alike): losses within 1.5e-7 relative, weights within 1.4e-6 absolute after 6 steps. The
# bounds leave about an order of magnitude of slack, while a real bug (a rank's examples dropped
# or counted twice, a wrong normaliser, DDP's averaging left in) moves losses by more than 1e-2.
LOSS_RTOL = 2e-6
WEIGHT_ATOL = 2e-5


def torchrun(spec, tmp_path, name, processes=2, sharding="ddp"):
    """The trainer as the server starts it for several processes; every rank's file writes recorded."""
    spec_path = tmp_path / f"{name}.json"
    spec_path.write_text(json.dumps(spec))
    audit = tmp_path / f"{name}-audit-{len(list(tmp_path.glob(f'{name}-audit-*')))}"
    audit.mkdir()
    env = dict(os.environ, PYTHONPATH=TRAINER_DIR, SELFTUNE_TRAIN_SHARDING=sharding, SELFTUNE_CPU_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
         AUDIT_SCRIPT, str(audit), "train", "--spec", str(spec_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(tmp_path / f"{name}.stderr", "a"), text=True, env=env)
    proc.audit = audit
    return proc


def events_of(proc, on_event=None):
    events = []
    for line in proc.stdout:
        events.append(json.loads(line))  # anything but a protocol line on stdout fails here
        if on_event:
            on_event(events[-1])
    assert proc.wait(timeout=PROCESS_EXIT_S) == 0
    return events


def audited_writes(proc, rank):
    with open(proc.audit / f"rank-{rank}.txt") as f:
        return [line for line in f.read().splitlines() if line]


def weights(spec):
    return load_file(os.path.join(spec["output_dir"], "final", "model.safetensors"))


def step_losses(events):
    return [s["train_loss"] for s in of(events, "step")]


@pytest.fixture(scope="module")
def single_run(tiny_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    # 12 examples in batches of 5: steps of 5, 5 and 2 examples, so shards are uneven in size and tokens.
    spec = make_spec(tiny_model, tmp, "single", n_train=12, n_valid=5, n_epochs=2, batch_size=5, eval_every=1)
    code, events = run_inprocess(spec)
    assert code == 0
    return spec, events


@pytest.mark.parametrize("sharding", ["ddp", "fsdp"])
def test_two_processes_train_like_one(single_run, tmp_path, sharding):
    base, single = single_run
    spec = dict(base, job_id=f"two-{sharding}", output_dir=str(tmp_path / "out"))
    os.makedirs(spec["output_dir"])
    proc = torchrun(spec, tmp_path, sharding, sharding=sharding)
    events = events_of(proc)

    kinds = [e["event"] for e in events if e["event"] != "log"]
    assert kinds[0] == "started" and kinds.count("started") == 1 and kinds[-1] == "completed"
    started, single_started = of(events, "started")[0], of(single, "started")[0]
    assert started["world_size"] == 2 and single_started["world_size"] == 1
    assert started["parameters"] == single_started["parameters"]
    assert [s["step"] for s in of(events, "step")] == list(range(1, 7))
    assert [c["step"] for c in of(events, "checkpoint")] == [3, 6]
    assert [s["step_tokens"] for s in of(events, "step")] == [s["step_tokens"] for s in of(single, "step")]
    assert of(events, "completed")[0]["trained_tokens"] == of(single, "completed")[0]["trained_tokens"]

    assert step_losses(events) == pytest.approx(step_losses(single), rel=LOSS_RTOL)
    for key in ("train_mean_token_accuracy", "valid_loss", "valid_mean_token_accuracy"):
        assert [s[key] for s in of(events, "step")] == pytest.approx([s[key] for s in of(single, "step")], rel=LOSS_RTOL)
    full_valid = [c["metrics"]["full_valid_loss"] for c in of(events, "checkpoint")]
    assert full_valid == pytest.approx([c["metrics"]["full_valid_loss"] for c in of(single, "checkpoint")], rel=LOSS_RTOL)

    # The same Hugging Face checkpoint as one process writes: same files, tensors, shapes and dtypes.
    final, single_final = os.path.join(spec["output_dir"], "final"), os.path.join(base["output_dir"], "final")
    assert sorted(os.listdir(final)) == sorted(os.listdir(single_final))
    for name in os.listdir(final):
        if name.endswith(".json"):  # config (architectures, dtype), tokenizer, generation config, selftune_model
            with open(os.path.join(final, name)) as ours_f, open(os.path.join(single_final, name)) as theirs_f:
                ours_json, theirs_json = json.load(ours_f), json.load(theirs_f)
            # The tokenizer records the hub's offline mode, which the command line sets and the in-process run does not.
            for record in (ours_json, theirs_json):
                record.pop("local_files_only", None)
            assert ours_json == theirs_json, name
    ours, theirs = weights(spec), weights(base)
    assert sorted(ours) == sorted(theirs)
    for name, tensor in theirs.items():
        assert ours[name].dtype == tensor.dtype and ours[name].shape == tensor.shape
        torch.testing.assert_close(ours[name], tensor, rtol=0, atol=WEIGHT_ATOL, msg=name)
    assert sorted(os.listdir(os.path.join(spec["output_dir"], "checkpoints"))) == ["step-3", "step-6"]

    # Rank 0 alone wrote: the checkpoints, the final model; rank 1 touched nothing in the output dir.
    assert any("step-6" in w for w in audited_writes(proc, 0)) and any("final" in w for w in audited_writes(proc, 0))
    assert audited_writes(proc, 1) == []


@pytest.mark.parametrize("sharding", ["ddp", "fsdp"])
def test_pause_and_resume_across_two_processes(tiny_model, tmp_path, sharding):
    base = make_spec(tiny_model, tmp_path, "straight", n_train=12, n_valid=0, n_epochs=2, batch_size=3,
                     training_mode="full")
    straight = events_of(torchrun(base, tmp_path, "straight", sharding=sharding))
    assert len(of(straight, "step")) == 8

    spec = dict(base, output_dir=str(tmp_path / "paused"))
    os.makedirs(spec["output_dir"])
    proc = torchrun(spec, tmp_path, "paused", sharding=sharding)

    def pause_at_step_3(event):
        if event["event"] == "step" and event["step"] == 3:
            proc.stdin.write(json.dumps({"command": "pause"}) + "\n")
            proc.stdin.flush()

    first = events_of(proc, pause_at_step_3)
    paused = first[-1]
    assert paused["event"] == "paused" and 3 <= paused["step"] < 8
    assert not of(first, "cancelled") and len(of(first, "paused")) == 1
    assert audited_writes(proc, 1) == []

    second = events_of(torchrun(spec, tmp_path, "paused", sharding=sharding))
    assert of(second, "started")[0]["resumed_from_step"] == paused["step"]
    steps = of(first, "step") + of(second, "step")
    assert [s["step"] for s in steps] == list(range(1, 9))
    # Same world size, same ranks, same shards: the resumed run is the straight run, bit for bit.
    assert [s["train_loss"] for s in steps] == step_losses(straight)
    ours, theirs = weights(spec), weights(base)
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)


def test_cancel_stops_every_rank_at_the_same_step(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, "cancel", n_epochs=None, training_steps=100000, n_valid=0)
    proc = torchrun(spec, tmp_path, "cancel")

    def cancel_at_step_2(event):
        if event["event"] == "step" and event["step"] == 2:
            proc.stdin.write(json.dumps({"command": "cancel"}) + "\n")
            proc.stdin.flush()

    events = events_of(proc, cancel_at_step_2)
    assert events[-1]["event"] == "cancelled" and events[-1]["step"] >= 2


def test_server_gone_ends_every_rank(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, "orphan", n_epochs=None, training_steps=100000, n_valid=0)
    proc = torchrun(spec, tmp_path, "orphan")
    for line in proc.stdout:
        if json.loads(line)["event"] == "step":
            break
    proc.stdin.close()  # as when the server dies: rank 0 sees EOF, torchrun ends the other rank
    assert proc.wait(timeout=PROCESS_EXIT_S) != 0
    rest = proc.stdout.read()
    assert "completed" not in rest and "cancelled" not in rest


def test_shards_balance_tokens_and_cover_every_example_once():
    lengths = [50, 10, 10, 10, 10, 10, 40, 5]
    owned = balanced_assignment(lengths, 2)
    assert sorted(owned[0] + owned[1]) == list(range(len(lengths)))
    loads = [sum(lengths[i] for i in o) for o in owned]
    assert abs(loads[0] - loads[1]) <= 5, loads
    assert balanced_assignment(lengths, 2) == owned  # the same on every rank
    assert balanced_assignment([7], 3) == [[0], [], []]  # fewer examples than ranks: some ranks idle
