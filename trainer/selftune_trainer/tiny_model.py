"""`make-tiny-model`: a deterministic, random-initialised Llama demo model (selftune-tiny).

It exists so the whole stack can be exercised without downloading weights; it
learns small datasets quickly but knows nothing.
"""
import json
import os
import shutil
import tempfile

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from . import protocol

SPECIAL_TOKENS = ["<|bos|>", "<|eos|>", "<|pad|>", "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>", "<|end|>"]

# Role tokens open a message and <|end|> closes it, so the assistant turn the
# model must learn to produce ends in <|end|> (a generation stop token).
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% if tools %}<|system|>Tools: {{ tools | tojson }}<|end|>{% endif %}"
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% elif message['content'] %}{% for part in message['content'] %}{{ part['text'] }}{% endfor %}{% endif %}"
    "{% if message['tool_calls'] %}{{ message['tool_calls'] | tojson }}{% endif %}"
    "<|end|>"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)

SEED = 1234


def build_tokenizer():
    # Byte-level BPE without merges: every byte is one token. Deterministic and
    # needs no training, at the cost of long sequences (fine for a demo model).
    byte_chars = sorted(pre_tokenizers.ByteLevel.alphabet(), key=_byte_order())
    vocab = {ch: i for i, ch in enumerate(byte_chars)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIAL_TOKENS)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|bos|>",
        eos_token="<|eos|>",
        pad_token="<|pad|>",
        additional_special_tokens=SPECIAL_TOKENS[3:],
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.model_max_length = 2048
    return fast


def _byte_order():
    # GPT-2's byte->unicode table, so token id == byte value for ids 0..255.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    order = {chr(c): b for b, c in zip(bs, cs)}
    return lambda ch: order[ch]


def build_model(tokenizer):
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=128,
        intermediate_size=512,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=2048,
        bos_token_id=ids["<|bos|>"],
        eos_token_id=[ids["<|eos|>"], ids["<|end|>"]],
        pad_token_id=ids["<|pad|>"],
        tie_word_embeddings=False,
    )
    torch.manual_seed(SEED)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=ids["<|bos|>"], eos_token_id=[ids["<|eos|>"], ids["<|end|>"]], pad_token_id=ids["<|pad|>"]
    )
    return model


def make_tiny_model(out_dir):
    out_dir = os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tokenizer = build_tokenizer()
    model = build_model(tokenizer)
    tmp = tempfile.mkdtemp(prefix=".tiny-", dir=parent)
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        with open(os.path.join(tmp, "selftune.json"), "w") as f:
            json.dump(
                {
                    "description": "selftune-tiny: random-initialised demo model (Llama architecture, "
                    "byte-level tokenizer); it knows nothing until fine-tuned",
                    # Full fine-tuning: LoRA saves nothing on 1M parameters and learns slower.
                    "training_mode": "full",
                    "base_learning_rate": 1e-3,
                },
                f,
                indent=2,
            )
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    n_params = sum(p.numel() for p in model.parameters())
    protocol.emit("model_created", path=out_dir, parameters=n_params)
    return out_dir
