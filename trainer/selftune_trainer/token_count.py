"""`count-tokens --model DIR FILE...`: examples and tokens per JSONL file with the model's tokenizer,
for the job estimate (Mistral's metadata) before any training runs."""
import json

from .classifier.data import encode_input
from .data import encode_record
from .model_setup import load_tokenizer


def count_tokens(model_dir, paths):
    tokenizer = load_tokenizer(model_dir)
    out = []
    for path in paths:
        examples, tokens = 0, 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    ids = encode_input(record, tokenizer, 10**9) if "labels" in record else encode_record(record, tokenizer)[0]
                except Exception:  # noqa: BLE001 - invalid lines are the validator's business, not counted
                    continue
                examples, tokens = examples + 1, tokens + len(ids)
        out.append({"path": path, "examples": examples, "tokens": tokens})
    return {"files": out}
