"""Trainers that read their inputs from and write restart points to object storage (a real s3rver)."""
import os
import shutil
import subprocess

import pytest

from conftest import PROCESS_EXIT_S, addition_chats, of, run_inprocess, write_jsonl
from selftune_trainer import protocol
from selftune_trainer.loop import run_training
from selftune_trainer.object_store import MARKER, client
from selftune_trainer.spec import TrainSpec

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUCKET = "trainer-test"
S3RVER = """
const S3rver = require('s3rver');
new S3rver({ port: 0, address: '127.0.0.1', directory: process.argv[1], silent: true,
             configureBuckets: [{ name: process.argv[2], configs: [] }] })
  .run().then(({ port }) => console.log(port));
"""


@pytest.fixture(scope="module")
def s3(tmp_path_factory, monkeypatch_module):
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the S3 server these tests use (s3rver) runs on it")
    directory = tmp_path_factory.mktemp("s3rver")
    proc = subprocess.Popen(["node", "-e", S3RVER, str(directory), BUCKET], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        # s3rver's fixed credentials; the spec names the endpoint and region.
        monkeypatch_module.setenv("AWS_ACCESS_KEY_ID", "S3RVER")
        monkeypatch_module.setenv("AWS_SECRET_ACCESS_KEY", "S3RVER")
        yield {"bucket": BUCKET, "endpoint_url": f"http://127.0.0.1:{port}", "region": "us-east-1"}
    finally:
        proc.kill()
        proc.wait(timeout=PROCESS_EXIT_S)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


class Bucket:
    """What the bucket holds below one prefix, by data-directory-relative path."""

    def __init__(self, location, prefix):
        self.s3, self.prefix = client(location), prefix

    def put_dir(self, local, rel):
        for dirpath, _, names in os.walk(local):
            for name in names:
                path = os.path.join(dirpath, name)
                self.put_file(path, f"{rel}/{os.path.relpath(path, local)}")

    def put_file(self, local, rel):
        self.s3.upload_file(local, BUCKET, f"{self.prefix}/{rel}")

    def delete(self, rel):
        self.s3.delete_object(Bucket=BUCKET, Key=f"{self.prefix}/{rel}")

    def paths(self, under=""):
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{self.prefix}/{under}")
        return {o["Key"][len(self.prefix) + 1:] for page in pages for o in page.get("Contents", [])}

    def checkpoints(self, job, marked_only=True):
        names = {p.split("/")[3] for p in self.paths(f"runs/{job}/checkpoints/")
                 if not marked_only or p.endswith("/" + MARKER)}
        return sorted(int(n.split("-")[1]) for n in names)


def seeded_bucket(s3, tiny_model, tmp_path, prefix):
    """A bucket holding the base model and the inputs, as the server's mirror leaves them."""
    bucket = Bucket(s3, prefix)
    bucket.put_dir(tiny_model, "models/selftune-tiny")
    bucket.put_file(write_jsonl(tmp_path / "train.jsonl", addition_chats(12)), "files/train.jsonl")
    bucket.put_file(write_jsonl(tmp_path / "valid.jsonl", addition_chats(4, seed=1)), "files/valid.jsonl")
    return bucket


def store_spec(s3, prefix, root, **overrides):
    os.makedirs(root, exist_ok=True)
    spec = {
        "job_id": "job1", "base_model_path": "models/selftune-tiny", "output_dir": "runs/job1",
        "training_files": [{"path": "files/train.jsonl", "weight": 1.0}], "validation_files": [{"path": "files/valid.jsonl"}],
        "n_epochs": 4, "batch_size": 2, "seed": 7, "keep_checkpoints": 3,
        "object_store": {**s3, "prefix": prefix, "local_root": str(root)},
    }
    return {**spec, **overrides}


def losses(events):
    return [e["train_loss"] for e in of(events, "step")]


def test_a_run_fetches_its_inputs_and_uploads_each_restart_point_before_its_event(s3, tiny_model, tmp_path):
    bucket = seeded_bucket(s3, tiny_model, tmp_path, "uploads")
    root = tmp_path / "node"
    seen = []  # (event, what the bucket held when it was emitted)

    def watch(event):
        if event["event"] in ("checkpoint", "completed", "paused"):
            seen.append((event, bucket.paths("runs/job1/")))

    commands = protocol.Commands()
    events = []

    def sink(event):
        events.append(event)
        watch(event)
        if event["event"] == "step" and event["step"] == 9 and not commands.pause.is_set():
            commands.pause.set()

    protocol.set_sink(sink)
    try:
        assert run_training(TrainSpec(**store_spec(s3, "uploads", root)), commands) == 0
    finally:
        protocol.set_sink(None)
    # Inputs and the base model came from the bucket; the paths in events stay local and absolute.
    assert os.path.isfile(root / "files" / "train.jsonl") and os.path.isfile(root / "models" / "selftune-tiny" / "config.json")
    paused = events[-1]
    assert paused == {"event": "paused", "step": 9, "path": str(root / "runs" / "job1" / "resume")}
    checkpoint, held = seen[0]
    assert checkpoint["step"] == 6 and checkpoint["path"] == str(root / "runs" / "job1" / "checkpoints" / "step-6")
    assert {"runs/job1/checkpoints/step-6/" + MARKER, "runs/job1/checkpoints/step-6/trainer_state.pt",
            "runs/job1/checkpoints/step-6/model/model.safetensors"} <= held
    assert {"runs/job1/resume/" + MARKER, "runs/job1/resume/trainer_state.pt"} <= seen[1][1]

    # Resumed to the end on the same node: each checkpoint uploaded before its event, the oldest
    # pruned in the bucket too, the final weights uploaded, the used pause point gone.
    protocol.set_sink(sink)
    try:
        assert run_training(TrainSpec(**store_spec(s3, "uploads", root)), protocol.Commands()) == 0
    finally:
        protocol.set_sink(None)
    for event, held in seen[2:]:
        if event["event"] == "checkpoint":
            assert f"runs/job1/checkpoints/step-{event['step']}/{MARKER}" in held
    completed, held = seen[-1]
    assert completed["event"] == "completed" and completed["path"] == str(root / "runs" / "job1" / "final")
    assert {"runs/job1/final/" + MARKER, "runs/job1/final/model.safetensors", "runs/job1/final/selftune_model.json"} <= held
    assert [e["step"] for e in of(events, "checkpoint_removed")] == [6]
    assert bucket.checkpoints("job1", marked_only=False) == [12, 18, 24]
    assert not bucket.paths("runs/job1/resume/")


def test_a_node_with_an_empty_disk_resumes_from_the_newest_complete_checkpoint_in_the_bucket(s3, tiny_model, tmp_path):
    bucket = seeded_bucket(s3, tiny_model, tmp_path, "resume")
    _, straight = run_inprocess(store_spec(s3, "resume", tmp_path / "first"))
    assert losses(straight) and bucket.checkpoints("job1") == [12, 18, 24]

    # The step-24 upload was cut short (its marker never written): a new node resumes from 18.
    bucket.delete(f"runs/job1/checkpoints/step-24/{MARKER}")
    _, resumed = run_inprocess(store_spec(s3, "resume", tmp_path / "second"))
    assert of(resumed, "started")[0]["resumed_from_step"] == 18
    assert losses(resumed) == losses(straight)[18:]
    assert bucket.checkpoints("job1") == [12, 18, 24]

    # The server recorded only up to step 14: a third node resumes from 12, the newest at or below it.
    _, again = run_inprocess(store_spec(s3, "resume", tmp_path / "third", resume_max_step=14))
    assert of(again, "started")[0]["resumed_from_step"] == 12
    assert losses(again) == losses(straight)[12:]


def test_resume_false_clears_the_buckets_restart_points(s3, tiny_model, tmp_path):
    bucket = seeded_bucket(s3, tiny_model, tmp_path, "fresh")
    run_inprocess(store_spec(s3, "fresh", tmp_path / "first", n_epochs=3))
    assert bucket.checkpoints("job1") == [6, 12, 18]
    _, events = run_inprocess(store_spec(s3, "fresh", tmp_path / "second", n_epochs=1, resume=False))
    assert of(events, "started")[0]["resumed_from_step"] == 0
    assert bucket.checkpoints("job1", marked_only=False) == [6]


def test_spec_paths_must_be_relative_with_an_object_store(s3, tmp_path):
    from selftune_trainer.errors import TrainerError

    spec = store_spec(s3, "p", tmp_path, base_model_path=str(tmp_path / "abs"))
    with pytest.raises(TrainerError, match="base_model_path must be a relative path"):
        TrainSpec(**spec)
    with pytest.raises(TrainerError, match=r"training_files\[0\]"):
        TrainSpec(**dict(store_spec(s3, "p", tmp_path), training_files=[{"path": "../escape.jsonl"}]))
    with pytest.raises(TrainerError, match="local_root must be an absolute path"):
        TrainSpec(**dict(spec, base_model_path="m", object_store={"bucket": "b", "local_root": "rel"}))
