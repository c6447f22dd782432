"""Training throughput and MFU of selftune's trainer on the GPUs of one node.

Each configuration runs the real trainer (`selftune_trainer train --spec`: the
loop, steps, LoRA wrapping, DDP/FSDP under torchrun) on random-initialised
models, so no weights are downloaded or written: the model folder holds only a
config.json, a tokenizer and selftune.json, and the bench's worker builds the
weights from the config on the GPU in place of reading them (the one difference
from a real job). Data is random text that the byte-level tokenizer turns into
exactly --seq-len tokens per example, so every step has the same token count.

  python bench/gpu_throughput.py [--out FILE] [--only NAME] [--steps N] [--tiny]

Configurations (each on one GPU, then on every GPU with torchrun when there are several):
  lora8b   Llama-3-8B shape, LoRA r=16 on all linear layers, frozen base in bf16
  full05b  ~0.5B Qwen2.5-0.5B shape (Llama-style blocks, tied embeddings), full fine-tune
  --tiny   the same code path with tiny shapes on CPU (gloo for two processes): a dry run

Prints one JSON line per run and appends it to --out (or $SELFTUNE_BENCH_OUT).
tokens_per_second is the steady rate over the measured steps (after --warmup);
MFU = model FLOPs per token x tokens/s / (peak bf16 dense FLOP/s x GPUs), with
FLOPs per token 6N for a full fine-tune and 4N + 6N_trainable for LoRA (no
weight gradients for the frozen base: forward 2N, backward to activations 2N),
N counting every weight matrix (the input embedding lookup excluded). The
attention score/value matmuls are not in 6N; mfu_with_attention adds
12 x layers x hidden x seq_len per token (PaLM's convention) for full and
8 x ... for LoRA. Peak FLOP/s comes from the GPU's name (H100/H200/A100) or
$SELFTUNE_PEAK_FLOPS (per GPU, e.g. 989e12).
"""
import argparse
import json
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINER = os.path.join(ROOT, "trainer")
sys.path.insert(0, TRAINER)

# Dense bf16 tensor-core peaks (no sparsity), by a fragment of torch.cuda.get_device_name(); first match wins.
PEAK_BF16_FLOPS = [
    ("H100 PCIe", 756e12),
    ("H100 NVL", 835e12),
    ("H100", 989e12),  # SXM (e.g. "NVIDIA H100 80GB HBM3")
    ("H200", 989e12),  # same compute as H100 SXM, more and faster memory
    ("H800", 989e12),
    ("A100", 312e12),
    ("A800", 312e12),
]

LLAMA3_8B = dict(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                 num_attention_heads=32, num_key_value_heads=8, rope_theta=500000.0, max_position_embeddings=8192,
                 rms_norm_eps=1e-5, tie_word_embeddings=False)
QWEN25_05B = dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                  num_attention_heads=14, num_key_value_heads=2, rope_theta=1000000.0, max_position_embeddings=32768,
                  rms_norm_eps=1e-6, tie_word_embeddings=True, attention_bias=True)
TINY = dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=False)

