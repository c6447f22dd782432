"""Serving a trained classifier: load once, then score batches of inputs.

Contract with the inference worker: load_classifier(model_dir, device) and
classify_batch(clf, inputs) where each input is {"text": str} or
{"messages": [{"role", "content"}, ...]}; the result per input is
{target: {label: score}} with a score for every label of every target.
"""
import torch
from transformers import AutoTokenizer

from ..model_setup import pad_id
from .data import encode_input
from .model import load_saved

MAX_INPUT_TOKENS = 4096
BATCH = 16


class LoadedClassifier:
    def __init__(self, model, tokenizer, device):
        self.model, self.tokenizer, self.device = model, tokenizer, device


def load_classifier(model_dir: str, device: str, base_path=None):
    model = load_saved(model_dir, trainable=False, base_path=base_path).to(device).eval()
    return LoadedClassifier(model, AutoTokenizer.from_pretrained(model_dir), device)


@torch.no_grad()
def classify_batch(clf, inputs: list) -> list:
    results = []
    for start in range(0, len(inputs), BATCH):
        chunk = [encode_input(x, clf.tokenizer, MAX_INPUT_TOKENS) for x in inputs[start : start + BATCH]]
        width = max(len(ids) for ids in chunk)
        ids = torch.full((len(chunk), width), pad_id(clf.tokenizer), dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, seq in enumerate(chunk):
            ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        logits = clf.model(ids.to(clf.device), mask.to(clf.device))
        scores = {}
        for target in clf.model.targets:
            out = logits[target["name"]].float()
            probs = torch.sigmoid(out) if target["loss_function"] == "multi_class" else torch.softmax(out, dim=-1)
            scores[target["name"]] = probs.cpu().tolist()
        for row in range(len(chunk)):
            results.append({t["name"]: dict(zip(t["labels"], scores[t["name"]][row])) for t in clf.model.targets})
    return results
