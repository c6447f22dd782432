"""Which examples each step takes: by count or by token budget, and always a pure function of (seed, step)."""
import random

from selftune_trainer.batches import Batcher
from selftune_trainer.data import Example


def corpus(n=50, seed=3):
    rng = random.Random(seed)
    return [Example([1] * rng.randint(5, 120), [1] * 5, f"line {i}") for i in range(n)]


def steps_of_epoch(batcher, epoch):
    first = batcher.total_steps(epoch)
    return [batcher.batch(first + k) for k in range(batcher.steps_in_epoch(epoch))]


def test_token_budget_steps_cover_each_example_once_per_epoch():
    data = corpus()
    batcher = Batcher([data], [1.0], batch_size=4, seed=11, batch_tokens=300)
    for epoch in range(3):
        steps = steps_of_epoch(batcher, epoch)
        assert sorted(id(ex) for step in steps for ex in step) == sorted(id(ex) for ex in data)
        for step in steps[:-1]:  # each step stops at the first example that reaches the budget
            tokens = [len(ex.input_ids) for ex in step]
            assert sum(tokens) >= 300 and sum(tokens[:-1]) < 300
        assert 1 <= len(steps[-1])
    # Different orders give different step counts, and total_steps adds them up.
    counts = [batcher.steps_in_epoch(e) for e in range(3)]
    assert batcher.total_steps(3) == sum(counts)
    assert batcher.steps_per_epoch == counts[0]


def test_token_budget_batch_of_step_k_is_the_same_after_a_restart():
    data = corpus()
    first = Batcher([data], [1.0], batch_size=4, seed=11, batch_tokens=300)
    straight = [first.batch(k) for k in range(first.total_steps(3))]
    # A fresh process asks for steps out of order, starting mid-epoch, as a resumed run does.
    for k in (first.total_steps(2) - 1, 5, first.total_steps(1), len(straight) - 1, 0):
        again = Batcher([data], [1.0], batch_size=4, seed=11, batch_tokens=300)
        assert again.batch(k) == straight[k]
        assert again.locate(k) == first.locate(k)
    other_seed = Batcher([data], [1.0], batch_size=4, seed=12, batch_tokens=300)
    assert [other_seed.batch(k) for k in range(3)] != straight[:3]


def test_one_example_over_the_budget_is_a_step_of_its_own():
    data = corpus()
    batcher = Batcher([data], [1.0], batch_size=4, seed=1, batch_tokens=1)
    assert batcher.steps_per_epoch == len(data)
    assert all(len(batcher.batch(k)) == 1 for k in range(len(data)))


def test_epoch_bookkeeping_follows_uneven_epochs():
    batcher = Batcher([corpus()], [1.0], batch_size=4, seed=11, batch_tokens=300)
    end_of_first = batcher.steps_in_epoch(0)
    assert batcher.ends_epoch(end_of_first) and not batcher.ends_epoch(end_of_first - 1)
    assert batcher.locate(end_of_first) == (1, 0)
    assert batcher.epochs_done(end_of_first) == 1.0
    assert 1.0 < batcher.epochs_done(end_of_first + 1) < 2.0


def test_count_batches_unchanged():
    data = corpus(10)
    batcher = Batcher([data], [1.0], batch_size=4, seed=11)
    assert batcher.steps_per_epoch == 3 and batcher.total_steps(2) == 6
    assert [len(batcher.batch(k)) for k in range(6)] == [4, 4, 2, 4, 4, 2]
    assert batcher.locate(4) == (1, 1) and batcher.ends_epoch(3)
