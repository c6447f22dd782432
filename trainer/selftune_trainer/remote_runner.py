"""A trainer away from the server: `remote --runner-url URL --job ID` (token in SELFTUNE_RUNNER_TOKEN).

Fetches the job's spec over the runner protocol (docs/runner-protocol.md), points
its object store at a node-local work folder, runs the normal trainer on it and
carries its stdout events to the server in numbered batches (a batch the server
already applied is skipped there, so a retried POST is never applied twice).
Each reply carries the job's control (pause/cancel), passed to the trainer's
stdin. A server that refuses the token (the job moved on) or cannot be reached
for UNREACHABLE_SECONDS gets the trainer killed.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import deque

TOKEN_ENV = "SELFTUNE_RUNNER_TOKEN"
WORK_DIR_ENV = "SELFTUNE_RUNNER_WORK_DIR"
UNREACHABLE_SECONDS = 60
POST_INTERVAL = 0.5
MAX_BATCH = 200
STDERR_TAIL_LINES = 40
# The job is no longer this runner's: its token was revoked or the job moved on.
GONE_STATUSES = (401, 403, 404, 409)
EXIT_GONE = 4


class JobGone(Exception):
    pass


class Unreachable(Exception):
    pass


class RunnerClient:
    def __init__(self, base_url, job_id, token, timeout=10):
        self.base = f"{base_url.rstrip('/')}/runner/v1/jobs/{job_id}"
        self.token = token
        self.timeout = timeout
        self.last_contact = time.monotonic()

    def call(self, method, path, body=None):
        """One request, retried until it lands; JobGone when the server refuses the token."""
        while True:
            try:
                return self._once(method, path, body)
            except urllib.error.HTTPError as e:
                if e.code in GONE_STATUSES:
                    raise JobGone(f"{method} {path}: HTTP {e.code}") from e
                reason = f"HTTP {e.code}"
            except (urllib.error.URLError, OSError) as e:
                reason = str(e)
            if time.monotonic() - self.last_contact > UNREACHABLE_SECONDS:
                raise Unreachable(f"the server has not answered for {UNREACHABLE_SECONDS} s ({reason})")
            time.sleep(1)

    def _once(self, method, path, body):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            payload = json.loads(response.read() or b"null")
        self.last_contact = time.monotonic()
        return payload


def relative_paths(event, root):
    """Event paths as data-directory-relative ones: the node's work folder means nothing to the server."""
    out = dict(event)
    prefix = root.rstrip(os.sep) + os.sep
    for key, value in event.items():
        if key == "path" and isinstance(value, str) and value.startswith(prefix):
            out[key] = value[len(prefix):]
    return out


class EventOutbox:
    """Events numbered from 0 in trainer order; drop() forgets those the server confirmed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = deque()
        self.first = 0  # sequence number of pending[0]

    def add(self, event):
        with self.lock:
            self.pending.append(event)

    def batch(self, limit=MAX_BATCH):
        with self.lock:
            return self.first, [self.pending[i] for i in range(min(limit, len(self.pending)))]

    def confirm(self, applied):
        with self.lock:
            while self.first < applied and self.pending:
                self.pending.popleft()
                self.first += 1

    @property
    def total(self):
        with self.lock:
            return self.first + len(self.pending)


def run_remote(runner_url, job_id, token=None):
    token = token or os.environ.get(TOKEN_ENV)
    if not token:
        print(f"remote: no runner token in {TOKEN_ENV}", file=sys.stderr)
        return 2
    client = RunnerClient(runner_url, job_id, token)
    work = tempfile.mkdtemp(prefix=f"job-{job_id}-", dir=_work_dir())
    try:
        return _run(client, job_id, work)
    except (JobGone, Unreachable) as e:
        print(f"remote: job {job_id} stopped: {e}", file=sys.stderr)
        return EXIT_GONE
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _work_dir():
    path = os.environ.get(WORK_DIR_ENV) or os.path.join(tempfile.gettempdir(), "selftune-runner")
    os.makedirs(path, exist_ok=True)
    return path


def _run(client, job_id, work):
    spec = client.call("GET", "/spec")
    if not spec.get("object_store"):
        raise JobGone("the spec names no object store: a remote trainer has no other way to its inputs")
    spec["object_store"]["local_root"] = work
    spec_path = os.path.join(work, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    trainer = subprocess.Popen(
        [sys.executable, "-m", "selftune_trainer", "train", "--spec", spec_path],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, bufsize=1,
    )
    outbox = EventOutbox()
    tail = deque(maxlen=STDERR_TAIL_LINES)
    readers = [
        threading.Thread(target=_read_events, args=(trainer.stdout, outbox, work), daemon=True),
        threading.Thread(target=_read_stderr, args=(trainer.stderr, tail), daemon=True),
    ]
    for r in readers:
        r.start()
    relay = ControlRelay(trainer)
    try:
        while trainer.poll() is None or readers[0].is_alive():
            _flush(client, outbox, relay)
            time.sleep(POST_INTERVAL)
        for r in readers:
            r.join()
        while outbox.total > outbox.first:
            _flush(client, outbox, relay)
    except BaseException:
        _kill(trainer)
        raise
    code = trainer.returncode
    report = {
        "code": code if code >= 0 else None,
        "signal": signal.Signals(-code).name if code < 0 else None,
        "stderr_tail": "".join(tail)[-4000:],
        "events": outbox.total,
    }
    client.call("POST", "/exit", report)
    return 0


def _flush(client, outbox, relay):
    first, events = outbox.batch()
    reply = client.call("POST", "/events", {"first_seq": first, "events": events})
    outbox.confirm(reply.get("applied", first))
    relay.apply(reply.get("control"))


class ControlRelay:
    """Each control the server answers with reaches the trainer's stdin once."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.sent = set()

    def apply(self, control):
        if control not in ("pause", "cancel") or control in self.sent:
            return
        self.sent.add(control)
        try:
            self.trainer.stdin.write(json.dumps({"command": control}) + "\n")
            self.trainer.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # it has already ended; its exit says how


def _read_events(stream, outbox, root):
    for line in stream:
        event = _parse(line)
        if event is not None:
            outbox.add(relative_paths(event, root))


def _parse(line):
    text = line.strip()
    if not text:
        return None
    try:
        value = json.loads(text)
        if isinstance(value, dict) and isinstance(value.get("event"), str):
            return value
    except ValueError:
        pass
    return {"event": "log", "level": "info", "message": text[:2000]}


def _read_stderr(stream, tail):
    for line in stream:
        tail.append(line)
        sys.stderr.write(line)


def _kill(trainer):
    if trainer.poll() is None:
        trainer.kill()
        trainer.wait()
