"""Loaded models and the LRU that keeps them warm.

Bases and full-weight fine-tunes are plain models; a LoRA adapter is attached
by name to its already-loaded base (peft load_adapter / set_adapter), so
switching between fine-tunes of one base never reloads the base. Every entry
counts one against the capacity; entries in use by a running generation are
never evicted (the cache may run over capacity until they finish).
"""
import contextlib
import os
from collections import OrderedDict

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

from ..errors import TrainerError
from ..model_setup import with_chat_template


class Plain:
    """A base or full fine-tune; `peft` is set once an adapter has been attached to it."""

    def __init__(self, path, model, tokenizer, device):
        self.path, self.model, self.tokenizer, self.device = path, model, tokenizer, device
        self.peft = None
        self.adapters = set()
        self.users = 0
        self.context_length = _context_length(model, tokenizer)
        self.stop_ids = _stop_ids(path, model, tokenizer)

    def runner(self):
        return self.peft if self.peft is not None else self.model

    def activated(self):
        # Once adapters are injected the base's layers carry them: turn them off for base requests.
        return self.peft.disable_adapter() if self.peft is not None else contextlib.nullcontext()


class Adapter:
    def __init__(self, path, name, base, tokenizer):
        self.path, self.name, self.base, self.tokenizer = path, name, base, tokenizer
        self.users = 0
        self.device, self.context_length, self.stop_ids = base.device, base.context_length, base.stop_ids

    def runner(self):
        return self.base.peft

    @contextlib.contextmanager
    def activated(self):
        self.base.peft.set_adapter(self.name)
        yield


class Classifier:
    def __init__(self, path, clf):
        self.path, self.clf, self.users = path, clf, 0


class Lease:
    """What a generation holds: the model to call, pinned in the cache until released."""

    def __init__(self, cache, entry):
        self.cache, self.entry = cache, entry
        self.tokenizer, self.device = entry.tokenizer, entry.device
        self.context_length, self.stop_ids = entry.context_length, entry.stop_ids
        entry.users += 1

    @property
    def model(self):
        # Looked up per step: attaching or removing adapters rewraps a base between tokens.
        return self.entry.runner()

    def activated(self):
        return self.entry.activated()

    def release(self):
        self.entry.users -= 1
        self.cache.trim()


class ModelCache:
    def __init__(self, capacity, device):
        self.capacity, self.device = capacity, device
        self.dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
        self.entries = OrderedDict()  # path -> Plain | Adapter, least recently used first
        self.doomed = set()  # unloaded while in use: dropped once released
        self.loads = 0  # weights loaded from disk (bases, full models, adapters)

    def lease(self, spec):
        kind, path = spec["kind"], spec["path"]
        if kind == "lora":
            base = self._plain(spec["base_path"])
            entry = self.entries.get(path) or self._attach(base, path)
            self._touch(entry)
            self._touch(base)  # a base stays newer than its adapters: they go first
        elif kind in ("base", "full"):
            entry = self._plain(path)
            self._touch(entry)
        else:
            raise TrainerError("invalid_request", f"unknown model kind {kind!r}")
        lease = Lease(self, entry)
        self.trim()
        return lease

    def classifier(self, path, base_path=None):
        """A classifier (classifier/predict.py), kept in the same LRU; used synchronously, so never pinned."""
        entry = self.entries.get(path)
        if entry is None:
            try:
                from ..classifier.predict import load_classifier
            except ImportError as e:
                raise TrainerError("classifier_unavailable", f"this trainer has no classifier support: {e}")
            entry = self.entries[path] = Classifier(path, load_classifier(path, self.device.type, base_path))
            self.loads += 1
        self._touch(entry)
        self.trim()
        return entry.clf

    def unload(self, path):
        if path in self.entries:
            self.doomed.add(path)
        self.trim()

    def trim(self):
        for path in [p for p in self.doomed if self._free(p)]:
            self._drop(path)
        while len(self.entries) > self.capacity:
            victim = next((p for p in self.entries if self._free(p)), None)
            if victim is None:
                return
            self._drop(victim)

    def _touch(self, entry):
        self.entries.move_to_end(entry.path)
        self.doomed.discard(entry.path)

    def _free(self, path):
        entry = self.entries.get(path)
        if entry is None:
            return False
        if isinstance(entry, Plain):
            return entry.users == 0 and all(self.entries[a].users == 0 for a in entry.adapters)
        return entry.users == 0

    def _drop(self, path):
        self.doomed.discard(path)
        entry = self.entries.pop(path)
        if isinstance(entry, Plain):
            for adapter in list(entry.adapters):
                self.entries.pop(adapter, None)
            return
        if isinstance(entry, Classifier):
            return
        base = entry.base
        base.adapters.discard(path)
        if base.adapters:
            base.peft.delete_adapter(entry.name)
        else:  # the last adapter: take the LoRA layers out again, leaving the plain base
            base.model = base.peft.unload()
            base.peft = None

    def _plain(self, path):
        if path in self.entries:
            return self.entries[path]
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise TrainerError("model_load_failed", f"no model weights at {path}")
        try:
            tokenizer = with_chat_template(AutoTokenizer.from_pretrained(path))
            model = AutoModelForCausalLM.from_pretrained(path, dtype=self.dtype).to(self.device).eval()
        except (OSError, ValueError) as e:
            raise TrainerError("model_load_failed", f"cannot load the model at {path}: {e}")
        self.loads += 1
        entry = self.entries[path] = Plain(path, model, tokenizer, self.device)
        return entry

    def _attach(self, base, path):
        from peft import PeftModel

        self.loads += 1
        name = f"adapter{self.loads}"  # peft adapter names become module keys: no dots or slashes
        try:
            if base.peft is None:
                base.peft = PeftModel.from_pretrained(base.model, path, adapter_name=name).eval()
            else:
                base.peft.load_adapter(path, adapter_name=name)
        except (OSError, ValueError) as e:
            raise TrainerError("model_load_failed", f"cannot load the LoRA adapter at {path}: {e}")
        tokenizer = with_chat_template(AutoTokenizer.from_pretrained(path)) if os.path.isfile(os.path.join(path, "tokenizer_config.json")) else base.tokenizer
        base.adapters.add(path)
        entry = self.entries[path] = Adapter(path, name, base, tokenizer)
        return entry


def _context_length(model, tokenizer):
    limits = [getattr(model.config, "max_position_embeddings", None), tokenizer.model_max_length]
    return min(n for n in limits + [1 << 20] if isinstance(n, int) and 0 < n < 1 << 30)


def _stop_ids(path, model, tokenizer):
    try:
        eos = GenerationConfig.from_pretrained(path).eos_token_id
    except (OSError, ValueError):
        eos = model.generation_config.eos_token_id if model.generation_config else None
    ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids
