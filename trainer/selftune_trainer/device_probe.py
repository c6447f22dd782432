"""`probe-device`: what this machine offers a training job, measured once.

The server caches the answer (device, memory, runtime baseline, achieved
training FLOP/s) and plans memory and estimates durations from it. The
throughput comes from a few real optimizer steps of a small Llama built in
memory from a fixed seed, with the same device, precision and thread count a
job gets.
"""
import os
import platform
import resource
import time

import torch

from .device import Device, cpu_threads

SEED = 20240601
# About 5M parameters: big enough that matmuls dominate, small enough for a few seconds on a CPU core.
REFERENCE = dict(vocab_size=4096, hidden_size=256, intermediate_size=704, num_hidden_layers=4,
                 num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=1024)
SEQ_LEN = 256
# So small that its FLOPs take microseconds: its step time is the per-operation overhead.
OVERHEAD_PROBE = dict(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64)
OVERHEAD_SEQ_LEN = 16
WARMUP_STEPS = 2
MIN_STEPS, MAX_STEPS, MIN_SECONDS = 3, 60, 1.0


def training_flops_per_token(matmul_params, layers, hidden, seq_len, trainable="full"):
    """Training FLOPs per token: forward 2N and backward 4N for full fine-tuning (2N without
    weight gradients, i.e. LoRA), plus causal attention over a row of seq_len tokens.
    The server's planner (src/planning/flops.ts) uses the same formula."""
    factor = 6 if trainable == "full" else 4
    return factor * matmul_params + factor * layers * hidden * seq_len


def memory_bytes(cuda):
    """Memory one device offers: GPU memory, or on CPU the lower of MemTotal and the cgroup limit."""
    if cuda:
        return torch.cuda.get_device_properties(0).total_memory
    limits = [_meminfo_total()]
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit():
            limits.append(int(text))
    return min(v for v in limits if v)


def peak_memory_bytes():
    """This process's peak memory: CUDA's max allocated on a GPU, the resident-set high-water mark on CPU."""
    if torch.cuda.is_available():
        return int(torch.cuda.max_memory_allocated())
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def current_rss_bytes():
    rss = _proc_field("/proc/self/status", "VmRSS:")
    return int(rss.split()[0]) * 1024 if rss else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def probe_device():
    device = Device()
    import transformers  # noqa: F401  # counted in the runtime baseline, as in a training job
    import peft  # noqa: F401

    startup = _seconds_since_process_start()  # interpreter start and imports: a trainer's fixed cost

    cuda = device.torch_device.type == "cuda"
    if cuda:
        torch.zeros(1, device="cuda")  # create the context, so what it takes is measured
        free, total = torch.cuda.mem_get_info()
        baseline = total - free - torch.cuda.memory_reserved()
    else:
        baseline = current_rss_bytes()
    throughput = measure_throughput(device)
    return {
        "device": device.torch_device.type,
        "name": torch.cuda.get_device_name(0) if cuda else _cpu_name(),
        "count": torch.cuda.device_count() if cuda else 1,
        "memory_bytes": memory_bytes(cuda),
        "runtime_baseline_bytes": int(baseline),
        "bf16": device.bf16,
        "dtype": device.dtype_name,
        "threads": None if cuda else cpu_threads(),
        "torch": torch.__version__,
        "startup_seconds": startup,
        **throughput,
    }


def measure_throughput(device):
    """Achieved FLOP/s (the reference model) and the fixed cost of a step per layer (a model too small
    for its FLOPs to matter): small models spend most of a step on per-operation overhead, not matmuls."""
    ref = _time_steps(device, REFERENCE, SEQ_LEN)
    tiny = _time_steps(device, OVERHEAD_PROBE, OVERHEAD_SEQ_LEN)
    layer_step = tiny["seconds_per_step"] / (OVERHEAD_PROBE["num_hidden_layers"] + 1)
    compute = max(ref["seconds_per_step"] - (REFERENCE["num_hidden_layers"] + 1) * layer_step, 0.2 * ref["seconds_per_step"])
    return {
        "reference": ref,
        "overhead_reference": tiny,
        "flops_per_second": ref["flops_per_token"] * SEQ_LEN / compute,
        "layer_step_seconds": layer_step,
    }


def _time_steps(device, dims, seq_len):
    """Real optimizer steps (forward, backward, gradient clipping, fused AdamW) on a seeded model; per-step figures."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from .steps import GRAD_CLIP, make_optimizer

    torch.manual_seed(SEED)
    model = LlamaForCausalLM(LlamaConfig(**dims, tie_word_embeddings=False)).to(device.torch_device)
    optimizer, scheduler = make_optimizer(model, 1e-4, 0.0, MAX_STEPS + WARMUP_STEPS, 0.0, "constant")
    generator = torch.Generator().manual_seed(SEED)
    ids = torch.randint(0, dims["vocab_size"], (1, seq_len), generator=generator).to(device.torch_device)

    def step():
        with device.autocast():
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)

    sync = torch.cuda.synchronize if device.torch_device.type == "cuda" else (lambda: None)
    for _ in range(WARMUP_STEPS):
        step()
    sync()
    steps, t0 = 0, time.perf_counter()
    while steps < MAX_STEPS and (steps < MIN_STEPS or time.perf_counter() - t0 < MIN_SECONDS):
        step()
        steps += 1
    sync()
    seconds = time.perf_counter() - t0
    n_params = sum(p.numel() for p in model.parameters())
    matmul_params = n_params - model.get_input_embeddings().weight.numel()
    per_token = training_flops_per_token(matmul_params, dims["num_hidden_layers"], dims["hidden_size"], seq_len)
    return {"parameters": n_params, "matmul_parameters": matmul_params, "seq_len": seq_len, "steps": steps,
            "seconds": round(seconds, 4), "seconds_per_step": seconds / steps,
            "tokens_per_second": round(steps * seq_len / seconds, 1), "flops_per_token": per_token}


def oom_message(detail=""):
    """An out-of-memory failure: the device's memory, the peak in use, and what to change."""
    cuda = torch.cuda.is_available()
    try:
        have = f"the {'GPU' if cuda else 'machine'} has {gib(memory_bytes(cuda))}"
    except Exception:  # the message must never hide the failure it reports
        have = "the device's memory is unknown"
    return (f"out of memory: {have} and {gib(peak_memory_bytes())} was in use at the peak. Lower the tokens per "
            "forward pass (micro_batch_tokens, batch_size or seq_len), train with LoRA (\"training_mode\": \"lora\" in "
            "the model folder's selftune.json), or turn on gradient checkpointing"
            + (f". ({detail})" if detail else "."))


def gib(n):
    return f"{n / 2**30:.2f} GiB"


def _meminfo_total():
    total = _proc_field("/proc/meminfo", "MemTotal:")
    return int(total.split()[0]) * 1024 if total else os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _seconds_since_process_start():
    try:
        with open("/proc/self/stat") as f:
            started_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return round(uptime - started_ticks / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, ValueError, IndexError):
        return None


def _cpu_name():
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "cpu"


def _proc_field(path, prefix):
    """The text after the colon of the first line of a /proc file that starts with `prefix`."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None