# name: (model shape, training mode, examples per GPU per step, LoRA rank)
CONFIGS = {
    "lora8b": (LLAMA3_8B, "lora", 2, 16),
    "full05b": (QWEN25_05B, "full", 4, None),
}
TINY_CONFIGS = {
    "lora8b": (dict(TINY, tie_word_embeddings=False), "lora", 2, 4),
    "full05b": (dict(TINY, tie_word_embeddings=True), "full", 2, None),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    worker = sub.add_parser("worker", help="(internal) one trainer process building its weights from the config")
    worker.add_argument("--spec", required=True)
    worker.add_argument("--stats", required=True)
    parser.add_argument("--out", default=os.environ.get("SELFTUNE_BENCH_OUT"))
    parser.add_argument("--only", choices=sorted(CONFIGS), action="append")
    parser.add_argument("--seq-len", type=int, default=2048)
    parser.add_argument("--warmup", type=int, default=3, help="steps not measured (allocator, kernel autotuning)")
    parser.add_argument("--steps", type=int, default=10, help="measured steps per run")
    parser.add_argument("--tiny", action="store_true", help="dry run: tiny shapes on CPU, one and two processes")
    parser.add_argument("--timeout", type=float, default=240, help="seconds one run may take before it is ended")
    args = parser.parse_args()
    if args.command == "worker":
        return run_worker(args.spec, args.stats)

    import torch

    if args.tiny:
        gpus, seq_len, configs = 0, min(args.seq_len, 128), TINY_CONFIGS
    else:
        if not torch.cuda.is_available():
            sys.exit("gpu_throughput: no CUDA GPU is visible to torch (torch.cuda.is_available() is false); "
                     "this benchmark needs one (use --tiny for a CPU dry run)")
        gpus, seq_len, configs = torch.cuda.device_count(), args.seq_len, CONFIGS
    peak = peak_flops(torch.cuda.get_device_name(0) if gpus else "cpu")
    work = tempfile.mkdtemp(prefix="selftune-gpu-bench-")
    try:
        for name in args.only or list(configs):
            shape, mode, per_gpu, lora_r = configs[name]
            model_dir = make_model_dir(os.path.join(work, name), shape, mode)
            for processes in process_counts(gpus, args.tiny):
                result = run_config(name, model_dir, shape, mode, lora_r, per_gpu, processes, seq_len, args, work, peak)
                result.update(device=torch.cuda.get_device_name(0) if gpus else "cpu", gpus_visible=gpus)
                line = json.dumps(result)
                print(line, flush=True)
                if args.out:
                    with open(args.out, "a") as f:
                        f.write(line + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def process_counts(gpus, tiny):
    if tiny:
        return [1, 2]
    return [1, gpus] if gpus > 1 else [1]


def peak_flops(device_name):
    override = os.environ.get("SELFTUNE_PEAK_FLOPS")
    if override:
        return float(override)
    for fragment, flops in PEAK_BF16_FLOPS:
        if fragment in device_name:
            return flops
    return None  # unknown GPU: MFU is left out unless SELFTUNE_PEAK_FLOPS is set


def make_model_dir(path, shape, mode):
    """config.json + the byte-level tokenizer + selftune.json; no weights (the worker builds them)."""
    from transformers import LlamaConfig, Qwen2Config

    from selftune_trainer.tiny_model import build_tokenizer

    os.makedirs(path)
    tokenizer = build_tokenizer()
    ids = dict(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    qwen_like = shape.get("attention_bias", False)
    config_class = Qwen2Config if qwen_like else LlamaConfig
    config = config_class(**{k: v for k, v in shape.items() if k != "attention_bias"}, **ids)
    config.save_pretrained(path)
    tokenizer.save_pretrained(path)
    with open(os.path.join(path, "selftune.json"), "w") as f:
        json.dump({"training_mode": mode}, f)
    return path


def write_data(path, n_examples, seq_len, seed=0):
    # Printable ASCII: one byte-level token per character; bos + text + eos = seq_len tokens.
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?"
    with open(path, "w") as f:
        for _ in range(n_examples):
            f.write(json.dumps({"text": "".join(rng.choice(alphabet) for _ in range(seq_len - 2))}) + "\n")


def run_config(name, model_dir, shape, mode, lora_r, per_gpu, processes, seq_len, args, work, peak):
    run_dir = os.path.join(work, f"{name}-{processes}")
    os.makedirs(os.path.join(run_dir, "out"))
    batch = per_gpu * processes
    steps = args.warmup + args.steps
    # Epochs far longer than the run: no checkpoint falls inside it; the run is cancelled once measured.
    data = os.path.join(run_dir, "train.jsonl")
    write_data(data, batch * (steps + 10), seq_len)
    spec = {"job_id": f"bench-{name}-{processes}", "base_model_path": model_dir, "output_dir": os.path.join(run_dir, "out"),
            "training_files": [{"path": data, "weight": 1.0}], "training_steps": 100000, "batch_size": batch,
            "max_seq_len": seq_len, "training_mode": mode, "seed": 1, "learning_rate": 1e-5,
            "lora": {"r": lora_r, "alpha": 2 * lora_r, "dropout": 0.0, "target_modules": "all-linear"} if lora_r else None}
    spec_path = os.path.join(run_dir, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    stats = os.path.join(run_dir, "stats")
    launcher = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes)] if processes > 1 else []
    cmd = [sys.executable, *launcher, os.path.abspath(__file__), "worker", "--spec", spec_path, "--stats", stats]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [TRAINER, os.environ.get("PYTHONPATH")])),
               PYTHONUNBUFFERED="1", TOKENIZERS_PARALLELISM="false")
    result = {"config": name, "processes": processes, "training_mode": mode, "seq_len": seq_len,
              "examples_per_step": batch, "tokens_per_step": batch * seq_len}
    started, events = time.time(), []
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(os.path.join(run_dir, "stderr"), "w"),
                            text=True, env=env, start_new_session=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout] + [lines.put(None)], daemon=True).start()
    deadline = started + args.timeout
    try:
        while time.time() < deadline:  # a run that hangs (a stuck collective) is ended, never waited on
            try:
                line = lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if line is None:
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            events.append(event)
            if event.get("event") == "step" and event["step"] == steps:
                proc.stdin.write(json.dumps({"command": "cancel"}) + "\n")
                proc.stdin.flush()
            if event.get("event") in ("failed", "cancelled", "completed"):
                break
        proc.wait(timeout=max(1.0, deadline - time.time()) + 30)
    except subprocess.TimeoutExpired:
        pass
    finally:
        if proc.poll() is None:  # never leave ranks behind
            os.killpg(proc.pid, 9)
            proc.wait()
    result["wall_seconds"] = round(time.time() - started, 1)
    failed = [e for e in events if e.get("event") == "failed"]
    step_events = [e for e in events if e.get("event") == "step"]
    if failed or len(step_events) < steps:
        with open(os.path.join(run_dir, "stderr")) as f:
            tail = f.read()[-2000:]
        why = failed[0] if failed else f"only {len(step_events)} of {steps} steps in {args.timeout:.0f}s"
        result.update(ok=False, error=why, stderr_tail=tail)
        return result
    started_event = next(e for e in events if e.get("event") == "started")
    measured = step_events[args.warmup:steps]
    seconds = measured[-1]["elapsed_seconds"] - step_events[args.warmup - 1]["elapsed_seconds"] if args.warmup else measured[-1]["elapsed_seconds"]
    tokens_per_second = sum(e["step_tokens"] for e in measured) / seconds
    flops = flops_per_token(shape, mode, started_event, seq_len)
    gpus = processes if not args.tiny else 0
    result.update(
        ok=True, world_size=started_event.get("world_size", 1), parameters=started_event["parameters"],
        trainable_parameters=started_event["trainable_parameters"], dtype=started_event["dtype"],
        measured_steps=len(measured), seconds_per_step=round(seconds / len(measured), 4),
        tokens_per_second=round(tokens_per_second, 1), tokens_per_second_per_gpu=round(tokens_per_second / max(gpus, 1), 1),
        model_flops_per_token=flops["base"], peak_flops_per_gpu=peak,
        mfu=round(flops["base"] * tokens_per_second / (peak * gpus), 4) if peak and gpus else None,
        mfu_with_attention=round(flops["with_attention"] * tokens_per_second / (peak * gpus), 4) if peak and gpus else None,
        max_memory_allocated_gib=read_peak_memory(stats, processes),
        train_loss_first_last=[step_events[0]["train_loss"], step_events[steps - 1]["train_loss"]],
    )
    return result


