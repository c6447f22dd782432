"""The training run: setup, the step loop, evals, checkpoints, pause/cancel, final save."""
import os
import random
import time
from functools import partial
from types import SimpleNamespace

import numpy as np
import torch

from . import checkpoints as ckpt
from . import object_store
from .batches import Batcher, Layout
from .data import load_file, warn_skipped
from .device import Device
from .distributed import World
from .device_probe import peak_memory_bytes
from .errors import TrainerError
from .model_setup import base_learning_rate, build_model, check_base_model, load_tokenizer, pad_id, read_model_meta
from .protocol import emit, log
from .wandb_run import WandbRun
from .speedups import prepare_model
from .steps import evaluate, make_optimizer, train_step

VALID_MINI_BATCH = 8  # examples in the periodic validation mini-batch
AUTO_EVALS = 10  # eval_every=0: about this many evals over the run


def run_training(spec, commands, world=None):
    """Train per `spec`; returns the exit code (0 on completed, paused and cancelled).

    `world`: this process's rank when torchrun started several (see distributed.py)."""
    t0 = time.time()
    world = world or World()
    device = world.configure(Device())
    mirror = object_store.prepare(spec, world)  # with object storage: local paths, inputs and restart point fetched
    check_base_model(spec.base_model_path)
    meta = read_model_meta(spec.base_model_path)
    tokenizer = load_tokenizer(spec.base_model_path)
    recipe = pick_recipe(spec, world)
    groups, valid = recipe.load_datasets(spec, tokenizer)
    batcher = Batcher(groups, [f["weight"] for f in spec.training_files], spec.batch_size, spec.seed, spec.batch_tokens)
    pad = pad_id(tokenizer)

    if not spec.resume:
        stale = world.on_main(ckpt.clear_previous_run, spec.output_dir)
        if stale:
            log("warn", f"resume is false: removed {', '.join(stale)} left in {spec.output_dir} by an earlier run")
    point = world.from_main(ckpt.find_resume_point(spec.output_dir, spec.resume_max_step) if spec.resume else None)  # one restart point for all ranks
    state = ckpt.load_state(point[1]) if point else None
    seed_everything(spec.seed)
    model, mode = recipe.build_model(spec, device, meta, point and point[1], state and state["training_mode"])
    packing, checkpointing = prepare_model(model, spec, device, can_pack=recipe.can_pack)  # before wrapping (DDP)
    model = world.wrap(model, mode, device)
    world.seed_ranks(spec.seed)
    layout = Layout(pad, packing, spec.micro_batch_tokens, spec.batch_size, spec.batch_tokens)
    total_steps = spec.training_steps or batcher.total_steps(spec.n_epochs)
    if state and state["total_steps"] != total_steps:
        log("warn", f"spec gives {total_steps} total steps but the run being resumed has {state['total_steps']}; keeping it")
        total_steps = state["total_steps"]
    lr = spec.learning_rate or base_learning_rate(meta, mode) * spec.learning_rate_multiplier
    optimizer, scheduler = make_optimizer(model, lr, spec.weight_decay, total_steps, spec.warmup_fraction, spec.lr_decay)

    step, trained_tokens, elapsed_before, metrics = 0, 0, 0.0, {}
    if state:
        world.load_optimizer_state(model, optimizer, state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        restore_rng(world.my_rng(state))
        step, trained_tokens, elapsed_before = state["step"], state["trained_tokens"], state["elapsed_seconds"]
        metrics = state.get("metrics", {})
        log("info", f"resuming from step {step} ({point[1]})")
    eval_every = spec.eval_every or max(1, round(total_steps / AUTO_EVALS))
    valid_mini = [valid[i] for i in np.random.default_rng(spec.seed % 2**32).permutation(len(valid))[:VALID_MINI_BATCH]]

    emit("started", device=device.name, dtype=device.dtype_name, training_mode=mode,
         parameters=sum(p.numel() for p in model.parameters()),
         trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
         n_train_examples=batcher.n_examples, n_valid_examples=len(valid), steps_per_epoch=batcher.steps_per_epoch,
         total_steps=total_steps, n_epochs=spec.n_epochs if not spec.training_steps else batcher.epochs_done(total_steps),
         batch_size=spec.batch_size, learning_rate=lr, resumed_from_step=step,
         train_tokens_per_epoch=batcher.tokens_per_epoch(), batch_tokens=spec.batch_tokens,
         micro_batch_tokens=spec.micro_batch_tokens, packing=packing, gradient_checkpointing=checkpointing,
         world_size=world.size)
    log("info", f"setup took {time.time() - t0:.1f}s")
    tracker = world.is_main and WandbRun.start(spec, {
        "model": spec.base_model_path, "task": spec.task, "training_mode": mode, "seed": spec.seed,
        "batch_size": spec.batch_size, "learning_rate": lr, "total_steps": total_steps, "world_size": world.size})

    def snapshot():
        epoch_index, position = batcher.locate(step)
        return {"step": step, "epoch": batcher.epochs_done(step), "epoch_index": epoch_index, "position_in_epoch": position,
                "total_steps": total_steps, "trained_tokens": trained_tokens, "training_mode": mode,
                "elapsed_seconds": elapsed(), "metrics": metrics, "optimizer": world.optimizer_state(model, optimizer),
                "scheduler": scheduler.state_dict(), "rng": capture_rng(), "rng_by_rank": world.gather_rng(capture_rng())}

    def save_restart_point(path):  # every rank calls it; rank 0 writes
        state = snapshot()
        world.write(model, lambda hf_model, weights: ckpt.save_training_dir(path, hf_model, tokenizer, state, weights))
        mirror.saved(path, state["step"])

    loop_start, session_tokens, compute_seconds = time.time(), 0, 0.0
    elapsed = lambda: elapsed_before + time.time() - loop_start  # noqa: E731
    resumed_from_pause = point is not None and point[1] == ckpt.resume_path(spec.output_dir)
    while step < total_steps:
        cancel, pause = world.agree(commands)
        if cancel:
            if tracker:
                tracker.finish()
            emit("cancelled", step=step)
            return 0
        if pause:
            save_restart_point(ckpt.resume_path(spec.output_dir))
            if tracker:
                tracker.finish()  # the resumed run continues it (same run id)
            emit("paused", step=step, path=ckpt.resume_path(spec.output_dir))
            return 0
        examples = batcher.batch(step)
        t_step = time.time()
        # A recipe may report more than loss and accuracy (DPO: reward margin and accuracy), named without prefix.
        loss, acc, padding, *more = recipe.train_step(model, optimizer, scheduler, examples, layout, device)
        compute_seconds += time.time() - t_step
        step += 1
        step_tokens = sum(len(ex.input_ids) for ex in examples)
        trained_tokens += step_tokens
        session_tokens += step_tokens
        event = step_metrics("train", loss, acc, *more)
        metrics = {"step": step, **event, **{k: v for k, v in metrics.items() if k.startswith(("valid_", "full_valid_"))}}
        if valid_mini and (step % eval_every == 0 or step == total_steps):
            valid_metrics = step_metrics("valid", *recipe.evaluate(model, valid_mini, layout, device))
            event.update(valid_metrics)
            metrics.update(valid_metrics)
        emit("step", step=step, total_steps=total_steps, epoch=batcher.epochs_done(step), **event, step_tokens=step_tokens,
             trained_tokens=trained_tokens, tokens_per_second=session_tokens / max(compute_seconds, 1e-9), padding_fraction=padding,
             elapsed_seconds=elapsed())
        if tracker:
            tracker.log(step, event)
        if batcher.ends_epoch(step) or step == total_steps:
            if valid:
                metrics.update(step_metrics("full_valid", *recipe.evaluate(model, valid, layout, device)))
            path = ckpt.checkpoint_path(spec.output_dir, step)
            save_restart_point(path)
            emit("checkpoint", step=step, epoch=batcher.epochs_done(step), path=path, metrics=metrics)
            for removed in mirror.prune(spec.output_dir, spec.keep_checkpoints) or []:
                emit("checkpoint_removed", step=removed)
            if resumed_from_pause:  # a newer restart point now exists
                mirror.removed(ckpt.resume_path(spec.output_dir))
                resumed_from_pause = False

    final = os.path.join(spec.output_dir, "final")
    info = {"base_model_path": spec.base_model_path, "training_mode": mode, "steps": step, "trained_tokens": trained_tokens}
    world.write(model, lambda hf_model, weights: ckpt.save_final(final, hf_model, tokenizer, info, weights))
    mirror.saved(final, step)
    mirror.removed(ckpt.resume_path(spec.output_dir))
    if tracker:
        tracker.finish()
    emit("completed", step=step, trained_tokens=trained_tokens, path=final, peak_memory_bytes=peak_memory_bytes())
    return 0


def step_metrics(prefix, loss, accuracy, extras=None):
    """`train_loss`, `valid_mean_token_accuracy`, `full_valid_reward_margin`...: a recipe's figures, named for the event."""
    named = {"loss": loss, "mean_token_accuracy": accuracy, **(extras or {})}
    return {f"{prefix}_{k}": v for k, v in named.items()}


def pick_recipe(spec, world):
    """What differs by task and method: data, model, one step, evaluation; everything else is this loop."""
    if spec.method == "dpo":
        from .dpo.recipe import dpo_recipe

        return dpo_recipe(spec, world)
    if spec.task == "classifier":
        if world.size > 1:
            raise TrainerError("unsupported_setting", "classifier jobs train in one process; set SELFTUNE_TRAIN_PROCESSES=1")
        from .classifier.recipe import classifier_recipe

        return classifier_recipe(spec)
    return SimpleNamespace(load_datasets=load_datasets, build_model=build_model, can_pack=True,
                           train_step=partial(train_step, world=world), evaluate=partial(evaluate, world=world))


def load_datasets(spec, tokenizer):
    groups, valid, truncated, dropped = [], [], [], []
    for files, code in ((spec.training_files, "invalid_training_file"), (spec.validation_files, "invalid_validation_file")):
        for f in files:
            result = load_file(f["path"], tokenizer, spec.max_seq_len, code)
            truncated += result.truncated
            dropped += result.untrainable
            if code == "invalid_training_file":
                groups.append(result.examples)
            else:
                valid += result.examples
    warn_skipped(truncated, f"example(s) longer than max_seq_len={spec.max_seq_len} tokens were truncated")
    warn_skipped(dropped, "example(s) have no trained tokens (e.g. every assistant message has weight 0) and were skipped")
    if not any(groups):
        raise TrainerError("invalid_training_file", "the training files contain no trainable examples")
    return groups, valid


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def capture_rng():
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state):
    if state is None:  # a rank the restart point has no state for keeps its fresh seed
        return
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
