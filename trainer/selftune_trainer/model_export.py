"""`export-model`: a fine-tuned model as a standalone Hugging Face folder.

What plain transformers, PEFT or vLLM load with no selftune code: a full
fine-tune's config, safetensors weights, tokenizer, generation config and chat
template; a LoRA fine-tune's PEFT adapter folder (its adapter_config.json
naming the base by model id, never a path on this server), or with `merged`
the adapter folded into its base as a full model.
"""
import json
import os
import shutil

from . import protocol

# selftune's own bookkeeping, meaningless (and path-revealing) outside it.
PRIVATE_FILES = {"selftune_model.json", "selftune.json", "trainer_state.pt"}


def export_model(model_dir, out_dir, kind, base_path=None, base_id=None, merged=False):
    os.makedirs(out_dir, exist_ok=True)
    if kind == "lora" and merged:
        _merge(model_dir, base_path, out_dir)
    else:
        _copy_public_files(model_dir, out_dir)
        if kind == "lora":
            _name_base(out_dir, base_id)
    files = sorted(os.listdir(out_dir))
    protocol.emit("exported", path=out_dir, files=files)
    return files


def _copy_public_files(src, dest):
    for name in os.listdir(src):
        path = os.path.join(src, name)
        if name in PRIVATE_FILES or name.startswith(".") or not os.path.isfile(path):
            continue
        try:  # the export is read once and deleted: a hard link spares copying gigabytes
            os.link(path, os.path.join(dest, name))
        except OSError:
            shutil.copy2(path, os.path.join(dest, name))


def _name_base(out_dir, base_id):
    path = os.path.join(out_dir, "adapter_config.json")
    with open(path) as f:
        config = json.load(f)
    config["base_model_name_or_path"] = base_id
    os.remove(path)  # it may be a hard link to the stored adapter's config: never write through it
    with open(path, "w") as f:
        json.dump(config, f, indent=2)


def _merge(adapter_dir, base_path, out_dir):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # Merge in fp32 for exact sums, then store in the base's own precision.
    base = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    stored = getattr(base.config, "dtype", None) or getattr(base.config, "torch_dtype", None)
    model = PeftModel.from_pretrained(base, adapter_dir).merge_and_unload()
    if stored in (torch.bfloat16, torch.float16, "bfloat16", "float16"):
        model = model.to(getattr(torch, stored) if isinstance(stored, str) else stored)
    model.save_pretrained(out_dir, safe_serialization=True)
    # The adapter's tokenizer carries the chat template the model was trained with.
    AutoTokenizer.from_pretrained(adapter_dir).save_pretrained(out_dir)
