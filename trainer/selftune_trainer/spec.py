"""The training spec the server writes (spec.json), validated on construction."""
import json
import os
from dataclasses import dataclass, field, fields

from .errors import TrainerError
from .protocol import log

MODES = ("auto", "full", "lora")
TASKS = ("completion", "classifier")
METHODS = ("supervised", "dpo")
LOSSES = ("single_class", "multi_class")
DECAYS = ("linear", "cosine", "constant")


@dataclass
class LoraSpec:
    r: int = 8
    alpha: float = 16
    dropout: float = 0.05
    target_modules: object = "all-linear"  # "all-linear", a module name / peft regex, or a list of names

    def __post_init__(self):
        _check(_is_int(self.r) and self.r >= 1, "lora.r must be an integer >= 1")
        _check(_is_num(self.alpha) and self.alpha > 0, "lora.alpha must be a positive number")
        _check(_is_num(self.dropout) and 0 <= self.dropout < 1, "lora.dropout must be in [0, 1)")
        ok = (isinstance(self.target_modules, str) and self.target_modules) or (
            isinstance(self.target_modules, list) and self.target_modules
            and all(isinstance(m, str) and m for m in self.target_modules)
        )
        _check(ok, 'lora.target_modules must be "all-linear", a module name, or a non-empty list of module names')


@dataclass
class TrainSpec:
    job_id: str
    base_model_path: str
    output_dir: str
    training_files: list
    base_model_id: object = None  # the base's model id (`Qwen/Qwen2.5-0.5B-Instruct`), named in saved adapter configs
    validation_files: list = field(default_factory=list)
    n_epochs: object = 3
    training_steps: object = None
    batch_size: int = 1
    # Tokens per optimizer step: a step takes examples (in epoch order) until their
    # tokens reach this budget, and batch_size is then ignored. None: batch_size examples.
    batch_tokens: object = None
    # Most tokens in one forward pass; a step with more accumulates gradients over
    # several passes. None: the whole step in one pass.
    micro_batch_tokens: object = None
    packing: bool = True  # padding-free: a pass's examples are concatenated into one row
    gradient_checkpointing: bool = False
    learning_rate_multiplier: float = 1.0
    learning_rate: object = None
    warmup_fraction: float = 0.0
    lr_decay: str = "linear"
    weight_decay: float = 0.0
    seed: int = 42
    max_seq_len: int = 1024
    training_mode: str = "auto"
    lora: object = None
    eval_every: int = 0
    keep_checkpoints: int = 3
    resume: bool = True
    # Resume only from a restart point at or below this step: the last step the server
    # recorded. A trainer can run ahead of a server that then dies; its later checkpoints
    # would skip steps whose metrics were never recorded. None: the newest point.
    resume_max_step: object = None
    task: str = "completion"
    classifier_targets: list = field(default_factory=list)  # [{name, labels, weight, loss_function}]
    # supervised: learn the answers; dpo: prefer each pair's preferred answer over its other one (dpo/recipe.py).
    method: str = "supervised"
    beta: object = None  # dpo: how far the policy may move from the reference (a positive number)
    wandb: object = None  # {project, name?, entity?, tags?}: log the run to W&B
    # {bucket, prefix, endpoint_url, region, local_root}: paths are relative to local_root and
    # mirrored to/from object storage (see TrainerSpec.object_store in the server's trainer-protocol.ts).
    object_store: object = None

    def __post_init__(self):
        _check(isinstance(self.job_id, str) and self.job_id, "job_id must be a non-empty string")
        if self.object_store is not None:
            self.object_store = _object_store(self.object_store)
        relative = self.object_store is not None
        for name in ("base_model_path", "output_dir"):
            _check(_is_path(getattr(self, name), relative), f"{name} must be {_PATH_KINDS[relative]}")
        _check(self.base_model_id is None or (isinstance(self.base_model_id, str) and self.base_model_id),
               "base_model_id must be a non-empty string or null")
        self.training_files = _files(self.training_files, "training_files", True, relative)
        _check(self.training_files, "training_files must list at least one file")
        self.validation_files = _files(self.validation_files or [], "validation_files", False, relative)
        if self.training_steps is not None:
            _check(_is_int(self.training_steps) and self.training_steps >= 1, "training_steps must be an integer >= 1 or null")
        else:
            _check(_is_int(self.n_epochs) and self.n_epochs >= 1, "n_epochs must be an integer >= 1 (or set training_steps)")
        _check(_is_int(self.batch_size) and self.batch_size >= 1, "batch_size must be an integer >= 1")
        for name in ("batch_tokens", "micro_batch_tokens"):
            value = getattr(self, name)
            _check(value is None or (_is_int(value) and value >= 1), f"{name} must be an integer >= 1 or null")
        _check(isinstance(self.packing, bool), "packing must be true or false")
        _check(isinstance(self.gradient_checkpointing, bool), "gradient_checkpointing must be true or false")
        _check(_is_num(self.learning_rate_multiplier) and self.learning_rate_multiplier > 0,
               "learning_rate_multiplier must be a positive number")
        if self.learning_rate is not None:
            _check(_is_num(self.learning_rate) and self.learning_rate > 0, "learning_rate must be a positive number or null")
        _check(_is_num(self.warmup_fraction) and 0 <= self.warmup_fraction < 1, "warmup_fraction must be in [0, 1)")
        _check(self.lr_decay in DECAYS, f"lr_decay must be one of {', '.join(DECAYS)}")
        _check(_is_num(self.weight_decay) and self.weight_decay >= 0, "weight_decay must be >= 0")
        _check(_is_int(self.seed), "seed must be an integer")
        _check(_is_int(self.max_seq_len) and self.max_seq_len >= 2, "max_seq_len must be an integer >= 2")
        _check(self.training_mode in MODES, f"training_mode must be one of {', '.join(MODES)}")
        lora = self.lora or {}
        _check(isinstance(lora, (dict, LoraSpec)), "lora must be an object")
        if isinstance(lora, dict):
            unknown = set(lora) - {f.name for f in fields(LoraSpec)}
            _check(not unknown, f"unknown lora fields: {', '.join(sorted(unknown))}")
            lora = LoraSpec(**lora)
        self.lora = lora
        _check(_is_int(self.eval_every) and self.eval_every >= 0, "eval_every must be an integer >= 0")
        _check(_is_int(self.keep_checkpoints) and self.keep_checkpoints >= 1, "keep_checkpoints must be an integer >= 1")
        _check(isinstance(self.resume, bool), "resume must be true or false")
        _check(self.resume_max_step is None or (_is_int(self.resume_max_step) and self.resume_max_step >= 0), "resume_max_step must be null or an integer >= 0")
        _check(self.task in TASKS, f"task must be one of {', '.join(TASKS)}")
        if self.task == "classifier":
            self.classifier_targets = _targets(self.classifier_targets)
        _check(self.method in METHODS, f"method must be one of {', '.join(METHODS)}")
        if self.method == "dpo":
            _check(self.task == "completion", "method dpo trains completion models only")
            _check(_is_num(self.beta) and self.beta > 0, "beta must be a positive number for method dpo")
        if self.wandb is not None:
            _check(isinstance(self.wandb, dict) and isinstance(self.wandb.get("project"), str) and self.wandb["project"],
                   "wandb must be an object with a project")


