"""One optimisation step, evaluation, and the optimizer / LR schedule."""
import math

import torch
import torch.nn.functional as F

from .data import IGNORE
from .distributed import World
from .packing import padded_positions

SINGLE = World()  # one process: sharding and reductions are no-ops

GRAD_CLIP = 1.0


def forward_sums(model, batch, device):
    """(summed loss, trained tokens, correct argmax predictions) over the trained tokens of one pass.

    `batch` comes from packing.pack or packing.pad: labels are already shifted,
    so logits at position t are scored against labels[t]."""
    labels = batch["labels"].to(device.torch_device)
    inputs = {k: v.to(device.torch_device) if torch.is_tensor(v) else v for k, v in batch.items() if k != "labels"}
    with device.autocast():
        logits = model(**inputs).logits
    logits = logits.float()  # the loss is in fp32 whatever the autocast dtype
    mask = labels != IGNORE
    loss_sum = F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=IGNORE, reduction="sum")
    correct = ((logits.argmax(-1) == labels) & mask).sum()
    return loss_sum, int(mask.sum()), int(correct)


def train_step(model, optimizer, scheduler, examples, layout, device, world=SINGLE):
    """One optimizer step over the step's global `examples`, in one or more forward passes.

    With several ranks each trains its share. Each pass's summed loss is divided
    by the whole step's trained-token count (over all ranks), so the accumulated
    gradient equals one pass over the step in one process. Returns (loss, token
    accuracy, share of the passes' positions that were padding)."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    step_trained = max(sum(ex.n_trained for ex in examples), 1)
    mine = world.shard(examples)
    passes = world.equalize(list(layout.passes(mine)) if mine else [], filler=examples[:1])
    loss, trained, correct, padding, positions = 0.0, 0, 0, 0, 0
    for i, (chunk, live) in enumerate(passes):
        with world.grad_sync(model, last=i == len(passes) - 1):
            loss_sum, n, c = forward_sums(model, layout.collate(chunk), device)
            (loss_sum * (world.grad_scale if live else 0) / step_trained).backward()
        if live:
            pads, total = padded_positions(chunk, layout.packing)
            loss, trained, correct = loss + loss_sum.item(), trained + n, correct + c
            padding, positions = padding + pads, positions + total
    loss, trained, correct, padding, positions = world.sum(loss, trained, correct, padding, positions)
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], GRAD_CLIP)
    optimizer.step()
    scheduler.step()
    return loss / max(trained, 1), correct / max(trained, 1), padding / max(positions, 1)


@torch.no_grad()
def evaluate(model, examples, layout, device, world=SINGLE):
    """Token-weighted mean loss and accuracy over `examples` (each rank evaluates its share)."""
    model.eval()
    mine = world.shard(examples)
    loss, tokens, correct = 0.0, 0, 0
    for chunk, live in world.equalize(list(layout.eval_passes(mine)), filler=examples[:1]):
        loss_sum, n, c = forward_sums(model, layout.collate(chunk), device)
        if live:
            loss, tokens, correct = loss + loss_sum.item(), tokens + n, correct + c
    loss, tokens, correct = world.sum(loss, tokens, correct)
    model.train()
    return loss / max(tokens, 1), correct / max(tokens, 1)


def make_optimizer(model, lr, weight_decay, total_steps, warmup_fraction, decay):
    trainable = [p for p in model.parameters() if p.requires_grad]
    # No weight decay on biases and norm gains (1-D), as is standard.
    groups = [
        {"params": [p for p in trainable if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in trainable if p.dim() < 2], "weight_decay": 0.0},
    ]
    # The fused kernel updates all parameters in one pass (CPU and CUDA); ~15% faster steps on small models.
    optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=lr, fused=True)
    warmup = int(round(warmup_fraction * total_steps))
    schedule = lambda step: lr_factor(step, total_steps, warmup, decay)  # noqa: E731
    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def lr_factor(step, total_steps, warmup, decay):
    """Multiplier on the peak LR for 0-based `step`."""
    if step < warmup:
        return (step + 1) / warmup  # never 0, so no step is wasted
    if decay == "constant":
        return 1.0
    progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
    if decay == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    return 1.0 - progress
