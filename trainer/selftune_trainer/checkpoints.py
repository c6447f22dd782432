"""Checkpoint directories: checkpoints/step-N/, resume/ and final/, all written atomically."""
import json
import os
import re
import shutil
import tempfile

import torch

STEP_DIR = re.compile(r"^step-(\d+)$")


def save_training_dir(dest, model, tokenizer, state, weights=None):
    """model/ (full weights or LoRA adapter, plus tokenizer) and trainer_state.pt.
    `weights`: the full state dict when the model itself holds only a shard (FSDP)."""

    def fill(tmp):
        _save_model(model, os.path.join(tmp, "model"), weights)
        tokenizer.save_pretrained(os.path.join(tmp, "model"))
        torch.save(state, os.path.join(tmp, "trainer_state.pt"))

    _atomic_dir(dest, fill)


def save_final(dest, model, tokenizer, info, weights=None):
    def fill(tmp):
        _save_model(model, tmp, weights)
        tokenizer.save_pretrained(tmp)
        with open(os.path.join(tmp, "selftune_model.json"), "w") as f:
            json.dump(info, f, indent=2)

    _atomic_dir(dest, fill)


def _save_model(model, path, weights=None):
    # A LoRA adapter names its base by model id; left to "auto", peft would look
    # that id up on the Hub to see whether the vocabulary grew (selftune never resizes it).
    extra = {"save_embedding_layers": False} if hasattr(model, "peft_config") else {}
    # Only sharded (FSDP) models pass their gathered weights; the classifier's save_pretrained takes none.
    if weights is not None:
        extra["state_dict"] = weights
    model.save_pretrained(path, safe_serialization=True, **extra)


def load_state(path):
    # Our own file; it holds numpy/python RNG tuples, so full unpickling is needed.
    return torch.load(os.path.join(path, "trainer_state.pt"), map_location="cpu", weights_only=False)


def list_checkpoints(output_dir):
    root = os.path.join(output_dir, "checkpoints")
    if not os.path.isdir(root):
        return []
    found = []
    for name in os.listdir(root):
        match = STEP_DIR.match(name)
        if match and os.path.isfile(os.path.join(root, name, "trainer_state.pt")):
            found.append((int(match.group(1)), os.path.join(root, name)))
    return sorted(found)


def checkpoint_path(output_dir, step):
    return os.path.join(output_dir, "checkpoints", f"step-{step}")


def resume_path(output_dir):
    return os.path.join(output_dir, "resume")


def find_resume_point(output_dir, max_step=None):
    """The newest of resume/ and checkpoints/step-N as (step, path), or None;
    with `max_step`, the newest at or below it."""
    candidates = list_checkpoints(output_dir)
    pause_dir = resume_path(output_dir)
    if os.path.isfile(os.path.join(pause_dir, "trainer_state.pt")):
        candidates.append((load_state(pause_dir)["step"], pause_dir))
    if max_step is not None:
        candidates = [c for c in candidates if c[0] <= max_step]
    # On a tie prefer resume/: it is never older than the checkpoint of the same step.
    return max(candidates, key=lambda c: (c[0], c[1] == pause_dir), default=None)


def clear_previous_run(output_dir):
    """Remove restart points of an earlier run (resume: false): a stale step-N
    would otherwise outrank this run's checkpoints in pruning and resuming."""
    removed = []
    for name in ("checkpoints", "resume", "final"):
        path = os.path.join(output_dir, name)
        if os.path.exists(path):
            shutil.rmtree(path)
            removed.append(name)
    return removed


def prune_checkpoints(output_dir, keep):
    """Delete all but the newest `keep` checkpoints; returns the removed steps."""
    removed = []
    for step, path in list_checkpoints(output_dir)[:-keep]:
        shutil.rmtree(path)
        removed.append(step)
    return removed


def _atomic_dir(dest, fill):
    # Build in a sibling temp dir then rename: a crash never leaves a half-written checkpoint.
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(dest)}.tmp-", dir=parent)
    try:
        fill(tmp)
        old = None
        if os.path.exists(dest):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(dest)}.old-", dir=parent)
            os.rename(dest, os.path.join(old, "x"))
        os.rename(tmp, dest)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
