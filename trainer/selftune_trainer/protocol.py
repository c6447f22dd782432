"""Worker <-> server protocol: JSON events on stdout, JSON commands on stdin.

stdout carries only protocol lines; anything else (library prints, logs) is moved
to stderr so the server's line parser never sees stray text.

A `step` event names its figures `<scope>_<figure>` (loop.step_metrics): scopes train,
valid and full_valid; figures loss and mean_token_accuracy, plus a recipe's own (DPO:
reward_margin, reward_accuracy). The server's types for them are StepMetrics and
PreferenceMetrics in src/executors/trainer-protocol.ts.
"""
import json
import math
import os
import signal
import sys
import threading

from .parent_watch import EXIT_PARENT_GONE

_lock = threading.Lock()
_sink = None  # callable(dict) in tests; otherwise writes to the protocol stream
_only = None  # set of event names: the others are dropped (ranks other than 0 of a multi-process job)
_stream = sys.stdout


def take_over_stdout():
    """Keep the real stdout for protocol lines and point fd 1 at stderr."""
    global _stream
    _stream = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr


def set_sink(sink):
    """Route events to a callable (tests, in-process use); None restores stdout."""
    global _sink
    _sink = sink


def _clean(value):
    # JSON has no NaN/Infinity; the server's JSON.parse would reject them.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def only_emit(*events):
    """Drop every event but these: the other ranks of a multi-process job share rank 0's stdout."""
    global _only
    _only = set(events)


def emit(event, **fields):
    if _only is not None and event not in _only:
        return
    record = _clean({"event": event, **fields})
    with _lock:
        if _sink is not None:
            _sink(record)
            return
        _stream.write(json.dumps(record) + "\n")
        _stream.flush()


def log(level, message):
    print(f"[{level}] {message}", file=sys.stderr, flush=True)
    emit("log", level=level, message=message)


def wait_for_start(stream=None):
    """Standby: the imports are done; block until the server hands over a job's spec.

    Importing torch and transformers takes seconds, so the server keeps one
    process parked here and a job starts the moment it is claimed."""
    line = (stream or sys.stdin).readline()
    if not line:
        os._exit(EXIT_PARENT_GONE)  # the server went away before giving us work
    message = json.loads(line)
    if message.get("command") != "start" or not isinstance(message.get("spec"), str):
        raise ValueError(f"expected a start command on stdin, got: {line[:200]}")
    return message["spec"]


def read_requests(stream, inbox, end):
    """A warm worker's requests: one JSON value a line onto `inbox`, then `end` at EOF (the server is gone)."""
    for line in stream:
        line = line.strip()
        if not line:
            continue
        try:
            inbox.put(json.loads(line))
        except ValueError:
            log("warn", f"ignoring a line that is not JSON: {line[:200]}")
    inbox.put(end)


class Commands:
    """Flags set by stdin commands or signals, polled by the loop between steps."""

    def __init__(self):
        self.pause = threading.Event()
        self.cancel = threading.Event()

    def stop_requested(self):
        return self.pause.is_set() or self.cancel.is_set()

    def listen(self, stream=None):
        """Read commands on a daemon thread; EOF means the server died."""
        stream = stream or sys.stdin
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()
        self.watch_signals()

    def watch_signals(self):
        """SIGTERM cancels. (Dying with the server is parent_watch's job, armed by __main__.)"""
        signal.signal(signal.SIGTERM, lambda *_: self.cancel.set())

    def _read(self, stream):
        for line in stream:
            line = line.strip()
            if not line:
                continue
            try:
                command = json.loads(line).get("command")
            except (ValueError, AttributeError):
                command = None
            if command == "pause":
                self.pause.set()
            elif command == "cancel":
                self.cancel.set()
            else:
                log("warn", f"ignoring unknown stdin command: {line[:200]}")
        # No one is listening any more: stop now, say nothing (there's no reader).
        # Holding the emit lock guarantees no event (or half line) follows.
        _lock.acquire()
        os._exit(EXIT_PARENT_GONE)

