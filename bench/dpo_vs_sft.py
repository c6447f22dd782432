"""DPO step time relative to supervised step time on the same data, selftune-tiny, this machine.

The same 64 deterministic prompts: DPO trains on (preferred, non-preferred) pairs,
supervised on the preferred answers alone as chat examples. Both at batch size 4
for 2 epochs, no validation, same seed, in full fine-tuning (selftune-tiny's mode)
and in LoRA (the reference is then a second, gradient-free forward with the adapter
off). Step time is the median gap between step events' elapsed_seconds, so the
checkpoint written at each epoch's end is left out; `run_s` is the whole run
(setup, DPO's reference pass in full mode, checkpoints). Each configuration runs
--repeats times (default 2), alternating, and the fastest median is kept.
Usage: .venv/bin/python bench/dpo_vs_sft.py [--repeats N]; prints one JSON object.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "trainer"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from selftune_trainer import protocol  # noqa: E402
from selftune_trainer.loop import run_training  # noqa: E402
from selftune_trainer.spec import TrainSpec  # noqa: E402
from selftune_trainer.tiny_model import make_tiny_model  # noqa: E402

N, BATCH, EPOCHS, SEED = 64, 4, 2, 7
WORDS = ["apple", "river", "stone", "cloud", "tiger", "piano", "lemon", "candle", "forest", "rocket", "garden", "silver"]


def prompts():
    for i in range(N):
        w = WORDS[i % len(WORDS)]
        messages = [{"role": "system", "content": "Answer politely and repeat the word you were given."},
                    {"role": "user", "content": f"Please say the word {w} ({i})."}]
        yield messages, f"Yes: {w}, as you asked.", f"No. I will not say {w}."


def write(path, rows):
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    return path


def datasets(work):
    pairs = [{"input": {"messages": m}, "preferred_output": [{"role": "assistant", "content": good}],
              "non_preferred_output": [{"role": "assistant", "content": bad}]} for m, good, bad in prompts()]
    chats = [{"messages": m + [{"role": "assistant", "content": good}]} for m, good, _ in prompts()]
    return {"dpo": write(os.path.join(work, "pairs.jsonl"), pairs), "supervised": write(os.path.join(work, "chats.jsonl"), chats)}


def run(model, work, data, method, mode, n):
    out = os.path.join(work, f"{method}-{mode}-{n}")
    os.makedirs(out)
    spec = {"job_id": "bench", "base_model_path": model, "output_dir": out, "training_files": [{"path": data, "weight": 1.0}],
            "n_epochs": EPOCHS, "batch_size": BATCH, "seed": SEED, "training_mode": mode, "method": method,
            "beta": 0.1 if method == "dpo" else None, "learning_rate_multiplier": 0.1}
    events = []
    protocol.set_sink(events.append)
    started = time.time()
    try:
        run_training(TrainSpec(**spec), protocol.Commands())
    finally:
        protocol.set_sink(None)
    steps = [e for e in events if e["event"] == "step"]
    gaps = [b["elapsed_seconds"] - a["elapsed_seconds"] for a, b in zip(steps, steps[1:])]
    return {"step_s": statistics.median(gaps), "run_s": time.time() - started, "steps": len(steps)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="dpo-bench-")
    protocol.set_sink(lambda event: None)  # its model_created event is not this script's output
    try:
        model = make_tiny_model(os.path.join(work, "tiny"))
    finally:
        protocol.set_sink(None)
    data = datasets(work)
    best = {}
    for n in range(args.repeats):
        for mode in ("full", "lora"):
            for method in ("supervised", "dpo"):
                r = run(model, work, data[method], method, mode, n)
                key = f"{method}_{mode}"
                if key not in best or r["step_s"] < best[key]["step_s"]:
                    best[key] = r
    result = {k: {"step_ms": round(v["step_s"] * 1000, 1), "run_s": round(v["run_s"], 2), "steps": v["steps"]} for k, v in best.items()}
    for mode in ("full", "lora"):
        result[f"dpo_over_supervised_{mode}"] = round(best[f"dpo_{mode}"]["step_s"] / best[f"supervised_{mode}"]["step_s"], 2)
    result.update(pairs=N, batch_size=BATCH, epochs=EPOCHS, cpu_count=os.cpu_count())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
