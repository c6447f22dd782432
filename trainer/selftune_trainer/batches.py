"""Epoch ordering and batch collation.

The order of epoch e is a pure function of (seed, e), and the batch for a
global step is a pure function of the step, so resuming mid-epoch needs no
sampler state: it just asks for the batch of step k+1.
"""
import math

import numpy as np
import torch

from .data import IGNORE


class Batcher:
    def __init__(self, groups, weights, batch_size, seed):
        self.groups = [g for g in groups]
        self.weights = weights
        self.batch_size = batch_size
        self.seed = seed
        self.n_examples = sum(len(g) for g in groups)
        self.steps_per_epoch = math.ceil(self.n_examples / batch_size)
        self._cached = (None, None)

    def epoch_order(self, epoch):
        if self._cached[0] == epoch:
            return self._cached[1]
        rng = np.random.default_rng([self.seed % 2**32, epoch])
        live = [(g, w) for g, w in zip(self.groups, self.weights) if g]
        if len(live) == 1:
            group = live[0][0]
            order = [group[i] for i in rng.permutation(len(group))]
        else:
            order = []
            for (group, _), count in zip(live, _allocate(self.n_examples, [w for _, w in live])):
                order += _draw(group, count, rng)
            order = [order[i] for i in rng.permutation(len(order))]
        self._cached = (epoch, order)
        return order

    def batch(self, step):
        """Examples of global step `step` (0-based)."""
        epoch, pos = divmod(step, self.steps_per_epoch)
        order = self.epoch_order(epoch)
        return order[pos * self.batch_size : (pos + 1) * self.batch_size]

    def tokens_per_epoch(self):
        return sum(len(ex.input_ids) for ex in self.epoch_order(0))


def _allocate(total, weights):
    """Split `total` draws across files in proportion to weight (largest remainder)."""
    share = [total * w / sum(weights) for w in weights]
    counts = [math.floor(s) for s in share]
    by_remainder = sorted(range(len(share)), key=lambda i: counts[i] - share[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _draw(group, count, rng):
    # Without replacement while the file lasts; heavily weighted small files repeat.
    picked = []
    while len(picked) < count:
        perm = rng.permutation(len(group))[: count - len(picked)]
        picked += [group[i] for i in perm]
    return picked


def collate(examples, pad_id):
    width = max(len(ex.input_ids) for ex in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, ex in enumerate(examples):
        n = len(ex.input_ids)
        ids[row, :n] = torch.tensor(ex.input_ids)
        labels[row, :n] = torch.tensor(ex.labels)
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
