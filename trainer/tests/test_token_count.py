"""The warm token counter counts what the trainer trains on, exactly, on two kinds of
tokenizer: selftune-tiny (bytes, BOS, its own template) and a BPE with ChatML and no BOS."""
import io
import json
import threading

import pytest
from bpe_chatml_model import make_bpe_chatml_model
from conftest import write_jsonl
from selftune_trainer.classifier.data import load_classifier_file
from selftune_trainer.data import load_file
from selftune_trainer.model_setup import load_tokenizer
from selftune_trainer.token_count import count_tokens
from selftune_trainer.token_count_server import serve

TOOLS = [{"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {"a": {"type": "number"}}}}}]
CALL = [{"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{\"a\": 1}"}}]
CHATS = [
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What colour is the sky?"},
                  {"role": "assistant", "content": "Blue."}]},
    {"messages": [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "skip", "weight": 0},
                  {"role": "user", "content": "Ünïcödé 🙂"}, {"role": "assistant", "content": "A2", "weight": 1}]},
    {"messages": [{"role": "user", "content": "add 1"}, {"role": "assistant", "content": None, "tool_calls": CALL},
                  {"role": "tool", "content": "2", "tool_call_id": "c1"}, {"role": "assistant", "content": "It is 2."}],
     "tools": TOOLS},
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "parts "}, {"type": "text", "text": "joined"}]},
                  {"role": "assistant", "content": "ok"}]},
]
COMPLETIONS = [{"prompt": "Q: hi", "completion": " A: yo"}, {"prompt": "The quick brown", "completion": " fox jumps."}]
TEXTS = [{"text": "The quick brown fox jumps over the lazy dog."}, {"text": "numbers 12345"}]
CLASSIFIER = [{"text": "the food was great", "labels": {"sentiment": "positive"}},
              {"messages": [{"role": "user", "content": "awful trip"}], "labels": {"sentiment": "negative"}}]
TARGETS = [{"name": "sentiment", "labels": ["positive", "negative"], "loss_function": "single_class"}]


@pytest.fixture(scope="module", params=["selftune-tiny", "bpe-chatml"])
def model_dir(request, tiny_model, tmp_path_factory):
    return tiny_model if request.param == "selftune-tiny" else make_bpe_chatml_model(str(tmp_path_factory.mktemp("bpe-chatml")))


def trainer_tokens(path, tokenizer):
    return sum(len(ex.input_ids) for ex in load_file(path, tokenizer, 10**9, "invalid_training_file").examples)


@pytest.mark.parametrize("rows", [CHATS, COMPLETIONS, TEXTS], ids=["chat", "completion", "text"])
def test_counts_equal_the_trainers_loaded_tokens(model_dir, tmp_path, rows):
    path = write_jsonl(tmp_path / "data.jsonl", rows)
    counted = count_tokens(model_dir, [path])["files"][0]
    assert counted == {"path": path, "examples": len(rows), "tokens": trainer_tokens(path, load_tokenizer(model_dir))}
    assert counted["tokens"] > 0


def test_classifier_counts_equal_the_trainers(model_dir, tmp_path):
    path = write_jsonl(tmp_path / "clf.jsonl", CLASSIFIER)
    examples = load_classifier_file(path, load_tokenizer(model_dir), 10**9, TARGETS, "invalid_training_file")
    assert count_tokens(model_dir, [path])["files"][0]["tokens"] == sum(len(ex.input_ids) for ex in examples)


def test_lines_the_trainer_would_not_train_on_are_not_counted(model_dir, tmp_path):
    untrainable = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 0}]}
    path = str(tmp_path / "mixed.jsonl")
    with open(path, "w") as f:
        f.write(json.dumps(TEXTS[0]) + "\n\nnot json\n" + json.dumps(untrainable) + "\n")
    assert count_tokens(model_dir, [path])["files"][0]["examples"] == 1


def run_server(requests, model_dir):
    """The serve loop over a fixed stdin; returns its answers in the order written."""
    answers = []
    lines = "".join(json.dumps(r) + "\n" for r in requests)

    class SlowEof(io.StringIO):  # EOF only once every request is answered, as a server would keep stdin open
        def __iter__(self):
            yield from io.StringIO(lines)
            done.wait(600)

    done = threading.Event()

    def emit(event, **fields):
        answers.append({"event": event, **fields})
        if sum(a["event"] in ("counted", "error") for a in answers) == len(requests):
            done.set()

    assert serve(SlowEof(), emit) == 0
    return answers


def test_the_server_answers_by_id_and_a_small_file_is_not_stuck_behind_a_large_one(model_dir, tmp_path):
    big = write_jsonl(tmp_path / "big.jsonl", CHATS * 1500)
    small = write_jsonl(tmp_path / "small.jsonl", TEXTS)
    answers = run_server([
        {"op": "count", "id": "big", "model": model_dir, "files": [big]},
        {"op": "count", "id": "small", "model": model_dir, "files": [small]},
        {"op": "count", "id": "missing", "model": model_dir, "files": [str(tmp_path / "nope.jsonl")]},
        {"op": "count", "id": "no-model", "model": str(tmp_path / "no-model"), "files": [small]},
    ], model_dir)
    assert answers[0] == {"event": "ready"}
    by_id = {a["id"]: a for a in answers[1:]}
    assert [a["id"] for a in answers[1:]][-1] == "big", "the large file finishes last"
    assert by_id["big"]["files"] == count_tokens(model_dir, [big])["files"]
    assert by_id["small"]["files"] == count_tokens(model_dir, [small])["files"]
    assert by_id["missing"]["event"] == "error" and by_id["missing"]["code"] == "file_not_found"
    assert by_id["no-model"]["event"] == "error" and by_id["no-model"]["code"] == "base_model_invalid"
