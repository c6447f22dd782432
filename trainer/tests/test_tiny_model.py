import json
import os

from transformers import AutoConfig, AutoTokenizer, GenerationConfig

from selftune_trainer import protocol
from selftune_trainer.tiny_model import make_tiny_model


def test_model_is_deterministic_and_loadable(tiny_model, tmp_path):
    protocol.set_sink(lambda e: None)
    try:
        again = make_tiny_model(str(tmp_path / "again"))
    finally:
        protocol.set_sink(None)
    with open(os.path.join(tiny_model, "model.safetensors"), "rb") as a, open(os.path.join(again, "model.safetensors"), "rb") as b:
        assert a.read() == b.read()
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".tiny-")]  # temp dir renamed away

    config = AutoConfig.from_pretrained(tiny_model)
    assert config.architectures == ["LlamaForCausalLM"] and config.max_position_embeddings == 2048
    tok = AutoTokenizer.from_pretrained(tiny_model)
    assert 260 <= len(tok) <= 300 and config.vocab_size == len(tok)
    end = tok.convert_tokens_to_ids("<|end|>")
    assert end in GenerationConfig.from_pretrained(tiny_model).eos_token_id
    assert (tok.bos_token, tok.eos_token, tok.pad_token) == ("<|bos|>", "<|eos|>", "<|pad|>")
    meta = json.load(open(os.path.join(tiny_model, "selftune.json")))
    assert meta["training_mode"] == "full" and meta["base_learning_rate"] == 1e-3


def test_chat_template_and_byte_tokens(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    text = tok.apply_chat_template([{"role": "user", "content": "hé"}], tokenize=False, add_generation_prompt=True)
    assert text == "<|bos|><|user|>hé<|end|><|assistant|>"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    # Specials are single tokens; "é" is two UTF-8 bytes, hence two tokens.
    assert len(ids) == 1 + 1 + 3 + 1 + 1
    assert tok.decode(ids) == text
