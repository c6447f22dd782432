"""The data directory's copy in object storage, for a trainer that may run on any node.

With spec.object_store set, the spec's paths are data-directory-relative: they resolve below
local_root, and the same relative path names the object `<prefix>/<path>` in the bucket. Inputs
and the base model missing locally are downloaded before training; when resuming, so is the
newest restart point in the bucket that is newer than the local one. Restart points and the
final weights are uploaded before their event is emitted, so the server never records one that
only this node holds.

A directory in the bucket is usable only once its marker object (`<dir>/.complete`, written
last, holding the step) is there: an upload cut short by a dying node is never resumed from.
Only rank 0 talks to the store; the other ranks wait for it (World.on_main).
"""
import json
import os
import shutil
import tempfile

from . import checkpoints as ckpt
from .errors import TrainerError
from .protocol import log

MARKER = ".complete"


def prepare(spec, world):
    """Resolves the spec's paths (every rank) and fetches what is missing (rank 0); returns the run's mirror."""
    if spec.object_store is None:
        return LocalOnly(world)
    root = spec.object_store["local_root"]
    local = lambda rel: os.path.join(root, rel)  # noqa: E731
    spec.base_model_path, spec.output_dir = local(spec.base_model_path), local(spec.output_dir)
    for f in spec.training_files + spec.validation_files:
        f["path"] = local(f["path"])
    mirror = Mirror(spec.object_store, world)
    world.on_main(mirror.fetch_inputs, spec)
    return mirror


class LocalOnly:
    """No object store: the data directory is the only copy. The loop's hooks at each save site
    (every rank calls them; rank 0 acts)."""

    def __init__(self, world):
        self.world = world

    def saved(self, path, step):
        """A restart point or the final weights were written at `path`."""

    def removed(self, path):
        """A restart point is no longer needed."""
        self.world.on_main(shutil.rmtree, path, True)

    def prune(self, output_dir, keep):
        """Deletes all but the newest `keep` checkpoints; returns the removed steps."""
        return self.world.on_main(ckpt.prune_checkpoints, output_dir, keep)


