"""Classifier JSONL: {"text"|"messages": ..., "labels": {target: label | [labels]}}."""
from dataclasses import dataclass

from ..data import encoded_lines


@dataclass
class ClassifierExample:
    input_ids: list
    # target name -> label index (single_class) or list of label indices (multi_class)
    targets: dict
    source: str


def input_text(record, tokenizer):
    """The text a classifier sees: the raw text, or the conversation rendered by the chat template."""
    if isinstance(record.get("text"), str):
        return record["text"]
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError('expected "text" or a non-empty "messages" list')
    if tokenizer.chat_template:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    return "\n".join(f"{m.get('role')}: {m.get('content')}" for m in messages)


def encode_input(record, tokenizer, max_seq_len):
    ids = tokenizer(input_text(record, tokenizer), add_special_tokens=False)["input_ids"]
    if tokenizer.bos_token_id is not None:
        ids = [tokenizer.bos_token_id] + ids
    return ids[:max_seq_len]


def encode_labels(labels, targets):
    """Label names -> indices per target; unknown targets or labels are errors."""
    if not isinstance(labels, dict) or not labels:
        raise ValueError('"labels" must be an object naming at least one target')
    by_name = {t["name"]: t for t in targets}
    out = {}
    for name, value in labels.items():
        target = by_name.get(name)
        if target is None:
            raise ValueError(f"unknown classifier target '{name}'")
        values = value if isinstance(value, list) else [value]
        unknown = [v for v in values if v not in target["labels"]]
        if unknown:
            raise ValueError(f"label {unknown[0]!r} is not one of target '{name}' labels")
        indices = [target["labels"].index(v) for v in values]
        out[name] = indices if target["loss_function"] == "multi_class" else indices[0]
    return out


def load_classifier_file(path, tokenizer, max_seq_len, targets, code):
    encode = lambda record: (encode_input(record, tokenizer, max_seq_len), encode_labels(record.get("labels"), targets))  # noqa: E731
    return [ClassifierExample(ids, labels, source) for source, (ids, labels) in encoded_lines(path, code, encode)]
