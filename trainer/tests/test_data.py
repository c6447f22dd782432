import pytest
from transformers import AutoTokenizer

from conftest import make_spec, of, run_inprocess, write_jsonl
from selftune_trainer.batches import Batcher, collate
from selftune_trainer.data import IGNORE, Example, encode_record, load_file
from selftune_trainer.errors import TrainerError


def trained_text(tok, ids, labels):
    return tok.decode([i for i, label in zip(ids, labels) if label != IGNORE])


def test_chat_loss_only_on_assistant_turns_and_weight_zero(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    record = {"messages": [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "skip", "weight": 0},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "A2"},
    ]}
    ids, labels = encode_record(record, tok)
    assert tok.decode(ids) == "<|bos|><|system|>sys<|end|><|user|>q1<|end|><|assistant|>skip<|end|><|user|>q2<|end|><|assistant|>A2<|end|>"
    # Exactly the final reply and its closing <|end|> are trained; its position is the tail.
    assert trained_text(tok, ids, labels) == "A2<|end|>"
    assert [i for i, label in enumerate(labels) if label != IGNORE] == list(range(len(ids) - 3, len(ids)))
    assert all(labels[i] == ids[i] for i in range(len(ids) - 3, len(ids)))


def test_every_weighted_assistant_turn_is_trained(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    record = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "B"},
                           {"role": "user", "content": "c"}, {"role": "assistant", "content": "D", "weight": 1}]}
    ids, labels = encode_record(record, tok)
    assert trained_text(tok, ids, labels) == "B<|end|>D<|end|>"


def test_tool_calls_are_rendered_and_trained(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    call = [{"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{\"a\": 1}"}}]
    record = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": None, "tool_calls": call},
                           {"role": "tool", "content": "2", "tool_call_id": "c1"}, {"role": "assistant", "content": "2"}],
              "tools": [{"type": "function", "function": {"name": "add"}}]}
    ids, labels = encode_record(record, tok)
    text = trained_text(tok, ids, labels)
    assert '"name": "add"' in text and text.endswith("<|end|>2<|end|>")
    assert "<|tool|>" not in text


def test_prompt_completion_and_text_masks(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    ids, labels = encode_record({"prompt": "Q: hi", "completion": " A: yo"}, tok)
    assert tok.decode(ids) == "<|bos|>Q: hi A: yo<|eos|>"
    assert trained_text(tok, ids, labels) == " A: yo<|eos|>"
    ids, labels = encode_record({"text": "abc"}, tok)
    assert labels == ids and tok.decode(ids) == "<|bos|>abc<|eos|>"


def test_truncation_keeps_the_start_and_reports_lines(tiny_model, tmp_path):
    rows = [{"text": "x" * (100 if i % 2 == 0 else 5)} for i in range(30)]
    path = write_jsonl(tmp_path / "long.jsonl", rows)
    tok = AutoTokenizer.from_pretrained(tiny_model)
    result = load_file(path, tok, 50, "invalid_training_file")
    assert len(result.truncated) == 15 and result.truncated[0] == "long.jsonl line 1"
    assert max(len(ex.input_ids) for ex in result.examples) == 50
    assert result.examples[0].input_ids[0] == tok.bos_token_id

    spec = make_spec(tiny_model, tmp_path, n_valid=0, training_files=[{"path": path, "weight": 1}],
                     max_seq_len=50, training_steps=1, n_epochs=None)
    code, events = run_inprocess(spec)
    warnings = [e["message"] for e in of(events, "log") if e["level"] == "warn"]
    assert code == 0 and len(warnings) == 1
    assert warnings[0].startswith("15 example(s)") and "line 19 and 5 more" in warnings[0]


def test_weighted_files_and_deterministic_epochs():
    a = [Example([1, 2], [1, 2], f"a{i}") for i in range(10)]
    b = [Example([1, 2, 3], [1, 2, 3], f"b{i}") for i in range(10)]
    batcher = Batcher([a, b], [3.0, 1.0], batch_size=4, seed=5)
    order = batcher.epoch_order(0)
    assert len(order) == 20 and sum(ex.source.startswith("a") for ex in order) == 15
    again = Batcher([a, b], [3.0, 1.0], batch_size=4, seed=5)
    assert [ex.source for ex in again.epoch_order(1)] == [ex.source for ex in batcher.epoch_order(1)]
    assert [ex.source for ex in batcher.epoch_order(1)] != [ex.source for ex in order]
    assert batcher.steps_per_epoch == 5 and len(batcher.batch(4)) == 4

    batch = collate(b[:1] + a[:1], pad_id=0)
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["labels"][1, 2].item() == IGNORE


def test_mask_with_a_header_style_template(tiny_model):
    # Llama-3-like layout: header + blank line before content, end token after it.
    tok = AutoTokenizer.from_pretrained(tiny_model)
    tok.chat_template = (
        "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>\n\n{{ m['content'] }}<|end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n\n{% endif %}"
    )
    ids, labels = encode_record({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}, tok)
    assert trained_text(tok, ids, labels) == "yo<|end|>\n"


def test_a_model_without_chat_template_trains_with_the_fallback(tiny_model, tmp_path):
    import os
    import shutil

    from selftune_trainer.model_setup import FALLBACK_CHAT_TEMPLATE, load_tokenizer

    bare = tmp_path / "bare-model"
    shutil.copytree(tiny_model, bare)
    os.remove(bare / "chat_template.jinja")  # a pretrained-only model: no chat template at all
    assert not AutoTokenizer.from_pretrained(bare).chat_template
    tok = load_tokenizer(str(bare))
    assert tok.chat_template == FALLBACK_CHAT_TEMPLATE
    ids, labels = encode_record({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "A"}]}, tok)
    assert trained_text(tok, ids, labels) == f"A{tok.eos_token}\n"  # the reply and the end token that stops generation
    spec = make_spec(str(bare), tmp_path, name="bare", n_epochs=1)
    code, events = run_inprocess(spec)
    assert code == 0 and of(events, "completed")
    saved = AutoTokenizer.from_pretrained(os.path.join(of(events, "completed")[0]["path"]))
    assert saved.chat_template == FALLBACK_CHAT_TEMPLATE, "the fine-tuned model is called the way it was trained"


def test_a_line_nested_too_deeply_names_its_line(tiny_model, tmp_path):
    # The server refuses such lines when it validates the file; the trainer still says which line if one gets through.
    deep = '{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = tmp_path / "deep.jsonl"
    path.write_text('{"text": "fine"}\n' + deep + "\n")
    tok = AutoTokenizer.from_pretrained(tiny_model)
    with pytest.raises(TrainerError) as e:
        load_file(str(path), tok, 50, "invalid_training_file")
    assert e.value.code == "invalid_training_file"
    assert "line 2: the JSON is nested too deeply to read" in e.value.message
