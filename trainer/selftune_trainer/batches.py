"""Epoch ordering and which examples make each optimizer step and each forward pass.

The order of epoch e is a pure function of (seed, e), and the batch for a
global step is a pure function of the step, so resuming mid-epoch needs no
sampler state: it just asks for the batch of step k+1.
"""
import bisect
import math
from dataclasses import dataclass

import numpy as np
from .packing import pack, pad


class Batcher:
    """Which examples each optimizer step trains on.

    By count (batch_size examples a step) or, with batch_tokens, by tokens: a step
    takes examples in epoch order until their tokens reach the budget (at least
    one), so steps per epoch can differ between epochs; they are all known from
    (seed, epoch) alone, so total_steps is known at the start and any step's batch
    is found without replaying the run. Steps never straddle an epoch boundary.
    """

    def __init__(self, groups, weights, batch_size, seed, batch_tokens=None):
        self.groups = [g for g in groups]
        self.weights = weights
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.seed = seed
        self.n_examples = sum(len(g) for g in groups)
        self._cached = (None, None)
        self._bounds = {}  # epoch -> start index of each step in that epoch's order, plus the end
        self._epoch_starts = [0]  # global step at which each epoch starts (token budgets), grown on demand
        self.steps_per_epoch = self.steps_in_epoch(0)

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

    def step_bounds(self, epoch):
        if epoch not in self._bounds:
            if self.batch_tokens is None:
                starts = list(range(0, self.n_examples, self.batch_size))
            else:
                starts = budget_starts([len(ex.input_ids) for ex in self.epoch_order(epoch)], self.batch_tokens)
            self._bounds[epoch] = starts + [self.n_examples]
        return self._bounds[epoch]

    def steps_in_epoch(self, epoch):
        return len(self.step_bounds(epoch)) - 1

    def total_steps(self, n_epochs):
        """Steps in the first `n_epochs` epochs (the global step at which epoch n_epochs starts)."""
        if self.batch_tokens is None:
            return n_epochs * self.steps_per_epoch
        while len(self._epoch_starts) <= n_epochs:
            self._epoch_starts.append(self._epoch_starts[-1] + self.steps_in_epoch(len(self._epoch_starts) - 1))
        return self._epoch_starts[n_epochs]

    def locate(self, step):
        """(epoch, position in that epoch) of global step `step` (0-based)."""
        if self.batch_tokens is None:
            return divmod(step, self.steps_per_epoch)
        while self.total_steps(len(self._epoch_starts) - 1) <= step:
            self.total_steps(len(self._epoch_starts))
        epoch = bisect.bisect_right(self._epoch_starts, step) - 1
        return epoch, step - self._epoch_starts[epoch]

    def epochs_done(self, steps):
        """Epochs completed after `steps` steps, with the current epoch as a fraction."""
        epoch, pos = self.locate(steps)
        return epoch + pos / self.steps_in_epoch(epoch)

    def ends_epoch(self, steps):
        """Whether the first `steps` steps end exactly on an epoch boundary."""
        return steps > 0 and self.locate(steps)[1] == 0

    def batch(self, step):
        """Examples of global step `step` (0-based)."""
        epoch, pos = self.locate(step)
        bounds = self.step_bounds(epoch)
        return self.epoch_order(epoch)[bounds[pos] : bounds[pos + 1]]

    def tokens_per_epoch(self):
        return sum(len(ex.input_ids) for ex in self.epoch_order(0))


def budget_starts(lengths, budget):
    """Start index of each run of items whose lengths first reach `budget` (every run holds at least one)."""
    starts, filled = [], budget
    for i, n in enumerate(lengths):
        if filled >= budget:
            starts.append(i)
            filled = 0
        filled += n
    return starts


def split_passes(examples, max_tokens, packing):
    """Cut one step's examples, in order, into forward passes of at most `max_tokens`
    positions (padding included when not packing); an example longer than that is a pass alone."""
    if max_tokens is None:
        return [examples]
    passes, current, real, longest = [], [], 0, 0
    for ex in examples:
        n = len(ex.input_ids)
        size = real + n if packing else max(longest, n) * (len(current) + 1)
        if current and size > max_tokens:
            passes.append(current)
            current, real, longest = [], 0, 0
        current.append(ex)
        real, longest = real + n, max(longest, n)
    passes.append(current)
    return passes


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


@dataclass
class Layout:
    """How examples become forward passes: packed or padded, and at most how many tokens a pass."""
    pad_id: int
    packing: bool
    micro_batch_tokens: object  # int, or None: a whole step in one pass
    batch_size: int
    batch_tokens: object  # int or None

    def passes(self, examples):
        return split_passes(examples, self.micro_batch_tokens, self.packing)

    def eval_passes(self, examples):
        """Evaluation batches are sized like training steps, then cut like them into passes."""
        if self.batch_tokens is None:
            starts = list(range(0, len(examples), self.batch_size))
        else:
            starts = budget_starts([len(ex.input_ids) for ex in examples], self.batch_tokens)
        for start, end in zip(starts, starts[1:] + [len(examples)]):
            yield from self.passes(examples[start:end])

    def collate(self, examples):
        return pack(examples) if self.packing else pad(examples, self.pad_id)


def collate(examples, pad_id):
    """Padded rows with labels aligned to input_ids (unshifted), as transformers' own loss expects."""
    return pad(examples, pad_id, shift=False)
