"""The DPO recipe for the shared training loop: data, model and reference, one step, evaluation.

The reference is the frozen starting model (a base, or the supervised fine-tune a job
continues from), never a second trained copy in memory:
- LoRA: the policy with its adapter switched off, run without gradients each pass.
- Full fine-tuning: the starting weights' answer log-probabilities, computed once
  before the first step and kept on each pair. A run resumed from a restart point
  recomputes them from spec.base_model_path (the same starting weights), loaded
  and freed before the trained weights are, so restart points stay the loop's
  unchanged format and memory never holds two models.
"""
from functools import partial
from types import SimpleNamespace

import torch

from ..batches import split_passes
from ..errors import TrainerError
from ..data import warn_skipped
from ..model_setup import build_model, load_base, pad_id
from ..packing import padded_positions
from ..steps import GRAD_CLIP
from .data import load_pair_file
from .loss import answer_logps, dpo_loss


def dpo_recipe(spec, world):
    if world.size > 1:
        raise TrainerError("unsupported_setting", "DPO jobs train in one process; set SELFTUNE_TRAIN_PROCESSES=1")
    loaded = {}

    def load_datasets(spec, tokenizer):
        groups, valid, truncated, dropped = [], [], [], []
        for files, code in ((spec.training_files, "invalid_training_file"), (spec.validation_files, "invalid_validation_file")):
            for f in files:
                pairs, cut, empty = load_pair_file(f["path"], tokenizer, spec.max_seq_len, code)
                truncated, dropped = truncated + cut, dropped + empty
                (groups.append(pairs) if code == "invalid_training_file" else valid.extend(pairs))
        warn_skipped(truncated, f"pair(s) longer than max_seq_len={spec.max_seq_len} tokens were truncated")
        warn_skipped(dropped, "pair(s) had an answer cut away entirely by max_seq_len and were skipped")
        if not any(groups):
            raise TrainerError("invalid_training_file", "the training files contain no usable preference pairs")
        loaded.update(pairs=[p for g in groups for p in g] + valid, pad=pad_id(tokenizer))
        return groups, valid

    def build(spec, device, meta, resume_dir=None, resume_mode=None):
        if resume_mode == "full":  # the starting weights, before the trained ones are loaded
            reference = load_base(spec.base_model_path, device, frozen=False).to(device.torch_device)
            store_reference_logps(reference, loaded["pairs"], loaded["pad"], spec, device)
            del reference
        model, mode = build_model(spec, device, meta, resume_dir, resume_mode)
        if mode == "full" and resume_mode is None:  # a fresh run: the model is still the starting weights
            store_reference_logps(model, loaded["pairs"], loaded["pad"], spec, device)
        return model, mode

    # Each side of a pair is scored on its own row, so passes are padded (can_pack=False).
    return SimpleNamespace(load_datasets=load_datasets, build_model=build, can_pack=False,
                           train_step=partial(train_step, beta=spec.beta), evaluate=partial(evaluate, beta=spec.beta))


@torch.no_grad()
def store_reference_logps(model, pairs, pad, spec, device):
    was_training = model.training
    model.eval()
    for start in range(0, len(pairs), spec.batch_size):
        for chunk in split_passes(pairs[start : start + spec.batch_size], spec.micro_batch_tokens, packing=False):
            logps, _, _ = answer_logps(model, sides(chunk), pad, device)
            for i, pair in enumerate(chunk):
                pair.ref_logps = (float(logps[i]), float(logps[len(chunk) + i]))
    model.train(was_training)


def sides(pairs):
    """One padded pass holds every pair's preferred sequence, then every non-preferred one."""
    return [p.chosen for p in pairs] + [p.rejected for p in pairs]


def pass_sums(model, pairs, pad, device, beta):
    """(summed loss, stats) over one pass: reward margin and wins summed, token accuracy on the preferred answers."""
    n = len(pairs)
    logps, tokens, correct = answer_logps(model, sides(pairs), pad, device)
    if pairs[0].ref_logps is not None:
        ref = torch.tensor([p.ref_logps[0] for p in pairs] + [p.ref_logps[1] for p in pairs], device=logps.device)
    else:  # LoRA: the same weights with the adapter off are the starting model
        with torch.no_grad(), adapter_off(model):
            ref, _, _ = answer_logps(model, sides(pairs), pad, device)
    losses, chosen, rejected = dpo_loss(logps[:n], logps[n:], ref[:n], ref[n:], beta)
    margins = (chosen - rejected).detach()
    return losses.sum(), {"margin": float(margins.sum()), "wins": int((margins > 0).sum()),
                          "tokens": int(tokens[:n].sum()), "correct": int(correct[:n].sum())}


def adapter_off(model):
    if not hasattr(model, "disable_adapter"):
        raise TrainerError("unsupported_setting", "a DPO job needs a reference: full fine-tuning precomputes it, LoRA switches its adapter off")
    return model.disable_adapter()


def summary(loss, stats, n_pairs):
    extras = {"reward_margin": stats["margin"] / max(n_pairs, 1), "reward_accuracy": stats["wins"] / max(n_pairs, 1)}
    return loss / max(n_pairs, 1), stats["correct"] / max(stats["tokens"], 1), extras


def add(total, stats):
    return {k: total.get(k, 0) + v for k, v in stats.items()}


def train_step(model, optimizer, scheduler, examples, layout, device, beta):
    """One optimizer step over `examples` (pairs), in padded passes of at most layout.micro_batch_tokens.

    Each pass's summed loss is divided by the step's pair count, so accumulated
    gradients equal one pass over the whole step. Returns (loss, token accuracy on the
    preferred answers, padding share, {reward_margin, reward_accuracy})."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    loss, stats, padding, positions = 0.0, {}, 0, 0
    for chunk in layout.passes(examples):
        loss_sum, chunk_stats = pass_sums(model, chunk, layout.pad_id, device, beta)
        (loss_sum / len(examples)).backward()
        loss, stats = loss + float(loss_sum.detach()), add(stats, chunk_stats)
        pads, total = padded_positions(sides(chunk), packing=False)
        padding, positions = padding + pads, positions + total
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], GRAD_CLIP)
    optimizer.step()
    scheduler.step()
    mean_loss, accuracy, extras = summary(loss, stats, len(examples))
    return mean_loss, accuracy, padding / max(positions, 1), extras


@torch.no_grad()
def evaluate(model, examples, layout, device, beta):
    """(mean DPO loss, token accuracy on the preferred answers, {reward_margin, reward_accuracy}) over `examples`."""
    model.eval()
    loss, stats = 0.0, {}
    for chunk in layout.eval_passes(examples):
        loss_sum, chunk_stats = pass_sums(model, chunk, layout.pad_id, device, beta)
        loss, stats = loss + float(loss_sum), add(stats, chunk_stats)
    model.train()
    return summary(loss, stats, len(examples))
