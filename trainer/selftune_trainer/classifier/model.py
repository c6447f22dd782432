"""The classifier network: a transformer backbone and one head per target.

single_class targets read one pooled state (the last real token). multi_class
targets read the whole sequence with label-wise attention: each label has its
own query that picks the positions holding its evidence, so several labels can
each find their cue anywhere in the text. Squeezing every label's evidence into
the last token's state made multi-label targets learn far slower than
single-label ones (held-out exact-set accuracy 0.2-0.4 where single-label
targets reached 1.0 on the same data and budget).
"""
import json
import os

import torch
from torch import nn
from transformers import AutoModel

CONFIG_FILE = "classifier.json"
HEADS_FILE = "classifier_heads.pt"
LABEL_ATTENTION = "label_attention"


class LabelAttentionHead(nn.Module):
    """One attention query and one output vector per label over the token states (label-wise attention)."""

    def __init__(self, hidden, n_labels):
        super().__init__()
        self.query = nn.Linear(hidden, n_labels, bias=False)
        self.out = nn.Parameter(torch.empty(n_labels, hidden))
        self.bias = nn.Parameter(torch.zeros(n_labels))
        nn.init.normal_(self.out, std=hidden ** -0.5)

    def forward(self, hidden, mask):
        scores = self.query(hidden).masked_fill(mask.unsqueeze(-1) == 0, torch.finfo(hidden.dtype).min)
        weights = scores.softmax(dim=1)  # (batch, positions, labels): where each label looks
        per_label = torch.einsum("bpl,bph->blh", weights, hidden)
        return (per_label * self.out).sum(-1) + self.bias


class ClassifierModel(nn.Module):
    def __init__(self, backbone, targets, pooling="mean", info=None, multi_label_pooling=LABEL_ATTENTION):
        super().__init__()
        self.backbone = backbone
        self.targets = targets
        self.pooling = pooling
        # Models saved before label-wise attention read every target from the pooled state.
        self.multi_label_pooling = multi_label_pooling
        self.info = info or {}
        hidden = backbone.config.hidden_size
        self.heads = nn.ModuleDict({str(i): self._head(t, hidden) for i, t in enumerate(targets)})

    def _attends(self, target):
        return target["loss_function"] == "multi_class" and self.multi_label_pooling == LABEL_ATTENTION

    def _head(self, target, hidden):
        return LabelAttentionHead(hidden, len(target["labels"])) if self._attends(target) else nn.Linear(hidden, len(target["labels"]))

    @property
    def config(self):
        return self.backbone.config

    def forward(self, input_ids, attention_mask):
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state.float()
        pooled = pool(hidden, attention_mask, self.pooling)
        return {t["name"]: self.heads[str(i)](hidden, attention_mask) if self._attends(t) else self.heads[str(i)](pooled)
                for i, t in enumerate(self.targets)}

    def save_pretrained(self, path, safe_serialization=True):
        """Backbone (full weights or LoRA adapter) the Hugging Face way; heads and targets beside it."""
        self.backbone.save_pretrained(path, safe_serialization=safe_serialization)
        torch.save({k: v.detach().cpu() for k, v in self.heads.state_dict().items()}, os.path.join(path, HEADS_FILE))
        with open(os.path.join(path, CONFIG_FILE), "w") as f:
            json.dump({"targets": self.targets, "pooling": self.pooling, "multi_label_pooling": self.multi_label_pooling, **self.info},
                      f, indent=2)


def pool(hidden, mask, how):
    if how == "last":
        last = mask.sum(1) - 1  # right-padded: the last real token
        return hidden[torch.arange(hidden.size(0)), last]
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)


def load_backbone(path, dtype=torch.float32):
    return AutoModel.from_pretrained(path, dtype=dtype)


def load_saved(model_dir, trainable):
    """A ClassifierModel from a directory written by save_pretrained."""
    with open(os.path.join(model_dir, CONFIG_FILE)) as f:
        meta = json.load(f)
    if meta.get("training_mode") == "lora":
        from peft import PeftModel

        backbone = PeftModel.from_pretrained(load_backbone(meta["base_model_path"]), model_dir, is_trainable=trainable)
    else:
        backbone = load_backbone(model_dir)
    info = {k: v for k, v in meta.items() if k not in ("targets", "pooling", "multi_label_pooling")}
    model = ClassifierModel(backbone, meta["targets"], meta.get("pooling", "mean"), info, meta.get("multi_label_pooling", "pooled"))
    model.heads.load_state_dict(torch.load(os.path.join(model_dir, HEADS_FILE), map_location="cpu"))
    return model
