"""JSONL loading and tokenization with label masks (-100 = not trained).

Three line formats: chat ({"messages": [...]}: loss on assistant turns only),
prompt/completion (loss on completion + eos) and text (loss on everything).
"""
import json
import os
from dataclasses import dataclass

from .errors import TrainerError
from .protocol import log

IGNORE = -100


@dataclass
class Example:
    input_ids: list
    labels: list  # aligned with input_ids; the loss shifts them by one
    source: str  # "file.jsonl line N", for messages

    @property
    def n_trained(self):
        return sum(1 for label in self.labels[1:] if label != IGNORE)


@dataclass
class LoadResult:
    examples: list
    truncated: list  # sources of examples cut to max_seq_len
    untrainable: list  # sources dropped because no token is trained


def encoded_lines(path, code, encode):
    """(source, encode(record)) for each non-blank line of a JSONL file, `source` naming the line.

    A missing file, or a line that is not JSON or cannot be encoded, fails with `code`
    (invalid_training_file, ...), naming the line."""
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise TrainerError(code, f"{path} does not exist")
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                encoded = encode(read_json_line(line))
            except TrainerError:
                raise
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                raise TrainerError(code, f"{path} line {line_no}: {e}")
            yield f"{name} line {line_no}", encoded


def load_file(path, tokenizer, max_seq_len, code):
    """Tokenize one JSONL file; `code` names the failure (invalid_training_file, ...)."""
    result = LoadResult([], [], [])
    for source, (ids, labels) in encoded_lines(path, code, lambda record: encode_record(record, tokenizer)):
        if len(ids) > max_seq_len:
            ids, labels = ids[:max_seq_len], labels[:max_seq_len]
            result.truncated.append(source)
        example = Example(ids, labels, source)
        if example.n_trained == 0:
            result.untrainable.append(source)
            continue
        result.examples.append(example)
    return result


def read_json_line(line):
    """One JSONL line; nesting too deep for Python's parser is a ValueError (so it names its line), not a crash.

    The server refuses such lines when it validates a file; this is the backstop.
    """
    try:
        return json.loads(line)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply to read") from None


def encode_record(record, tokenizer):
    if not isinstance(record, dict):
        raise ValueError("line is not a JSON object")
    if "messages" in record:
        segments = chat_segments(record, tokenizer)
    elif "prompt" in record and "completion" in record:
        prompt, completion = record["prompt"], record["completion"]
        if not isinstance(prompt, str) or not isinstance(completion, str):
            raise ValueError("prompt and completion must be strings")
        segments = [(_bos(tokenizer), False), (prompt, False), (completion, True), (_eos(tokenizer), True)]
    elif "text" in record:
        if not isinstance(record["text"], str):
            raise ValueError("text must be a string")
        segments = [(_bos(tokenizer), True), (record["text"], True), (_eos(tokenizer), True)]
    else:
        raise ValueError('expected "messages", "prompt" + "completion", or "text"')
    ids, labels = [], []
    for piece, trained in segments:
        # Each segment is tokenized on its own so mask boundaries are exact for
        # any tokenizer; it also matches inference, where the prompt is encoded
        # alone and the reply is generated token by token.
        piece_ids = piece if isinstance(piece, list) else tokenizer(piece, add_special_tokens=False)["input_ids"]
        ids.extend(piece_ids)
        labels.extend(piece_ids if trained else [IGNORE] * len(piece_ids))
    return ids, labels


def chat_segments(record, tokenizer):
    """Split the rendered conversation into (text, trained) pieces.

    Assistant spans are found by rendering prefixes of the conversation: the
    span of message i runs from the end of render(messages[:i], generation
    prompt) to the end of render(messages[:i+1]); so it covers the reply and
    whatever the template closes it with (e.g. <|end|>), but not the header.
    """
    if not tokenizer.chat_template:
        raise TrainerError("unsupported_model", "the base model's tokenizer has no chat template, so chat-format data can't be used")
    raw = record["messages"]
    if not isinstance(raw, list) or not raw:
        raise ValueError("messages must be a non-empty list")
    tool_aware = "tool_calls" in str(tokenizer.chat_template)
    messages = [_normalize(m, tool_aware) for m in raw]
    tools = record.get("tools") or None

    def render(msgs, gen):
        return tokenizer.apply_chat_template(msgs, tools=tools, tokenize=False, add_generation_prompt=gen)

    full = render(messages, False)
    spans = []
    for i, (msg, original) in enumerate(zip(messages, raw)):
        if msg["role"] != "assistant" or original.get("weight", 1) == 0:
            continue
        head = render(messages[:i], True) if i else _empty_prefix(render)
        end_text = render(messages[: i + 1], False)
        start = len(head)
        if not (full.startswith(head) and full.startswith(end_text) and start <= len(end_text)):
            raise TrainerError("unsupported_model", "the chat template renders conversations differently depending on "
                               "later messages, so assistant tokens can't be located for the loss mask")
        spans.append((start, len(end_text)))
    segments, cursor = [], 0
    for start, end in spans:
        segments += [(full[cursor:start], False), (full[start:end], True)]
        cursor = end
    segments.append((full[cursor:], False))
    return [(text, trained) for text, trained in segments if text]


def _empty_prefix(render):
    # Templates differ on rendering zero messages; no prefix at all is the safe answer.
    try:
        return render([], True)
    except Exception:
        return ""


def _normalize(message, tool_aware):
    if not isinstance(message, dict) or not isinstance(message.get("role"), str):
        raise ValueError("each message must be an object with a string role")
    msg = {k: v for k, v in message.items() if k != "weight"}
    content = msg.get("content")
    if isinstance(content, list):  # OpenAI content parts: keep the text
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    msg["content"] = content if isinstance(content, str) else ""
    if msg.get("tool_calls") and not tool_aware:
        msg["content"] += json.dumps(msg.pop("tool_calls"), ensure_ascii=False)
    return msg


def _bos(tokenizer):
    return [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []


def _eos(tokenizer):
    return [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []


def warn_skipped(sources, what):
    """One warning naming the lines (`sources`) that `what` happened to, if any."""
    if sources:
        log("warn", f"{len(sources)} {what}: {describe_sources(sources)}")


def describe_sources(sources, limit=10):
    shown = ", ".join(sources[:limit])
    return shown + (f" and {len(sources) - limit} more" if len(sources) > limit else "")
