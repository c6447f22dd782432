"""`pull-model`: download a Hugging Face model repository into the models folder.

Files are fetched into a staging folder and the finished folder is renamed
into place, so a half-finished pull is never a usable model. A file's partial
bytes stay in the staging folder (`.partial/<file>.part`): the next pull of the
same commit continues them with a Range request instead of starting over.
huggingface_hub does the talking, so HF_TOKEN and HF_ENDPOINT apply as usual.
"""
import fnmatch
import hashlib
import json
import os
import shutil
import tempfile
import threading

from . import protocol
from .errors import TrainerError

# selftune loads safetensors; other weight formats (and exports for other
# runtimes) are skipped unless an include pattern asks for them.
SKIPPED_BY_DEFAULT = (
    "*.bin", "*.pt", "*.pth", "*.ckpt", "*.gguf", "*.ggml", "*.h5", "*.msgpack", "*.onnx", "*.onnx_data",
    "*.ot", "*.tflite", "*.mlmodel", "*.pkl", "*.npz", "*.nemo", "*.tar", "*.tar.gz", "*.zip",
    "onnx/*", "openvino/*", "coreml/*",
)
WEIGHT_FILE = ("*.safetensors", "pytorch_model*.bin")
PARTIAL_DIR = ".partial"
STATE_FILE = ".pull.json"
PROGRESS_EVERY_S = 0.5


def wanted(name, include_patterns):
    if any(fnmatch.fnmatch(name, p) for p in include_patterns):
        return True
    return not any(fnmatch.fnmatch(name, p) for p in SKIPPED_BY_DEFAULT)


def pull_model(repo, revision, dest, staging, include_patterns=()):
    from huggingface_hub import constants

    # http_get writes what it has read once per chunk (10 MB by default); smaller
    # chunks mean a cut connection loses less, and progress moves more often.
    constants.DOWNLOAD_CHUNK_SIZE = 1 << 20
    info = _repo_info(repo, revision, constants.ENDPOINT)
    siblings = info.siblings or []
    files = [s for s in siblings if wanted(s.rfilename, include_patterns)]
    chosen = {s.rfilename for s in files}
    skipped = [s.rfilename for s in siblings if s.rfilename not in chosen]
    if not any(_is_weight(s.rfilename) for s in files):
        other = [n for n in skipped if any(fnmatch.fnmatch(n, p) for p in SKIPPED_BY_DEFAULT)]
        hint = f"; it has {', '.join(other[:5])}: pass an include pattern (e.g. '*.bin') to fetch those" if other else ""
        raise TrainerError("no_weights", f"{repo} at {info.sha[:12]} has no safetensors weights{hint}")

    _prepare_staging(staging, repo, info.sha)
    total = sum(s.size or 0 for s in files)
    protocol.emit("pull_started", repo=repo, commit=info.sha, files=len(files), total_bytes=total, skipped=skipped)
    progress = _Progress(total, len(files))
    try:
        for sibling in files:
            _fetch(repo, info.sha, sibling, staging, progress)
            progress.file_done(sibling.size or 0)
    finally:
        progress.stop()
    shutil.rmtree(os.path.join(staging, PARTIAL_DIR), ignore_errors=True)
    os.remove(os.path.join(staging, STATE_FILE))
    _move_into_place(staging, dest)
    protocol.emit("pull_completed", repo=repo, commit=info.sha, path=dest, files=len(files), total_bytes=total)


def _repo_info(repo, revision, endpoint):
    import httpx
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

    try:
        return HfApi().model_info(repo, revision=revision, files_metadata=True)
    except GatedRepoError:
        raise TrainerError("repository_gated", f"{repo} is gated: accept its terms on the Hub and set HF_TOKEN")
    except RevisionNotFoundError:
        raise TrainerError("revision_not_found", f"{repo} has no revision {revision!r}")
    except RepositoryNotFoundError:
        raise TrainerError("repository_not_found", f"{repo} is not a model repository on {endpoint} (or it is private: set HF_TOKEN)")
    except HfHubHTTPError as e:
        raise TrainerError("hub_error", f"{endpoint} answered: {e}")
    except (httpx.HTTPError, OSError) as e:
        raise TrainerError("hub_unreachable", f"cannot reach {endpoint}: {e}")


def _is_weight(name):
    return any(fnmatch.fnmatch(os.path.basename(name), p) for p in WEIGHT_FILE)


def _prepare_staging(staging, repo, commit):
    # Partial bytes are only worth keeping for the same commit; another one starts afresh.
    state_path = os.path.join(staging, STATE_FILE)
    try:
        with open(state_path) as f:
            same = json.load(f) == {"repo": repo, "commit": commit}
    except (OSError, ValueError):
        same = False
    if not same:
        shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging, exist_ok=True)
    with open(state_path, "w") as f:
        json.dump({"repo": repo, "commit": commit}, f)


def _fetch(repo, commit, sibling, staging, progress):
    import httpx
    from huggingface_hub import hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    name, size = sibling.rfilename, sibling.size
    target = os.path.join(staging, name)
    if os.path.isfile(target) and (size is None or os.path.getsize(target) == size):
        return
    part = os.path.join(staging, PARTIAL_DIR, name + ".part")
    os.makedirs(os.path.dirname(part), exist_ok=True)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    progress.current = part
    with open(part, "ab") as f:
        have = f.tell()
        if size is not None and have > size:
            f.truncate(0)
            have = 0
        if size is None or have < size:
            try:
                http_get(hf_hub_url(repo, name, revision=commit), f, resume_size=have,
                         headers=build_hf_headers(), expected_size=size)
            except HfHubHTTPError as e:
                raise TrainerError("download_failed", f"{name}: {e}")
            except (httpx.HTTPError, OSError) as e:
                raise TrainerError("download_interrupted", f"{name}: {e}; pull again to resume it")
    progress.current = None
    if sibling.lfs is not None and _sha256(part) != sibling.lfs.sha256:
        os.remove(part)
        raise TrainerError("download_corrupt", f"{name} does not match its sha256 on the Hub; pull again")
    os.replace(part, target)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _move_into_place(staging, dest):
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    old = None
    if os.path.exists(dest):  # a pull of a model already there replaces it, in one rename
        old = tempfile.mkdtemp(prefix=".replaced-", dir=os.path.dirname(staging))
        os.rename(dest, os.path.join(old, "model"))
    os.rename(staging, dest)
    if old:
        shutil.rmtree(old, ignore_errors=True)


class _Progress:
    """Reports bytes on disk (finished files plus the growing partial file) twice a second."""

    def __init__(self, total, n_files):
        self.total, self.n_files = total, n_files
        self.done_bytes = self.done_files = 0
        self.current = None
        self._last = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def file_done(self, size):
        self.done_bytes += size
        self.done_files += 1
        self._report()

    def stop(self):
        self._stop.set()
        self._thread.join()
        self._report()

    def _run(self):
        while not self._stop.wait(PROGRESS_EVERY_S):
            self._report()

    def _report(self):
        current = self.current
        partial = os.path.getsize(current) if current and os.path.exists(current) else 0
        state = (self.done_bytes + partial, self.done_files)
        if state != self._last:
            self._last = state
            protocol.emit("pull_progress", bytes_done=state[0], bytes_total=self.total, files_done=state[1], files_total=self.n_files)
