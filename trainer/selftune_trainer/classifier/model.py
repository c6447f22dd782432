"""The classifier network: a transformer backbone, a pooled hidden state, one linear head per target."""
import json
import os

import torch
from torch import nn
from transformers import AutoModel

CONFIG_FILE = "classifier.json"
HEADS_FILE = "classifier_heads.pt"


class ClassifierModel(nn.Module):
    def __init__(self, backbone, targets, pooling="mean", info=None):
        super().__init__()
        self.backbone = backbone
        self.targets = targets
        self.pooling = pooling
        self.info = info or {}
        hidden = backbone.config.hidden_size
        self.heads = nn.ModuleDict({str(i): nn.Linear(hidden, len(t["labels"])) for i, t in enumerate(targets)})

    @property
    def config(self):
        return self.backbone.config

    def forward(self, input_ids, attention_mask):
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state.float()
        pooled = pool(hidden, attention_mask, self.pooling)
        return {t["name"]: self.heads[str(i)](pooled) for i, t in enumerate(self.targets)}

    def save_pretrained(self, path, safe_serialization=True):
        """Backbone (full weights or LoRA adapter) the Hugging Face way; heads and targets beside it."""
        self.backbone.save_pretrained(path, safe_serialization=safe_serialization)
        torch.save({k: v.detach().cpu() for k, v in self.heads.state_dict().items()}, os.path.join(path, HEADS_FILE))
        with open(os.path.join(path, CONFIG_FILE), "w") as f:
            json.dump({"targets": self.targets, "pooling": self.pooling, **self.info}, f, indent=2)


def pool(hidden, mask, how):
    if how == "last":
        last = mask.sum(1) - 1  # right-padded: the last real token
        return hidden[torch.arange(hidden.size(0)), last]
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)


def load_backbone(path, dtype=torch.float32):
    return AutoModel.from_pretrained(path, dtype=dtype)


def load_saved(model_dir, trainable, base_path=None):
    """A ClassifierModel from a directory written by save_pretrained; a LoRA one on `base_path`
    (default: the base it was saved from)."""
    with open(os.path.join(model_dir, CONFIG_FILE)) as f:
        meta = json.load(f)
    if meta.get("training_mode") == "lora":
        from peft import PeftModel

        backbone = PeftModel.from_pretrained(load_backbone(base_path or meta["base_model_path"]), model_dir, is_trainable=trainable)
    else:
        backbone = load_backbone(model_dir)
    info = {k: v for k, v in meta.items() if k not in ("targets", "pooling")}
    if base_path:
        info["base_model_path"] = base_path
    model = ClassifierModel(backbone, meta["targets"], meta.get("pooling", "mean"), info)
    model.heads.load_state_dict(torch.load(os.path.join(model_dir, HEADS_FILE), map_location="cpu"))
    return model
