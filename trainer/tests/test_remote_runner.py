"""The remote runner's plumbing: numbered event batches, path rewriting, control relay, a server that refuses."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from selftune_trainer import remote_runner
from selftune_trainer.remote_runner import ControlRelay, EventOutbox, JobGone, RunnerClient, relative_paths


def test_paths_below_the_work_folder_become_data_dir_relative():
    root = "/node/work/job-1"
    event = {"event": "checkpoint", "step": 4, "path": "/node/work/job-1/runs/j/checkpoints/step-4", "metrics": {"step": 4}}
    assert relative_paths(event, root)["path"] == "runs/j/checkpoints/step-4"
    assert relative_paths(event, root + "/")["path"] == "runs/j/checkpoints/step-4"
    # Anything else is left as it is: a sibling folder with the same prefix, or no path at all.
    assert relative_paths({"event": "paused", "path": "/node/work/job-10/x"}, root)["path"] == "/node/work/job-10/x"
    assert relative_paths({"event": "step", "step": 1}, root) == {"event": "step", "step": 1}


def test_the_outbox_numbers_events_and_forgets_only_confirmed_ones():
    box = EventOutbox()
    for i in range(5):
        box.add({"event": "step", "step": i})
    first, batch = box.batch(limit=3)
    assert first == 0 and [e["step"] for e in batch] == [0, 1, 2]
    box.confirm(2)  # the server applied two: the third is sent again
    first, batch = box.batch()
    assert first == 2 and [e["step"] for e in batch] == [2, 3, 4]
    box.confirm(1)  # a stale answer confirms nothing new
    assert box.batch()[0] == 2
    box.confirm(5)
    assert box.batch() == (5, []) and box.total == 5


class _FakeTrainer:
    def __init__(self):
        self.lines = []
        outer = self

        class Stdin:
            def write(self, text):
                outer.lines.append(json.loads(text))

            def flush(self):
                pass

        self.stdin = Stdin()


def test_each_control_reaches_the_trainer_once():
    trainer = _FakeTrainer()
    relay = ControlRelay(trainer)
    for control in [None, "pause", "pause", "cancel", "cancel", "bogus"]:
        relay.apply(control)
    assert trainer.lines == [{"command": "pause"}, {"command": "cancel"}]


class _Server:
    """A runner endpoint that answers each request from a script of (status, body)."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                outer.requests.append((self.command, self.path, self.headers.get("Authorization"), body))
                status, payload = outer.answers.pop(0)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def server_with():
    servers = []

    def make(answers):
        servers.append(_Server(answers))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def test_a_failed_post_is_retried_and_a_refused_token_stops_the_runner(server_with, monkeypatch):
    monkeypatch.setattr(remote_runner.time, "sleep", lambda _s: None)
    server = server_with([(503, {}), (200, {"applied": 1, "control": None}), (401, {"error": {}})])
    client = RunnerClient(server.url, "job-1", "selftune-runner-abc")
    assert client.call("POST", "/events", {"first_seq": 0, "events": [{"event": "log"}]}) == {"applied": 1, "control": None}
    with pytest.raises(JobGone):
        client.call("POST", "/events", {"first_seq": 1, "events": []})
    methods = [(m, p, auth) for m, p, auth, _ in server.requests]
    assert methods == [("POST", "/runner/v1/jobs/job-1/events", "Bearer selftune-runner-abc")] * 3


def test_a_server_unreachable_for_too_long_stops_the_runner(monkeypatch):
    clock = iter(range(0, 10_000, 30))
    monkeypatch.setattr(remote_runner.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(remote_runner.time, "sleep", lambda _s: None)
    client = RunnerClient("http://127.0.0.1:9", "job-1", "t", timeout=1)  # nothing listens on port 9
    with pytest.raises(remote_runner.Unreachable):
        client.call("GET", "/spec")