class Mirror(LocalOnly):
    def __init__(self, config, world):
        super().__init__(world)
        self.bucket, self.prefix, self.root = config["bucket"], config["prefix"].strip("/"), config["local_root"]
        self.s3 = client(config) if world.is_main else None

    def saved(self, path, step):
        """Uploaded before the caller emits its event, marker last."""
        self.world.on_main(self._upload_dir, path, step)

    def removed(self, path):
        self.world.on_main(self._remove_both, path)

    def prune(self, output_dir, keep):
        """Keeps the newest `keep` of the checkpoints here and in the store (an earlier node may have
        saved some this one never had) and deletes the rest in both places, with any unfinished
        upload older than the newest."""

        def both():
            local = {step for step, _ in ckpt.list_checkpoints(output_dir)}
            newest = max(local, default=0)
            remote = self._remote_steps(output_dir)
            complete = {step for step, marked in remote.items() if marked and step <= newest}
            drop = sorted(local | complete)[:-keep]
            unfinished = [step for step in set(remote) - local - complete if step < newest]
            for step in drop + unfinished:
                self._remove_both(ckpt.checkpoint_path(output_dir, step))
            return drop

        return self.world.on_main(both)

    # Before training (rank 0).

    def fetch_inputs(self, spec):
        for f in spec.training_files + spec.validation_files:
            self._download_file(f["path"])
        self._download_dir(spec.base_model_path, only_missing=True)
        if not spec.resume:  # an earlier run's restart points would outrank this run's
            for name in ("checkpoints", "resume", "final"):
                self._delete_dir(self._rel(os.path.join(spec.output_dir, name)))
            return
        remote = self._newest_remote_point(spec.output_dir, spec.resume_max_step)
        here = ckpt.find_resume_point(spec.output_dir, spec.resume_max_step)
        if remote and (here is None or remote[0] > here[0]):
            log("info", f"downloading the restart point at step {remote[0]} from object storage")
            self._download_dir(remote[1])

    def _newest_remote_point(self, output_dir, max_step):
        candidates = [(s, ckpt.checkpoint_path(output_dir, s)) for s, marked in self._remote_steps(output_dir).items() if marked]
        pause = ckpt.resume_path(output_dir)
        pause_step = self._marker_step(pause)
        if pause_step is not None:
            candidates.append((pause_step, pause))
        if max_step is not None:
            candidates = [c for c in candidates if c[0] <= max_step]
        return max(candidates, key=lambda c: (c[0], c[1] == pause), default=None)

    def _remote_steps(self, output_dir):
        """{step: whether its marker is there} for the checkpoints in the store."""
        base = self._key(self._rel(os.path.join(output_dir, "checkpoints"))) + "/"
        steps = {}
        for key in self._keys(base):
            name, _, rest = key[len(base):].partition("/")
            match = ckpt.STEP_DIR.match(name)
            if match:
                step = int(match.group(1))
                steps[step] = steps.get(step, False) or rest == MARKER
        return steps

    def _marker_step(self, path):
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self._key(self._rel(path)) + "/" + MARKER)["Body"].read()
        except Exception as e:  # botocore's ClientError, imported only with an object store
            if _missing(e):
                return None
            raise
        return json.loads(body)["step"]

    # Transfers.

    def _upload_dir(self, path, step):
        rel = self._rel(path)
        self._delete_dir(rel)  # a re-saved point (a later pause, a replayed step) replaces the old one whole
        for dirpath, _, names in os.walk(path):
            for name in sorted(names):
                local = os.path.join(dirpath, name)
                self.s3.upload_file(local, self.bucket, self._key(self._rel(local)))
        self.s3.put_object(Bucket=self.bucket, Key=self._key(rel) + "/" + MARKER, Body=json.dumps({"step": step}).encode())

    def _download_dir(self, path, only_missing=False):
        """Every object below `path` into place; a whole restart point goes to a sibling folder first and is renamed in."""
        base = self._key(self._rel(path)) + "/"
        keys = [k for k in self._keys(base) if not k.endswith("/" + MARKER)]
        if only_missing:
            for key in keys:
                self._download_file(os.path.join(path, key[len(base):]))
            return
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.download-", dir=parent)
        try:
            for key in keys:
                dest = os.path.join(tmp, key[len(base):])
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                self.s3.download_file(self.bucket, key, dest)
            shutil.rmtree(path, ignore_errors=True)
            os.rename(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _download_file(self, path):
        if os.path.exists(path):
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:  # boto3 writes to a temporary name and renames it when complete
            self.s3.download_file(self.bucket, self._key(self._rel(path)), path)
        except Exception as e:  # botocore's ClientError, imported only with an object store
            if not _missing(e):  # absent in both places: the step that reads it says what is missing
                raise

    def _remove_both(self, path):
        shutil.rmtree(path, ignore_errors=True)
        self._delete_dir(self._rel(path))

    def _delete_dir(self, rel):
        """Marker first: a reader never sees a marked point with files missing."""
        base = self._key(rel) + "/"
        keys = self._keys(base)
        marker = base + MARKER
        if marker in keys:
            self.s3.delete_object(Bucket=self.bucket, Key=marker)
        rest = [{"Key": k} for k in keys if k != marker]
        for i in range(0, len(rest), 1000):
            self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": rest[i:i + 1000], "Quiet": True})

    def _keys(self, prefix):
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def _rel(self, path):
        rel = os.path.relpath(path, self.root)
        if rel.startswith(".."):
            raise TrainerError("invalid_spec", f"{path} is outside object_store.local_root")
        return rel.replace(os.sep, "/")

    def _key(self, rel):
        return f"{self.prefix}/{rel}" if self.prefix else rel


def _missing(error):
    return (getattr(error, "response", None) or {}).get("Error", {}).get("Code") in ("404", "NoSuchKey")


def client(config):
    """An S3 client for the spec's endpoint and region; credentials from the AWS_* environment."""
    import boto3
    from botocore.config import Config

    # Checksums only where the API requires them and path-style addressing: what every
    # S3-compatible store (MinIO, Ceph RGW, R2, s3rver) accepts.
    settings = Config(request_checksum_calculation="when_required", response_checksum_validation="when_required",
                      s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"})
    return boto3.client("s3", endpoint_url=config.get("endpoint_url") or None, region_name=config.get("region") or None,
                        config=settings)
