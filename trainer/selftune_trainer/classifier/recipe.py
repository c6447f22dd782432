"""The classifier recipe for the shared training loop: data, model, one step, evaluation.

single_class targets use softmax cross-entropy, multi_class targets independent
sigmoids; each target's loss is scaled by its weight. Accuracy is the share of
(example, target) pairs predicted exactly (argmax, or every sigmoid on the right side of 0.5).
"""
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from ..errors import TrainerError
from ..model_setup import resolve_mode, _count_params_lazily
from ..packing import padded_positions
from ..steps import GRAD_CLIP
from .data import load_classifier_file
from .model import ClassifierModel, load_backbone, load_saved

# The last real token has attended to the whole input in a causal model, so its state summarises it
# (as in transformers' *ForSequenceClassification); mean pooling learned far slower on selftune-tiny.
POOLING = "last"


def classifier_recipe(spec):
    targets = spec.classifier_targets

    def load_datasets(spec, tokenizer):
        groups, valid = [], []
        for f in spec.training_files:
            groups.append(load_classifier_file(f["path"], tokenizer, spec.max_seq_len, targets, "invalid_training_file"))
        for f in spec.validation_files:
            valid += load_classifier_file(f["path"], tokenizer, spec.max_seq_len, targets, "invalid_validation_file")
        if not any(groups):
            raise TrainerError("invalid_training_file", "the training files contain no examples")
        return groups, valid

    def build_model(spec, device, meta, resume_dir=None, resume_mode=None):
        if resume_dir:
            import os

            # The base path in the saved config is where it was on the node that saved it.
            model = load_saved(os.path.join(resume_dir, "model"), trainable=True, base_path=spec.base_model_path)
            return model.to(device.torch_device), resume_mode
        mode = resolve_mode(spec.training_mode, meta, _count_params_lazily(spec.base_model_path))
        backbone = load_backbone(spec.base_model_path, torch.bfloat16 if (mode == "lora" and device.bf16) else torch.float32)
        if mode == "lora":
            from peft import LoraConfig, get_peft_model

            backbone = get_peft_model(backbone, LoraConfig(r=spec.lora.r, lora_alpha=spec.lora.alpha, lora_dropout=spec.lora.dropout,
                                                           target_modules=spec.lora.target_modules, task_type="FEATURE_EXTRACTION"))
        info = {"training_mode": mode, "base_model_path": spec.base_model_path}
        return ClassifierModel(backbone, targets, POOLING, info).to(device.torch_device), mode

    # Pooling reads one row per example, so classifier batches stay padded (can_pack=False).
    return SimpleNamespace(load_datasets=load_datasets, build_model=build_model, train_step=train_step, evaluate=evaluate,
                           can_pack=False)


def batch_sums(model, examples, pad_id, device):
    """(summed weighted loss, scored pairs, correct pairs) over a batch."""
    width = max(len(ex.input_ids) for ex in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, ex in enumerate(examples):
        ids[row, : len(ex.input_ids)] = torch.tensor(ex.input_ids)
        mask[row, : len(ex.input_ids)] = 1
    with device.autocast():
        logits = model(ids.to(device.torch_device), mask.to(device.torch_device))
    loss, pairs, correct = 0.0, 0, 0
    for target in model.targets:
        rows = [i for i, ex in enumerate(examples) if target["name"] in ex.targets]
        if not rows:
            continue
        out = logits[target["name"]][rows].float()
        if target["loss_function"] == "multi_class":
            truth = torch.zeros_like(out)
            for r, i in enumerate(rows):
                truth[r, examples[i].targets[target["name"]]] = 1.0
            loss = loss + target["weight"] * F.binary_cross_entropy_with_logits(out, truth, reduction="sum") / out.size(1)
            correct += int(((out > 0) == (truth > 0.5)).all(dim=1).sum())
        else:
            truth = torch.tensor([examples[i].targets[target["name"]] for i in rows], device=out.device)
            loss = loss + target["weight"] * F.cross_entropy(out, truth, reduction="sum")
            correct += int((out.argmax(-1) == truth).sum())
        pairs += len(rows)
    return loss, pairs, correct


def train_step(model, optimizer, scheduler, examples, layout, device):
    """One optimizer step; padded passes of at most layout.micro_batch_tokens, gradients accumulated."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    step_pairs = max(sum(len(ex.targets) for ex in examples), 1)
    loss, correct, padding, positions = 0.0, 0, 0, 0
    for chunk in layout.passes(examples):
        loss_sum, _, n_correct = batch_sums(model, chunk, layout.pad_id, device)
        (loss_sum / step_pairs).backward()
        loss, correct = loss + float(loss_sum.detach()), correct + n_correct
        pads, total = padded_positions(chunk, packing=False)
        padding, positions = padding + pads, positions + total
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], GRAD_CLIP)
    optimizer.step()
    scheduler.step()
    return loss / step_pairs, correct / step_pairs, padding / max(positions, 1)


@torch.no_grad()
def evaluate(model, examples, layout, device):
    model.eval()
    loss, pairs, correct = 0.0, 0, 0
    for chunk in layout.eval_passes(examples):
        l, p, c = batch_sums(model, chunk, layout.pad_id, device)
        loss, pairs, correct = loss + float(l), pairs + p, correct + c
    model.train()
    return loss / max(pairs, 1), correct / max(pairs, 1)