def flops_per_token(shape, mode, started, seq_len):
    """6N (full) or 4N + 6N_trainable (LoRA), N without the input embedding; plus attention's matmuls."""
    embedding = shape["vocab_size"] * shape["hidden_size"]
    # Tied embeddings: the one matrix is still used as the output projection, a real matmul.
    matmul_params = started["parameters"] - (0 if shape.get("tie_word_embeddings") else embedding)
    if mode == "full":
        base, attention = 6 * matmul_params, 12 * shape["num_hidden_layers"] * shape["hidden_size"] * seq_len
    else:
        trainable = started["trainable_parameters"]
        base = 4 * (matmul_params - trainable) + 6 * trainable
        attention = 8 * shape["num_hidden_layers"] * shape["hidden_size"] * seq_len
    return {"base": base, "with_attention": base + attention}


def read_peak_memory(stats, processes):
    peaks = []
    for rank in range(processes):
        try:
            with open(f"{stats}.{rank}") as f:
                peaks.append(json.load(f)["max_memory_allocated"])
        except (OSError, ValueError, KeyError):
            pass
    return round(max(peaks) / 2**30, 2) if peaks and max(peaks) else None


def run_worker(spec_path, stats_path):
    """The trainer's own command line, with weights built from config.json on the training device."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from selftune_trainer import model_setup
    from selftune_trainer.cli import main as trainer_main

    def load_random(base_dir, device, frozen):
        # The same dtype rule as model_setup.load_base: bf16 for a frozen (LoRA) base on a bf16 GPU, else fp32.
        dtype = torch.bfloat16 if (frozen and device.bf16) else torch.float32
        config = AutoConfig.from_pretrained(base_dir)
        with torch.device(device.torch_device):
            return AutoModelForCausalLM.from_config(config, dtype=dtype)

    model_setup.load_base = load_random
    code = trainer_main(["train", "--spec", spec_path])
    peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0
    with open(f"{stats_path}.{os.environ.get('RANK', '0')}", "w") as f:
        json.dump({"max_memory_allocated": peak}, f)
    return code


if __name__ == "__main__":
    sys.exit(main())
