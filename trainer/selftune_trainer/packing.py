"""Forward-pass inputs: padding-free packed rows, or padded rows, with labels already shifted.

Packed: a pass's examples are concatenated into one row; position_ids restart at 0
for each example and attention stays inside each example. Transformers' own SDPA
path would honour that too (it detects packing from position_ids) but through a
dense row x row mask, so its attention costs grow with the square of the whole
row; the `selftune_packed` attention below runs causal SDPA per example instead,
and FlashAttention's varlen kernel is used when `flash_attn` is installed (CUDA).

Labels are shifted per example before concatenation (position t is trained to
predict token t+1 of the same example; an example's last position predicts
nothing), so no example learns to predict the next one's first token.
"""
import importlib.util

import torch

from .data import IGNORE

PACKED_ATTENTION = "selftune_packed"


def shifted_labels(example):
    return list(example.labels[1:]) + [IGNORE]


def pack(examples):
    """One row holding every example; `cu_seq_lens` are the example boundaries (FlashAttention's format)."""
    ids, labels, positions, bounds = [], [], [], [0]
    for ex in examples:
        ids += ex.input_ids
        labels += shifted_labels(ex)
        positions += range(len(ex.input_ids))
        bounds.append(bounds[-1] + len(ex.input_ids))
    cu = torch.tensor(bounds, dtype=torch.int32)
    longest = max(len(ex.input_ids) for ex in examples)
    return {
        "input_ids": torch.tensor([ids], dtype=torch.long),
        "position_ids": torch.tensor([positions], dtype=torch.long),
        "labels": torch.tensor([labels], dtype=torch.long),
        "cu_seq_lens_q": cu, "cu_seq_lens_k": cu, "max_length_q": longest, "max_length_k": longest,
    }


def pad(examples, pad_id, shift=True):
    """Right-padded rows as wide as the longest example, with an attention mask."""
    width = max(len(ex.input_ids) for ex in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, ex in enumerate(examples):
        n = len(ex.input_ids)
        ids[row, :n] = torch.tensor(ex.input_ids)
        labels[row, :n] = torch.tensor(shifted_labels(ex) if shift else ex.labels)
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def padded_positions(examples, packing):
    """(padding positions, all positions) of one forward pass."""
    real = sum(len(ex.input_ids) for ex in examples)
    if packing:
        return 0, real
    total = len(examples) * max(len(ex.input_ids) for ex in examples)
    return total - real, total


def packed_attention(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    """Causal attention inside each packed example (query/key/value: batch 1, heads, row, head_dim)."""
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    bounds = kwargs.get("cu_seq_lens_q")
    if bounds is None:  # not a packed row (e.g. a plain forward call): ordinary SDPA
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    groups = getattr(module, "num_key_value_groups", 1)
    if groups > 1:
        key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    bounds = bounds.tolist()
    parts = [
        torch.nn.functional.scaled_dot_product_attention(
            query[:, :, s:e], key[:, :, s:e], value[:, :, s:e], dropout_p=dropout, scale=scaling, is_causal=True)
        for s, e in zip(bounds[:-1], bounds[1:])
    ]
    return torch.cat(parts, dim=2).transpose(1, 2).contiguous(), None


def packed_attention_implementation(device):
    """The attention implementation packed rows run with, or None when this transformers can't take one."""
    try:
        from transformers import AttentionInterface
    except ImportError:  # transformers < 4.48
        return None
    if device.type == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"  # reads cu_seq_lens natively (varlen kernel)
    AttentionInterface.register(PACKED_ATTENTION, packed_attention)
    return PACKED_ATTENTION


def use_packed_attention(model, device):
    """Switch `model` (a transformers model, or a PEFT model around one) to packed attention; False if impossible."""
    implementation = packed_attention_implementation(device)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if implementation is None or not hasattr(base, "set_attn_implementation"):
        return False
    base.set_attn_implementation(implementation)
    return base.config._attn_implementation == implementation
