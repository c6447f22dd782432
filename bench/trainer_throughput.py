"""Throughput of the selftune trainer vs a plain Hugging Face Trainer on selftune-tiny.

Both train the same 24 deterministic chat examples (same tokenization and label
masks) for 3 epochs at batch size 1, same LR, schedule, clipping and seed.
Runs offline. Usage: .venv/bin/python bench/trainer_throughput.py [--repeats N]
The two trainers run alternately N times (default 2) and the best run of each
is reported, which damps noise from other processes on a shared machine.
Prints one JSON object.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINER = os.path.join(ROOT, "trainer")
sys.path.insert(0, TRAINER)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

N_EXAMPLES, EPOCHS, BATCH, LR, SEED = 24, 3, 1, 1e-3, 42


def chat_examples():
    rng = random.Random(0)
    rows = []
    for _ in range(N_EXAMPLES):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        rows.append({"messages": [
            {"role": "system", "content": "You are a calculator. Answer with the sum only."},
            {"role": "user", "content": f"What is {a} plus {b}?"},
            {"role": "assistant", "content": f"{a} + {b} = {a + b}"},
        ]})
    return rows


def make_model(work):
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "selftune_trainer", "make-tiny-model", "--out", os.path.join(work, "tiny")],
                         env=dict(os.environ, PYTHONPATH=TRAINER), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])["path"], time.time() - started


def run_ours(work, model, data_path):
    spec = {"job_id": "bench", "base_model_path": model, "output_dir": os.path.join(work, "run"),
            "training_files": [{"path": data_path, "weight": 1.0}], "n_epochs": EPOCHS, "batch_size": BATCH,
            "learning_rate": LR, "seed": SEED, "training_mode": "full", "keep_checkpoints": 3}
    os.makedirs(spec["output_dir"])
    spec_path = os.path.join(work, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    started = time.time()
    # stdin stays an open pipe: the worker treats EOF on stdin as "server died".
    proc = subprocess.Popen([sys.executable, "-m", "selftune_trainer", "train", "--spec", spec_path],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, PYTHONPATH=TRAINER))
    events = [json.loads(line) for line in proc.stdout]
    proc.wait()
    wall = time.time() - started
    steps = [e for e in events if e["event"] == "step"]
    assert events[-1]["event"] == "completed", events[-1]
    return {"tokens_per_second": steps[-1]["tokens_per_second"], "train_seconds": steps[-1]["elapsed_seconds"],
            "wall_seconds": wall, "tokens": steps[-1]["trained_tokens"], "final_train_loss": steps[-1]["train_loss"]}


def run_hf(work, model, rows):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

    from selftune_trainer.batches import collate
    from selftune_trainer.data import Example, encode_record
    from selftune_trainer.device import cpu_threads

    if not torch.cuda.is_available():
        torch.set_num_threads(cpu_threads())  # the same thread count our worker uses

    started = time.time()
    tok = AutoTokenizer.from_pretrained(model)
    examples = [Example(*encode_record(r, tok), source=str(i)) for i, r in enumerate(rows)]
    torch.manual_seed(SEED)
    lm = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32)
    args = TrainingArguments(
        output_dir=os.path.join(work, "hf"), num_train_epochs=EPOCHS, per_device_train_batch_size=BATCH,
        learning_rate=LR, lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0,
        seed=SEED, report_to="none", save_strategy="no", eval_strategy="no", logging_strategy="no",
        disable_tqdm=True, remove_unused_columns=False, dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
    )
    pad = tok.pad_token_id
    trainer = Trainer(model=lm, args=args, train_dataset=examples, data_collator=lambda batch: collate(batch, pad))
    result = trainer.train()
    wall = time.time() - started
    tokens = EPOCHS * sum(len(ex.input_ids) for ex in examples)
    runtime = result.metrics["train_runtime"]
    return {"tokens_per_second": tokens / runtime, "train_seconds": runtime, "wall_seconds": wall, "tokens": tokens,
            "final_train_loss": result.metrics.get("train_loss")}


def main():
    from selftune_trainer.device import cpu_threads

    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 2
    with tempfile.TemporaryDirectory() as work:
        rows = chat_examples()
        data_path = os.path.join(work, "train.jsonl")
        with open(data_path, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        model, make_seconds = make_model(work)
        ours_runs, hf_runs = [], []
        for i in range(repeats):
            ours_runs.append(run_ours(os.path.join(work, f"ours-{i}"), model, data_path))
            hf_runs.append(run_hf(os.path.join(work, f"hf-{i}"), model, rows))
    ours = max(ours_runs, key=lambda r: r["tokens_per_second"])
    hf = max(hf_runs, key=lambda r: r["tokens_per_second"])
    print(json.dumps({
        "setup": {"model": "selftune-tiny", "examples": N_EXAMPLES, "epochs": EPOCHS, "batch_size": BATCH,
                  "learning_rate": LR, "seed": SEED},
        "make_tiny_model_seconds": round(make_seconds, 2),
        "cpu_threads": cpu_threads(),
        "selftune": {k: round(v, 4) if isinstance(v, float) else v for k, v in ours.items()},
        "hf_trainer": {k: round(v, 4) if isinstance(v, float) else v for k, v in hf.items()},
        "speedup": round(ours["tokens_per_second"] / hf["tokens_per_second"], 2),
        "all_tokens_per_second": {"selftune": [round(r["tokens_per_second"], 1) for r in ours_runs],
                                  "hf_trainer": [round(r["tokens_per_second"], 1) for r in hf_runs]},
    }, indent=None))


if __name__ == "__main__":
    main()
