"""A stand-in for the `wandb` package (which talks to a web service) for the trainer's tests.

It records every call as one JSON line in $FAKE_WANDB_LOG, so a test can check
what the trainer would have sent to W&B.
"""
import json
import os


def _record(call, **fields):
    with open(os.environ["FAKE_WANDB_LOG"], "a") as f:
        f.write(json.dumps({"call": call, **fields}) + "\n")


class _Run:
    def __init__(self, kwargs):
        self.dir = os.path.join(kwargs["dir"], "wandb", f"offline-run-{kwargs['id']}")
        self.url = None if os.environ.get("WANDB_MODE") == "offline" else f"https://wandb.ai/{kwargs.get('entity')}/{kwargs['project']}/runs/{kwargs['id']}"

    def log(self, data, step=None):
        _record("log", data=data, step=step)

    def finish(self):
        _record("finish")


def init(**kwargs):
    # The key W&B would read from the environment: a test checks the trainer got it.
    _record("init", **{k: v for k, v in kwargs.items() if k != "config"}, config=kwargs.get("config"), api_key=os.environ.get("WANDB_API_KEY"))
    return _Run(kwargs)
