"""One optimisation step, evaluation, and the optimizer / LR schedule."""
import math

import torch
import torch.nn.functional as F

from .batches import collate
from .data import IGNORE
from .distributed import World

SINGLE = World()  # one process: sharding and reductions are no-ops

GRAD_CLIP = 1.0


def forward_sums(model, batch, device):
    """(summed loss, trained tokens, correct argmax predictions) over trained tokens."""
    batch = {k: v.to(device.torch_device) for k, v in batch.items()}
    with device.autocast():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    # Position t predicts token t+1; the loss is in fp32 whatever the autocast dtype.
    logits = logits[:, :-1].float()
    labels = batch["labels"][:, 1:]
    mask = labels != IGNORE
    loss_sum = F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=IGNORE, reduction="sum")
    correct = ((logits.argmax(-1) == labels) & mask).sum()
    return loss_sum, int(mask.sum()), int(correct)


def train_step(model, optimizer, scheduler, examples, pad_id, device, world=SINGLE):
    """One optimizer step on the step's global `examples`; with several ranks each trains its share."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    mine = world.shard(examples)
    # The gradient of the mean over the global batch's trained tokens, whichever rank holds them.
    denominator = max(sum(ex.n_trained for ex in examples), 1)
    passes = world.equalize([mine] if mine else [], filler=examples[:1])
    loss_total, n_trained, n_correct = 0.0, 0, 0
    for i, (chunk, live) in enumerate(passes):
        with world.grad_sync(model, last=i == len(passes) - 1):
            loss_sum, n, c = forward_sums(model, collate(chunk, pad_id), device)
            (loss_sum * (world.grad_scale if live else 0) / denominator).backward()
        if live:
            loss_total, n_trained, n_correct = loss_total + loss_sum.item(), n_trained + n, n_correct + c
    loss_total, n_trained, n_correct = world.sum(loss_total, n_trained, n_correct)
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], GRAD_CLIP)
    optimizer.step()
    scheduler.step()
    return loss_total / max(n_trained, 1), n_correct / max(n_trained, 1)


@torch.no_grad()
def evaluate(model, examples, batch_size, pad_id, device, world=SINGLE):
    """Token-weighted mean loss and accuracy over `examples` (each rank evaluates its share)."""
    model.eval()
    mine = world.shard(examples)
    batches = [mine[i : i + batch_size] for i in range(0, len(mine), batch_size)]
    loss, tokens, correct = 0.0, 0, 0
    for chunk, live in world.equalize(batches, filler=examples[:1]):
        loss_sum, n, c = forward_sums(model, collate(chunk, pad_id), device)
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
