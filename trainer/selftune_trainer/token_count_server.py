"""`serve-token-counts`: the warm token counter, one per server.

Importing transformers takes seconds; this process pays it once and keeps a
tokenizer per model folder. Requests arrive as JSON lines on stdin,
{"op": "count", "id", "model": DIR, "files": [PATH...]}; each is answered
{"id", "event": "counted", "files": [{path, examples, tokens}]} or
{"id", "event": "error", "code", "message"}. Files are read from their paths.
Requests take turns in slices of SLICE_S, so a small file is not stuck behind
a 10 MB one. EOF on stdin (the server closed it or died) ends the process.
"""
import json
import os
import queue
import sys
import threading
from collections import OrderedDict, deque

from . import protocol
from .errors import TrainerError
from .model_setup import load_tokenizer
from .token_count import count_file

SLICE_S = 0.05
CACHED_TOKENIZERS = 8
# Files that decide how a folder tokenizes: a model replaced under the same name is loaded afresh.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json", "chat_template.jinja")
EOF_ = object()


class Tokenizers:
    """The tokenizers of the last few model folders used, reloaded when their files change."""

    def __init__(self, size=CACHED_TOKENIZERS):
        self.size, self.cache = size, OrderedDict()

    def get(self, model_dir):
        key = (os.path.realpath(model_dir), _signature(model_dir))
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        tokenizer = load_tokenizer(model_dir)
        self.cache[key] = tokenizer
        while len(self.cache) > self.size:
            self.cache.popitem(last=False)
        return tokenizer


def _signature(model_dir):
    stats = []
    for name in TOKENIZER_FILES:
        try:
            st = os.stat(os.path.join(model_dir, name))
            stats.append((name, st.st_mtime_ns, st.st_size))
        except OSError:
            pass
    return tuple(stats)


def count_request(msg, tokenizers):
    """One request as a generator: yields between slices, returns the files' counts."""
    tokenizer = tokenizers.get(msg["model"])
    files = []
    for path in msg["files"]:
        if not os.path.isfile(path):
            raise TrainerError("file_not_found", f"{path} does not exist")
        files.append((yield from count_file(path, tokenizer, SLICE_S)))
    return files


def serve(stream=None, emit=protocol.emit):
    inbox = queue.Queue()
    threading.Thread(target=protocol.read_requests, args=(stream or sys.stdin, inbox, EOF_), daemon=True).start()
    tokenizers, active = Tokenizers(), deque()
    emit("ready")
    while True:
        # Block only when idle; otherwise take what has arrived and give each request a slice in turn.
        while True:
            try:
                msg = inbox.get(block=not active)
            except queue.Empty:
                break
            if msg is EOF_:
                return 0
            if not _is_count(msg):
                protocol.log("warn", f"ignoring unknown request: {json.dumps(msg)[:200]}")
                continue
            active.append((msg["id"], count_request(msg, tokenizers)))
        request_id, work = active.popleft()
        try:
            next(work)
            active.append((request_id, work))
        except StopIteration as done:
            emit("counted", id=request_id, files=done.value)
        except TrainerError as e:
            emit("error", id=request_id, code=e.code, message=e.message)
        except Exception as e:  # noqa: BLE001 - one bad request must not take the counter down
            emit("error", id=request_id, code="internal_error", message=f"{type(e).__name__}: {e}")


def _is_count(msg):
    return (isinstance(msg, dict) and msg.get("op") == "count" and isinstance(msg.get("id"), str)
            and isinstance(msg.get("model"), str) and isinstance(msg.get("files"), list))
