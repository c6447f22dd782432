"""`probe-device` and what an out-of-memory failure says."""
import json
import os
import subprocess
import sys

from conftest import PROCESS_EXIT_S, TRAINER_DIR, write_jsonl

from selftune_trainer import device_probe


def test_probe_measures_memory_baseline_and_training_flops():
    profile = device_probe.probe_device()
    assert profile["device"] in ("cpu", "cuda")
    assert profile["memory_bytes"] > profile["runtime_baseline_bytes"] > 50 * 2**20
    ref = profile["reference"]
    assert ref["steps"] >= device_probe.MIN_STEPS and 3e6 < ref["parameters"] < 10e6
    assert ref["flops_per_token"] == device_probe.training_flops_per_token(ref["matmul_parameters"], 4, 256, 256)
    # A step's fixed cost is measured on a model whose FLOPs take no time; the FLOP/s is what the
    # reference's step achieves without it, so at least its FLOPs per token times its tokens/s.
    assert 0 < profile["layer_step_seconds"] * 3 <= profile["overhead_reference"]["seconds_per_step"] * 1.001
    assert profile["flops_per_second"] >= 0.99 * ref["flops_per_token"] * ref["tokens_per_second"]


# Caps the worker's address space a little above what its imports take, then runs it:
# the first large activation cannot be allocated, as on a machine that is out of memory.
CAPPED = """
import resource, sys
import torch, transformers
from selftune_trainer import device_probe
size = int(device_probe._proc_field("/proc/self/status", "VmSize:").split()[0]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + 1536 * 2**20, resource.RLIM_INFINITY))
from selftune_trainer.cli import main
sys.exit(main(["train", "--spec", sys.argv[1]]))
"""


def test_out_of_memory_names_the_memory_and_what_to_change(tiny_model, tmp_path):
    rows = [{"text": f"{i} " + "abcdefgh " * 300} for i in range(32)]
    spec = {"job_id": "oom", "base_model_path": tiny_model, "output_dir": str(tmp_path / "out"),
            "training_files": [{"path": write_jsonl(tmp_path / "train.jsonl", rows), "weight": 1}],
            "training_steps": 1, "batch_size": 32, "max_seq_len": 2048, "training_mode": "full"}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    # stdin stays open while it runs: its end would tell the worker the server is gone.
    proc = subprocess.Popen([sys.executable, "-c", CAPPED, str(tmp_path / "spec.json")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=TRAINER_DIR))
    events = [json.loads(line) for line in proc.stdout]
    proc.stdin.close()
    assert proc.wait(timeout=PROCESS_EXIT_S) == 1 and events and events[-1]["event"] == "failed", proc.stderr.read()[-2000:]
    failed = events[-1]
    assert failed["code"] == "out_of_memory"
    assert "GiB was in use at the peak" in failed["message"] and "the machine has" in failed["message"]
    assert "micro_batch_tokens" in failed["message"] and "LoRA" in failed["message"] and "gradient checkpointing" in failed["message"]
