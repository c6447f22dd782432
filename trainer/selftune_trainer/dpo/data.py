"""Preference JSONL: {"input": {"messages", "tools"?}, "preferred_output": [msg], "non_preferred_output": [msg]}.

Each side of a pair is the prompt (the input conversation through the chat template,
ending in the generation prompt) followed by one assistant answer. It is encoded with
the chat encoder (data.encode_record) with every input assistant turn at weight 0, so
the labels mark the answer's tokens only, exactly as a supervised job would train them.
"""
from dataclasses import dataclass, field

from ..data import Example, encode_record, encoded_lines

# The 2025-04 spec's names for the outputs; the server accepts both (datasets/preference.schema.ts).
OUTPUT_KEYS = (("preferred_output", "preferred_completion"), ("non_preferred_output", "non_preferred_completion"))


@dataclass
class PairExample:
    chosen: Example
    rejected: Example
    source: str
    # Answer log-probabilities under the frozen reference, when computed ahead (full fine-tuning).
    ref_logps: tuple = field(default=None)

    @property
    def input_ids(self):
        """Both sequences: what batch budgets and trained_tokens count for a pair."""
        return self.chosen.input_ids + self.rejected.input_ids


def _output(record, keys):
    for key in keys:
        if key in record:
            value = record[key]
            if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
                raise ValueError(f"{key} must be a list holding exactly one assistant message")
            if value[0].get("role") != "assistant":
                raise ValueError(f"{key}[0].role must be 'assistant'")
            return {k: v for k, v in value[0].items() if k != "weight"}
    raise ValueError(f"missing {keys[0]}")


def encode_pair(record, tokenizer, max_seq_len):
    """(chosen, rejected) Examples, each cut to max_seq_len; the bool says whether either was cut."""
    if not isinstance(record, dict) or not isinstance(record.get("input"), dict):
        raise ValueError('expected an "input" object with messages')
    inp = record["input"]
    messages = inp.get("messages")
    if not isinstance(messages, list):
        raise ValueError("input.messages must be a list")
    # Only the answer is scored: assistant turns of the prompt are context.
    prompt = [{**m, "weight": 0} if isinstance(m, dict) and m.get("role") == "assistant" else m for m in messages]
    sides, truncated = [], False
    for keys in OUTPUT_KEYS:
        ids, labels = encode_record({"messages": prompt + [_output(record, keys)], "tools": inp.get("tools")}, tokenizer)
        truncated |= len(ids) > max_seq_len
        sides.append((ids[:max_seq_len], labels[:max_seq_len]))
    return sides, truncated


def load_pair_file(path, tokenizer, max_seq_len, code):
    """(pairs, truncated sources, dropped sources): a pair whose answer was cut away entirely is dropped."""
    pairs, truncated, dropped = [], [], []
    for source, (sides, cut) in encoded_lines(path, code, lambda record: encode_pair(record, tokenizer, max_seq_len)):
        chosen, rejected = (Example(ids, labels, source) for ids, labels in sides)
        if cut:
            truncated.append(source)
        if chosen.n_trained == 0 or rejected.n_trained == 0:
            dropped.append(source)
            continue
        pairs.append(PairExample(chosen, rejected, source))
    return pairs, truncated, dropped
