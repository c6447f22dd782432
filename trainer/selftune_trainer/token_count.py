"""Examples and tokens per JSONL file with a model's tokenizer, for the job estimate
(Mistral's metadata) before any training runs.

Counts are the trainer's by construction: each line goes through the encoding the
trainer uses (`encode_record`, or `encode_input` for classifier lines) and, like
`load_file`, an example with no trained token is not counted. Lines the trainer
would refuse are the validator's business and are skipped here.
"""
import json
import time

from .classifier.data import encode_input
from .data import Example, encode_record
from .model_setup import load_tokenizer


def count_tokens(model_dir, paths):
    """`count-tokens --model DIR FILE...`: the one-shot form, all files at once."""
    tokenizer = load_tokenizer(model_dir)
    return {"files": [_drain(count_file(path, tokenizer)) for path in paths]}


def count_file(path, tokenizer, slice_s=None):
    """Counts one file, a line at a time; with `slice_s`, yields whenever that long has
    passed, so a caller can interleave other work. Returns {path, examples, tokens}."""
    examples, tokens = 0, 0
    deadline = time.monotonic() + slice_s if slice_s else None
    with open(path, encoding="utf-8") as f:
        for line in f:
            n = line_tokens(line, tokenizer)
            if n is not None:
                examples, tokens = examples + 1, tokens + n
            if deadline is not None and time.monotonic() >= deadline:
                yield
                deadline = time.monotonic() + slice_s
    return {"path": path, "examples": examples, "tokens": tokens}


def line_tokens(line, tokenizer):
    """The tokens the trainer trains on for one line, or None when it is no example."""
    if not line.strip():
        return None
    try:
        record = json.loads(line)
        if "labels" in record:
            return len(encode_input(record, tokenizer, 10**9))
        ids, labels = encode_record(record, tokenizer)
    except Exception:  # noqa: BLE001 - invalid lines are the validator's business, not counted
        return None
    return len(ids) if Example(ids, labels, "").n_trained else None


def _drain(gen):
    while True:
        try:
            next(gen)
        except StopIteration as done:
            return done.value
