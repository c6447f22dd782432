"""Waiting requests: first in, first out per model, round-robin across models.

A burst of requests for one model cannot starve another model: each model
with waiting requests gets the next free slot in turn.
"""
from collections import OrderedDict, deque


class FairQueue:
    def __init__(self):
        self._by_model = OrderedDict()  # model key -> deque of requests; the next model to serve first

    def push(self, key, item):
        self._by_model.setdefault(key, deque()).append(item)

    def pop(self):
        key, waiting = next(iter(self._by_model.items()))
        item = waiting.popleft()
        del self._by_model[key]
        if waiting:  # back of the line for this model
            self._by_model[key] = waiting
        return item

    def remove(self, predicate):
        for key, waiting in list(self._by_model.items()):
            kept = deque(item for item in waiting if not predicate(item))
            if kept:
                self._by_model[key] = kept
            else:
                del self._by_model[key]

    def __len__(self):
        return sum(len(w) for w in self._by_model.values())
