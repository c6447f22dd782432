"""Command line: `make-tiny-model --out DIR` and `train --spec spec.json`.

Exit codes: 0 completed / paused / cancelled, 1 failed (after a `failed` event),
2 bad command line, 3 stdin closed (the server is gone; nothing is emitted).
"""
import argparse
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
    train.add_argument("--spec", required=True)
    args = parser.parse_args(argv)

    protocol.take_over_stdout()
    _quiet_libraries()
    try:
        if args.command == "make-tiny-model":
            from .tiny_model import make_tiny_model

            make_tiny_model(args.out)
            return 0
        commands = protocol.Commands()
        commands.listen()
        from .loop import run_training
        from .spec import load_spec

        return run_training(load_spec(os.path.abspath(args.spec)), commands)
    except TrainerError as e:
        return _fail(e.code, e.message)
    except BaseException as e:  # every way of dying must still tell the server why
        if isinstance(e, SystemExit):
            raise
        traceback.print_exc(file=sys.stderr)
        if _is_oom(e):
            return _fail("out_of_memory", "out of memory; try a smaller batch_size or max_seq_len, or LoRA")
        return _fail("internal_error", f"{type(e).__name__}: {e}")


def _fail(code, message):
    protocol.emit("failed", code=code, message=message)
    return 1


def _is_oom(exc):
    if isinstance(exc, MemoryError):
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
