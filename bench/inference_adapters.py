"""LoRA adapter switching in the inference worker's ModelCache, on selftune-tiny.

    .venv/bin/python bench/inference_adapters.py [model_dir]

Times one decode step (a 64-token prompt) on: the same adapter again, a
different adapter already in the LRU (set_adapter), an adapter loaded from disk
onto the warm base, and the base model loaded from disk.
"""
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trainer"))

import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

from selftune_trainer.inference.models import ModelCache  # noqa: E402

torch.set_num_threads(1)
BASE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".cache", "models", "selftune-tiny")
BASE = os.path.abspath(BASE)
IDS = torch.tensor([[256] + list(range(70, 133))])


def make_adapter(out, seed):
    torch.manual_seed(seed)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(BASE), LoraConfig(r=8, target_modules="all-linear", init_lora_weights=False))
    model.save_pretrained(out)
    return out


def step(cache, spec):
    t0 = time.perf_counter()
    lease = cache.lease(spec)
    with torch.inference_mode(), lease.activated():
        lease.model(input_ids=IDS)
    lease.release()
    return (time.perf_counter() - t0) * 1000


with tempfile.TemporaryDirectory() as tmp:
    paths = [make_adapter(os.path.join(tmp, f"a{i}"), i) for i in range(3)]
    spec = lambda p: {"kind": "lora", "path": p, "base_path": BASE}  # noqa: E731
    rows = {"base loaded from disk": [], "adapter loaded onto the warm base": [], "switch to an adapter in the LRU": [], "same adapter again": []}
    for _ in range(5):
        cache = ModelCache(capacity=8, device=torch.device("cpu"))
        t0 = time.perf_counter()
        cache.lease({"kind": "base", "path": BASE}).release()
        rows["base loaded from disk"].append((time.perf_counter() - t0) * 1000)
        step(cache, spec(paths[0]))
        rows["adapter loaded onto the warm base"].append(step(cache, spec(paths[1])))
        for _ in range(5):
            rows["switch to an adapter in the LRU"].append(step(cache, spec(paths[0])))
            rows["switch to an adapter in the LRU"].append(step(cache, spec(paths[1])))
            rows["same adapter again"].append(step(cache, spec(paths[1])))
    for name, xs in rows.items():
        print(f"| {name} | {statistics.median(xs):.1f} |")
