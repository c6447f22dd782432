"""How long the demo model must train before it answers what it was taught.

Trains selftune-tiny (built fresh, in full, base rate 1e-3) on the demo data
(src/demo/demo-data.ts: 24 question/answer pairs) with each given setting, then
asks every trained question greedily and counts exact answers. This is the
measurement behind the "auto" epochs rule (src/jobs/hyperparameters.ts).

Usage: .venv/bin/python bench/demo_learning.py ['{"n_epochs": 42, "warmup_fraction": 0.1}' ...]
Each argument overrides the spec (n_epochs, batch_size, learning_rate_multiplier,
warmup_fraction, seed); without arguments the settings of bench/RESULTS.md run.
Prints one JSON line per setting.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "trainer"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from selftune_trainer import protocol  # noqa: E402
from selftune_trainer.loop import run_training  # noqa: E402
from selftune_trainer.spec import load_spec  # noqa: E402
from selftune_trainer.tiny_model import make_tiny_model  # noqa: E402

SETTINGS = [
    {"n_epochs": 4},  # OpenAI's floor of 100 examples seen
    {"n_epochs": 15},
    {"n_epochs": 25},
    {"n_epochs": 25, "warmup_fraction": 0.1},
    {"n_epochs": 25, "warmup_fraction": 0.1, "learning_rate_multiplier": 2},
    {"n_epochs": 42, "warmup_fraction": 0.1},  # selftune's rule: at least 1000 examples seen
]


def demo_jsonl(work):
    path = os.path.join(work, "demo.jsonl")
    script = "import('./src/demo/demo-data.ts').then((m) => process.stdout.write(m.demoTrainingJsonl()))"
    with open(path, "w") as f:
        subprocess.run(["node", "--import", "tsx", "--eval", script], cwd=ROOT, stdout=f, check=True)
    return path


def train(work, model, data, setting):
    out = tempfile.mkdtemp(dir=work)
    spec = {"job_id": "bench", "base_model_path": model, "output_dir": out, "training_files": [{"path": data, "weight": 1}],
            "n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 1.0, "warmup_fraction": 0.0, "lr_decay": "linear",
            "seed": 42, **setting}
    spec_path = os.path.join(out, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    losses = []
    protocol.set_sink(lambda e: losses.append(e["train_loss"]) if e.get("event") == "step" else None)
    started = time.time()
    run_training(load_spec(spec_path), SimpleNamespace(cancel=threading.Event(), pause=threading.Event()))
    return os.path.join(out, "final"), losses, time.time() - started


@torch.no_grad()
def wrong_answers(final, data):
    tokenizer = AutoTokenizer.from_pretrained(final)
    model = AutoModelForCausalLM.from_pretrained(final).eval()
    wrong = []
    with open(data) as f:
        for line in f:
            messages = json.loads(line)["messages"]
            ids = tokenizer.apply_chat_template(messages[:2], add_generation_prompt=True, return_tensors="pt", return_dict=True)["input_ids"]
            answer = tokenizer.decode(model.generate(ids, max_new_tokens=24, do_sample=False)[0, ids.shape[1]:], skip_special_tokens=True)
            if answer != messages[2]["content"]:
                wrong.append([messages[1]["content"], answer])
    return wrong


def main(argv):
    torch.set_num_threads(1)
    settings = [json.loads(a) for a in argv] or SETTINGS
    with tempfile.TemporaryDirectory() as work:
        protocol.set_sink(lambda e: None)
        model = make_tiny_model(os.path.join(work, "tiny"))
        data = demo_jsonl(work)
        for setting in settings:
            final, losses, seconds = train(work, model, data, setting)
            wrong = wrong_answers(final, data)
            print(json.dumps({**setting, "steps": len(losses), "final_loss": round(sum(losses[-24:]) / 24, 4),
                              "exact_answers": f"{24 - len(wrong)}/24", "train_seconds": round(seconds, 1), "wrong": wrong}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