def load_spec(path):
    try:
        with open(path) as f:
            raw = json.load(f)
    except OSError as e:
        raise TrainerError("invalid_spec", f"cannot read spec {path}: {e.strerror}")
    except ValueError as e:
        raise TrainerError("invalid_spec", f"spec {path} is not valid JSON: {e}")
    _check(isinstance(raw, dict), "spec must be a JSON object")
    known = {f.name for f in fields(TrainSpec)}
    unknown = set(raw) - known
    if unknown:
        # A newer server may send fields this worker doesn't know; don't fail the job for that.
        log("warn", f"ignoring unknown spec fields: {', '.join(sorted(unknown))}")
        raw = {k: v for k, v in raw.items() if k in known}
    missing = [f for f in ("job_id", "base_model_path", "output_dir", "training_files") if f not in raw]
    _check(not missing, f"missing spec fields: {', '.join(missing)}")
    return TrainSpec(**raw)


# With object storage every path is relative to object_store.local_root (and names the same object in the bucket).
_PATH_KINDS = {False: "an absolute path", True: "a relative path below object_store.local_root"}


def _is_path(value, relative):
    if not isinstance(value, str) or not value:
        return False
    if not relative:
        return os.path.isabs(value)
    return not os.path.isabs(value) and ".." not in value.split("/")


def _object_store(value):
    _check(isinstance(value, dict), "object_store must be an object or null")
    unknown = set(value) - {"bucket", "prefix", "endpoint_url", "region", "local_root"}
    _check(not unknown, f"unknown object_store fields: {', '.join(sorted(unknown))}")
    _check(isinstance(value.get("bucket"), str) and value["bucket"], "object_store.bucket must be a non-empty string")
    _check(isinstance(value.get("prefix", ""), str), "object_store.prefix must be a string")
    for name in ("endpoint_url", "region"):
        _check(value.get(name) is None or (isinstance(value[name], str) and value[name]), f"object_store.{name} must be a non-empty string or null")
    _check(isinstance(value.get("local_root"), str) and os.path.isabs(value["local_root"]), "object_store.local_root must be an absolute path")
    return {"prefix": "", "endpoint_url": None, "region": None, **value}


def _files(value, name, with_weight, relative):
    _check(isinstance(value, list), f"{name} must be a list")
    out = []
    for i, entry in enumerate(value):
        _check(isinstance(entry, dict) and _is_path(entry.get("path"), relative), f"{name}[{i}] must be an object with {_PATH_KINDS[relative]}")
        weight = entry.get("weight", 1.0) if with_weight else 1.0
        _check(_is_num(weight) and weight > 0, f"{name}[{i}].weight must be a positive number")
        out.append({"path": entry["path"], "weight": float(weight)})
    return out


def _targets(value):
    _check(isinstance(value, list) and value, "classifier_targets must be a non-empty list for a classifier task")
    out = []
    for i, t in enumerate(value):
        _check(isinstance(t, dict) and isinstance(t.get("name"), str) and t["name"], f"classifier_targets[{i}].name must be a string")
        labels = t.get("labels")
        _check(isinstance(labels, list) and labels and all(isinstance(x, str) for x in labels),
               f"classifier_targets[{i}].labels must be a non-empty list of strings")
        weight = t.get("weight", 1.0)
        _check(_is_num(weight) and weight >= 0, f"classifier_targets[{i}].weight must be a number >= 0")
        loss = t.get("loss_function") or "single_class"
        _check(loss in LOSSES, f"classifier_targets[{i}].loss_function must be one of {', '.join(LOSSES)}")
        out.append({"name": t["name"], "labels": list(labels), "weight": float(weight), "loss_function": loss})
    return out


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check(ok, message):
    if not ok:
        raise TrainerError("invalid_spec", message)
