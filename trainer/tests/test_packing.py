"""Packed passes against padded ones, and gradient accumulation against one pass.

The model here is wider in vocabulary, deeper and uses grouped-query attention
(unlike selftune-tiny), so a packing mistake in any layer or in the K/V head
sharing shows up in the logits.
"""
import copy
import random

import pytest
import torch

from selftune_trainer.batches import Layout
from selftune_trainer.data import IGNORE, Example
from selftune_trainer.device import Device
from selftune_trainer.packing import pack, use_packed_attention
from selftune_trainer.steps import evaluate, forward_sums, make_optimizer, train_step

VOCAB = 2000


def deep_model(seed=5):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=64, intermediate_size=160, num_hidden_layers=6,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)
    return LlamaForCausalLM(config)


def examples(lengths, seed=0):
    """Random token examples; the first third of each is an untrained prompt."""
    rng = random.Random(seed)
    out = []
    for i, n in enumerate(lengths):
        ids = [rng.randrange(VOCAB) for _ in range(n)]
        labels = [IGNORE if t < n // 3 else tok for t, tok in enumerate(ids)]
        out.append(Example(ids, labels, f"example {i}"))
    return out


def layout(packing, micro=None, batch_size=8, batch_tokens=None):
    return Layout(0, packing, micro, batch_size, batch_tokens)


@pytest.fixture(scope="module")
def device():
    return Device()


def grads(model):
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def sums_and_grads(model, batch, device):
    model.zero_grad(set_to_none=True)
    loss, n, correct = forward_sums(model, batch, device)
    loss.backward()
    return loss.item(), n, correct, grads(model)


def assert_same_grads(a, b):
    assert a.keys() == b.keys() and a
    for name in a:
        # fp32 sums in a different order: compare against the tensor's own scale.
        scale = a[name].abs().max().item()
        torch.testing.assert_close(a[name], b[name], rtol=1e-4, atol=1e-5 * scale, msg=name)


def test_packed_pass_equals_padded_pass(device):
    padded_model = deep_model()
    packed_model = copy.deepcopy(padded_model)
    assert use_packed_attention(packed_model, device.torch_device)
    batch = examples([37, 5, 120, 64, 2, 90])
    loss_p, n_p, correct_p, grads_p = sums_and_grads(padded_model, layout(False).collate(batch), device)
    loss_k, n_k, correct_k, grads_k = sums_and_grads(packed_model, layout(True).collate(batch), device)
    assert n_p == n_k == sum(ex.n_trained for ex in batch)
    assert loss_k == pytest.approx(loss_p, rel=1e-5)
    assert correct_k == correct_p
    assert_same_grads(grads_p, grads_k)
    # Evaluation gives the same token-weighted figures either way.
    assert evaluate(packed_model, batch, layout(True, batch_size=4), device) == \
        pytest.approx(evaluate(padded_model, batch, layout(False, batch_size=4), device), rel=1e-5)


def logits_of(model, batch):
    with torch.no_grad():
        return model(**{k: v for k, v in batch.items() if k != "labels"}).logits[0]


def test_no_attention_across_examples_in_a_packed_row(device):
    model = deep_model().eval()
    assert use_packed_attention(model, device.torch_device)
    first, second, third = examples([30, 25, 40])
    row = logits_of(model, pack([first, second, third]))
    changed = examples([30, 25, 40], seed=9)[1]
    row_changed = logits_of(model, pack([first, changed, third]))
    torch.testing.assert_close(row_changed[:30], row[:30], rtol=0, atol=0)
    assert not torch.allclose(row_changed[30:55], row[30:55])
    # The example after the changed one sees nothing of it: its logits are those it gets alone.
    torch.testing.assert_close(row_changed[55:], row[55:], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(row[55:], logits_of(model, pack([third])), rtol=1e-5, atol=1e-5)


def test_labels_are_shifted_within_each_example():
    first, second = examples([6, 4])
    labels = pack([first, second])["labels"][0].tolist()
    assert labels[:6] == first.labels[1:] + [IGNORE]  # the first example never predicts the second's first token
    assert labels[6:] == second.labels[1:] + [IGNORE]
    assert pack([first, second])["position_ids"][0].tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]


@pytest.mark.parametrize("packing", [True, False])
def test_accumulated_micro_batches_equal_one_pass(device, packing):
    whole = deep_model()
    if packing:
        assert use_packed_attention(whole, device.torch_device)
    split = copy.deepcopy(whole)
    batch = examples([80, 12, 45, 3, 66, 30, 9])
    plan = layout(packing, micro=100)
    assert len(plan.passes(batch)) >= 3
    results = []
    for model, micro in ((whole, None), (split, 100)):
        optimizer, scheduler = make_optimizer(model, 1e-3, 0.0, 10, 0.0, "linear")
        results.append((train_step(model, optimizer, scheduler, batch, layout(packing, micro), device), grads(model)))
    (loss_w, acc_w, pad_w), grads_w = results[0]
    (loss_s, acc_s, pad_s), grads_s = results[1]
    assert loss_s == pytest.approx(loss_w, rel=1e-5) and acc_s == acc_w
    assert_same_grads(grads_w, grads_s)
    if packing:
        assert pad_w == pad_s == 0
    else:
        assert 0 < pad_s < pad_w  # narrower passes waste less on padding
    for a, b in zip(whole.parameters(), split.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)  # an Adam step moves each weight by ~1e-3


def test_passes_respect_the_token_limit():
    batch = examples([50, 30, 200, 10, 10, 60])
    packed = layout(True, micro=100).passes(batch)
    assert [len(ex.input_ids) for p in packed for ex in p] == [50, 30, 200, 10, 10, 60]  # order kept, nothing lost
    assert all(sum(len(ex.input_ids) for ex in p) <= 100 or len(p) == 1 for p in packed)
    assert [len(p) for p in packed] == [2, 1, 3]
    padded = layout(False, micro=100).passes(batch)
    assert all(len(p) * max(len(ex.input_ids) for ex in p) <= 100 or len(p) == 1 for p in padded)
    assert [len(p) for p in padded] == [2, 1, 2, 1]  # 50 and 30 pad to 2 x 50 = 100; 10, 10, 60 would be 3 x 60
    assert layout(True).passes(batch) == [batch]  # no micro_batch_tokens: one pass a step
