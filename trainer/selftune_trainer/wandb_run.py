"""Logging a run to Weights & Biases when a job asks for it and the package is installed.

`wandb` is optional: without it the integration is recorded on the job and a log
event says why nothing was logged. Runs are offline unless WANDB_MODE says
otherwise (the server keeps no W&B keys); `wandb sync <run dir>` uploads one later.
"""
import os

from .protocol import emit, log


class WandbRun:
    def __init__(self, run):
        self._run = run

    @staticmethod
    def start(spec, config):
        """The run for `spec.wandb` ({project, name, entity, tags}), or None."""
        if not spec.wandb:
            return None
        try:
            import wandb
        except ImportError:
            log("info", "W&B integration recorded, but the wandb package is not installed in the trainer's environment: nothing is logged")
            return None
        os.environ.setdefault("WANDB_MODE", "offline")
        os.environ.setdefault("WANDB_SILENT", "true")
        w = spec.wandb
        run = wandb.init(
            project=w["project"],
            name=w.get("name") or spec.job_id,
            entity=w.get("entity"),
            tags=w.get("tags") or None,
            id=spec.job_id,  # a resumed job continues the same run
            resume="allow",
            dir=spec.output_dir,
            config=config,
        )
        url = run.url or f"file://{run.dir}"  # offline runs have no web page until synced
        emit("integration", type="wandb", url=url, mode=os.environ["WANDB_MODE"])
        return WandbRun(run)

    def log(self, step, metrics):
        self._run.log({k: v for k, v in metrics.items() if isinstance(v, (int, float))}, step=step)

    def finish(self):
        self._run.finish()
