"""`serve-inference`: the warm inference worker.

Requests arrive as JSON lines on stdin (`generate`, `classify`, `cancel`,
`unload`); replies are JSON lines on stdout tagged with the request id. Up to
`max_active` generations run at once, interleaved a token each, so a long
generation slows others down rather than blocking them; the rest wait in a
FairQueue. EOF on stdin (the server closed it or died) ends the worker.
"""
import json
import queue
import random
import threading

import torch

from .. import protocol
from ..errors import TrainerError
from .decoding import Choice
from .fair_queue import FairQueue
from .models import ModelCache

STOP = object()


class Request:
    def __init__(self, msg):
        self.id, self.msg = msg["id"], msg
        self.lease, self.choices, self.prompt_tokens = None, [], 0


class Worker:
    def __init__(self, cache, max_active, emit=protocol.emit):
        self.cache, self.max_active, self.emit = cache, max_active, emit
        self.pending = FairQueue()
        self.active = []

    @property
    def busy(self):
        return bool(self.active or len(self.pending))

    def handle(self, msg):
        op = msg.get("op")
        if op in ("generate", "classify"):
            self.pending.push(msg["model"]["path"], Request(msg))
        elif op == "cancel":
            self.pending.remove(lambda r: r.id == msg["id"])
            for req in [r for r in self.active if r.id == msg["id"]]:
                self._finish(req)
        elif op == "unload":
            self.cache.unload(msg["path"])
        else:
            protocol.log("warn", f"ignoring unknown request: {json.dumps(msg)[:200]}")

    def tick(self):
        """Admits waiting requests into free slots, then advances every active generation one token."""
        while len(self.active) < self.max_active and len(self.pending):
            self._guarded(self.pending.pop(), self._start)
        for req in list(self.active):
            self._guarded(req, self._step)

    def _guarded(self, req, action):
        try:
            action(req)
        except TrainerError as e:
            self._fail(req, e.code, e.message)
        except Exception as e:  # one bad request must not take the worker down
            self._fail(req, "internal_error", f"{type(e).__name__}: {e}")

    def _start(self, req):
        msg = req.msg
        if msg["op"] == "classify":
            clf = self.cache.classifier(msg["model"]["path"], msg["model"].get("base_path"))
            from ..classifier.predict import classify_batch

            self.emit("result", id=req.id, result=classify_batch(clf, msg["inputs"]))
            return
        req.lease = self.cache.lease(msg["model"])
        prompt = render_prompt(req.lease.tokenizer, msg["messages"])
        req.prompt_tokens = len(prompt)
        seed = msg.get("seed")
        req.choices = [Choice(i, req.lease, prompt, msg, seed + i if seed is not None else random.getrandbits(63))
                       for i in range(max(1, msg.get("n") or 1))]
        self.active.append(req)

    def _step(self, req):
        for choice in req.choices:
            if choice.done:
                continue
            delta = choice.step()
            if delta:
                self.emit("delta", id=req.id, index=choice.index, text=delta)
            if choice.done:
                self.emit("finish", id=req.id, index=choice.index, finish_reason=choice.finish_reason)
        if all(c.done for c in req.choices):
            choices = [{"index": c.index, "text": c.tail.text, "finish_reason": c.finish_reason} for c in req.choices]
            self.emit("done", id=req.id, prompt_tokens=req.prompt_tokens,
                      completion_tokens=sum(c.tokens for c in req.choices), choices=choices)
            self._finish(req)

    def _fail(self, req, code, message):
        self.emit("error", id=req.id, code=code, message=message)
        self._finish(req)

    def _finish(self, req):
        if req in self.active:
            self.active.remove(req)
        if req.lease is not None:
            req.lease.release()
            req.lease = None


def render_prompt(tokenizer, messages):
    if not tokenizer.chat_template:
        raise TrainerError("invalid_request", "this model's tokenizer has no chat template, so it cannot take chat messages")
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def serve(threads, cache_size, max_active):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.set_num_threads(threads)
    inbox = queue.Queue()
    threading.Thread(target=_read_stdin, args=(inbox,), daemon=True).start()
    worker = Worker(ModelCache(cache_size, device), max_active)
    protocol.emit("ready", device=device.type, threads=torch.get_num_threads())
    while True:
        # Block only when idle; while generating, take whatever arrived between tokens.
        try:
            msg = inbox.get(block=not worker.busy)
            while msg is not STOP:
                _guard_malformed(worker.handle, msg)
                msg = inbox.get_nowait()
        except queue.Empty:
            msg = None
        if msg is STOP:
            return 0
        worker.tick()


def _guard_malformed(handle, msg):
    try:
        handle(msg)
    except (KeyError, TypeError, AttributeError) as e:
        protocol.log("warn", f"ignoring a malformed request ({e!r}): {json.dumps(msg)[:200]}")


def _read_stdin(inbox):
    import sys

    protocol.read_requests(sys.stdin, inbox, STOP)
