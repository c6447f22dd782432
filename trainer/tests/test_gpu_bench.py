"""bench/gpu_throughput.py without a GPU: the --tiny dry run goes through the trainer (one and two
processes) and reports sane figures; the FLOP counts and peak table for the real shapes."""
import json
import os
import subprocess
import sys

import pytest

from conftest import PROCESS_EXIT_S, TRAINER_DIR

BENCH_DIR = os.path.join(os.path.dirname(TRAINER_DIR), "bench")
sys.path.insert(0, BENCH_DIR)
import gpu_throughput as bench  # noqa: E402


def test_tiny_dry_run_trains_through_the_trainer_on_one_and_two_processes(tmp_path):
    out = tmp_path / "results.jsonl"
    proc = subprocess.run([sys.executable, os.path.join(BENCH_DIR, "gpu_throughput.py"), "--tiny", "--only", "full05b",
                           "--warmup", "1", "--steps", "3", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, env=dict(os.environ, SELFTUNE_CPU_THREADS="1"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = [json.loads(line) for line in proc.stdout.splitlines()]
    assert printed == [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["config"], r["processes"], r.get("world_size")) for r in printed] == [("full05b", 1, 1), ("full05b", 2, 2)]
    for r in printed:
        assert r["ok"], r
        assert r["measured_steps"] == 3 and r["tokens_per_step"] == r["examples_per_step"] * r["seq_len"]
        assert r["tokens_per_second"] > 0 and r["mfu"] is None  # no peak FLOP/s for a CPU


def test_without_cuda_it_fails_at_once_and_says_why():
    proc = subprocess.run([sys.executable, os.path.join(BENCH_DIR, "gpu_throughput.py")], capture_output=True, text=True, timeout=PROCESS_EXIT_S)
    if "CUDA" not in proc.stderr and proc.returncode == 0:
        pytest.skip("a CUDA GPU is visible: the benchmark ran for real")
    assert proc.returncode != 0 and "no CUDA GPU" in proc.stderr


def test_flops_per_token_and_peaks():
    # Llama-3-8B: 8.03e9 parameters of which 0.525e9 are the input embedding; LoRA: 4 per frozen, 6 per trained.
    shape = bench.LLAMA3_8B
    n, trainable = 8_030_261_248, 42_000_000
    matmul = n - shape["vocab_size"] * shape["hidden_size"]
    flops = bench.flops_per_token(shape, "lora", {"parameters": n, "trainable_parameters": trainable}, 2048)
    assert flops["base"] == 4 * (matmul - trainable) + 6 * trainable
    assert flops["with_attention"] == flops["base"] + 8 * 32 * 4096 * 2048
    # Qwen2.5-0.5B ties its embeddings: the one matrix is the output projection, so it counts.
    full = bench.flops_per_token(bench.QWEN25_05B, "full", {"parameters": 494_032_768, "trainable_parameters": 494_032_768}, 2048)
    assert full["base"] == 6 * 494_032_768
    assert bench.peak_flops("NVIDIA H200") == bench.peak_flops("NVIDIA H100 80GB HBM3") == 989e12
    assert bench.peak_flops("NVIDIA H100 PCIe") == 756e12 and bench.peak_flops("NVIDIA A100-SXM4-80GB") == 312e12
    assert bench.peak_flops("Tesla T4") is None
