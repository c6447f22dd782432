"""Command line: `make-tiny-model --out DIR`, `train --spec spec.json`, `probe-device`, and the workers.

Exit codes: 0 completed / paused / cancelled, 1 failed (after a `failed` event),
2 bad command line, 3 stdin closed (the server is gone; nothing is emitted).
"""
import argparse
import errno
import os
import sys
import traceback

from . import protocol
from .errors import TrainerError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="selftune_trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make-tiny-model", help="create the random-initialised selftune-tiny demo model")
    make.add_argument("--out", required=True)
    train = sub.add_parser("train", help="run a fine-tuning job described by a spec.json")
    spec_source = train.add_mutually_exclusive_group(required=True)
    spec_source.add_argument("--spec")
    spec_source.add_argument("--standby", action="store_true",
                             help="import everything now, then wait for {\"command\": \"start\", \"spec\": PATH} on stdin")
    infer = sub.add_parser("serve-inference", help="the warm inference worker: JSON-line requests on stdin")
    infer.add_argument("--threads", type=int, default=1)
    infer.add_argument("--cache-size", type=int, default=8)
    infer.add_argument("--max-active", type=int, default=4)
    count = sub.add_parser("count-tokens", help="examples and tokens of JSONL files with a model's tokenizer")
    count.add_argument("--model", required=True)
    count.add_argument("files", nargs="+")
    sub.add_parser("serve-token-counts", help="the warm token counter: JSON-line count requests on stdin")
    pull = sub.add_parser("pull-model", help="download a Hugging Face model repository (huggingface_hub; HF_TOKEN, HF_ENDPOINT)")
    pull.add_argument("--repo", required=True)
    pull.add_argument("--revision", default="main")
    pull.add_argument("--dest", required=True, help="the model folder to create")
    pull.add_argument("--staging", required=True, help="where files are fetched (and partial files kept) until complete")
    pull.add_argument("--include-pattern", action="append", default=[], help="also fetch files matching this glob")
    export = sub.add_parser("export-model", help="write a fine-tuned model as a standalone Hugging Face folder")
    export.add_argument("--model-dir", required=True)
    export.add_argument("--kind", required=True, choices=("full", "lora"))
    export.add_argument("--out", required=True)
    export.add_argument("--base-path", help="LoRA: the base's weights (for --merged)")
    export.add_argument("--base-id", help="LoRA: the base's model id, named in adapter_config.json")
    export.add_argument("--merged", action="store_true", help="LoRA: fold the adapter into the base")
    sub.add_parser("probe-device", help="the device, its memory and measured training FLOP/s (a few seconds)")
    driver = sub.add_parser("ray-driver", help="the server's bridge to a Ray cluster: JSON-line requests on stdin")
    driver.add_argument("--address", required=True, help="the cluster's GCS address, host:port")
    remote = sub.add_parser("remote", help="run one job's trainer for a server reached over the runner protocol")
    remote.add_argument("--runner-url", required=True)
    remote.add_argument("--job", required=True)
    args = parser.parse_args(argv)

    protocol.take_over_stdout()
    if args.command not in ("pull-model", "ray-driver", "remote"):  # these import no transformers
        _quiet_libraries()
    try:
        if args.command == "ray-driver":
            from .ray_driver import serve as serve_driver

            return serve_driver(args.address)
        if args.command == "remote":
            from .remote_runner import run_remote

            return run_remote(args.runner_url, args.job)
        if args.command == "pull-model":
            from .hub_pull import pull_model

            pull_model(args.repo, args.revision, os.path.abspath(args.dest), os.path.abspath(args.staging), args.include_pattern)
            return 0
        if args.command == "export-model":
            from .model_export import export_model

            export_model(args.model_dir, args.out, args.kind, args.base_path, args.base_id, args.merged)
            return 0
        if args.command == "make-tiny-model":
            from .tiny_model import make_tiny_model

            make_tiny_model(args.out)
            return 0
        if args.command == "serve-inference":
            from .inference.server import serve

            return serve(args.threads, args.cache_size, args.max_active)
        if args.command == "serve-token-counts":
            from .token_count_server import serve as serve_counts

            return serve_counts()
        if args.command == "count-tokens":
            from .token_count import count_tokens

            protocol.emit("counted", **count_tokens(args.model, args.files))
            return 0
        if args.command == "probe-device":
            from .device_probe import probe_device

            protocol.emit("device_profile", **probe_device())
            return 0
        from .distributed import init_world
        from .loop import run_training
        from .spec import load_spec

        spec_path = args.spec or protocol.wait_for_start()
        world = init_world()
        commands = protocol.Commands()
        if world.is_main:
            commands.listen()
        else:  # rank 0 alone reads stdin and reports; the others only say why they failed
            protocol.only_emit("failed")
            commands.watch_signals()
        try:
            return run_training(load_spec(os.path.abspath(spec_path)), commands, world)
        finally:
            world.close()
    except TrainerError as e:
        return _fail(e.code, e.message)
    except BaseException as e:  # every way of dying must still tell the server why
        if isinstance(e, SystemExit):
            raise
        traceback.print_exc(file=sys.stderr)
        if _is_disk_full(e):
            return _fail("disk_full", f"No space left on device: the job could not write its files ({str(e).splitlines()[0][:300] if str(e) else type(e).__name__}). Free disk space in the data directory and create the job again.")
        if _is_oom(e):
            from .device_probe import oom_message

            return _fail("out_of_memory", oom_message(str(e).split("\n")[0][:300]))
        return _fail("internal_error", f"{type(e).__name__}: {e}")


def _fail(code, message):
    protocol.emit("failed", code=code, message=message)
    return 1


def _is_disk_full(exc):
    # OSError(ENOSPC) from Python; torch.save and safetensors wrap it in their own errors, keeping the text.
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "no space left on device" in str(exc).lower() or "file write failed" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _is_oom(exc):
    if isinstance(exc, MemoryError):
        return True
    # A CPU allocation that fails raises RuntimeError("... DefaultCPUAllocator: can't allocate memory ...").
    text = str(exc).lower()
    if isinstance(exc, RuntimeError) and any(s in text for s in ("can't allocate memory", "not enough memory", "out of memory")):
        return True
    try:
        import torch

        return isinstance(exc, torch.cuda.OutOfMemoryError)
    except ImportError:
        return False


def _quiet_libraries():
    # Progress bars and advisory warnings only clutter the job log on stderr.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
