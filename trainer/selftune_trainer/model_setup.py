"""Loading the base model and tokenizer; full fine-tuning vs LoRA; the base learning rate."""
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from .errors import TrainerError

# Below this size LoRA saves little memory and full fine-tuning learns faster.
FULL_FT_MAX_PARAMS = 100_000_000
DEFAULT_BASE_LR = {"full": 2e-5, "lora": 2e-4}


def read_model_meta(base_dir):
    """selftune.json next to the weights may pin training_mode / base_learning_rate."""
    path = os.path.join(base_dir, "selftune.json")
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise TrainerError("base_model_invalid", f"cannot read {path}: {e}")
    return meta if isinstance(meta, dict) else {}


def check_base_model(base_dir):
    if not os.path.isfile(os.path.join(base_dir, "config.json")):
        raise TrainerError("base_model_not_found", f"no Hugging Face model (config.json) at {base_dir}")


# For base models that ship no chat template (most pretrained-only models): role
# headers as plain text and the model's own end-of-sequence token closing each
# message, so a fine-tune learns to stop where generation stops. It is saved
# with every checkpoint, so the fine-tuned model is called the way it was trained.
FALLBACK_CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}{{ eos_token }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def with_chat_template(tokenizer):
    """The tokenizer, given the fallback chat template if it has none (and an end token to close turns)."""
    if not tokenizer.chat_template and tokenizer.eos_token:
        tokenizer.chat_template = FALLBACK_CHAT_TEMPLATE
    return tokenizer


def load_tokenizer(path):
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise TrainerError("base_model_invalid", f"cannot load the tokenizer from {path}: {e}")
    return with_chat_template(tokenizer)


def pad_id(tokenizer):
    # Pads are masked out of attention and loss, so any real id works when there's no pad token.
    for tid in (tokenizer.pad_token_id, tokenizer.eos_token_id, 0):
        if tid is not None:
            return tid


def load_base(base_dir, device, frozen):
    # Frozen base weights (LoRA) can live in bf16; trained weights stay fp32 master copies.
    dtype = torch.bfloat16 if (frozen and device.bf16) else torch.float32
    try:
        model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=dtype)
    except (OSError, ValueError) as e:
        raise TrainerError("base_model_invalid", f"cannot load the model from {base_dir}: {e}")
    return model


def resolve_mode(requested, meta, n_params):
    if requested != "auto":
        return requested
    if meta.get("training_mode") in ("full", "lora"):
        return meta["training_mode"]
    return "full" if n_params < FULL_FT_MAX_PARAMS else "lora"


def base_learning_rate(meta, mode):
    lr = meta.get("base_learning_rate")
    if isinstance(lr, (int, float)) and not isinstance(lr, bool) and lr > 0:
        return float(lr)
    return DEFAULT_BASE_LR[mode]


def build_model(spec, device, meta, resume_dir=None, resume_mode=None):
    """Returns (model, mode). With resume_dir, weights come from that checkpoint."""
    if resume_mode == "full":
        model = load_base(os.path.join(resume_dir, "model"), device, frozen=False)
        return model.to(device.torch_device), "full"
    if resume_mode == "lora":
        from peft import PeftModel

        base = load_base(spec.base_model_path, device, frozen=True)
        model = PeftModel.from_pretrained(base, os.path.join(resume_dir, "model"), is_trainable=True)
        return model.to(device.torch_device), "lora"

    n_params = _count_params_lazily(spec.base_model_path)
    mode = resolve_mode(spec.training_mode, meta, n_params)
    model = load_base(spec.base_model_path, device, frozen=(mode == "lora"))
    if mode == "lora":
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(
            r=spec.lora.r,
            lora_alpha=spec.lora.alpha,
            lora_dropout=spec.lora.dropout,
            target_modules=spec.lora.target_modules,
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, config)
        # Saved adapters name their base by model id, never by a path on this server's disk.
        model.peft_config["default"].base_model_name_or_path = spec.base_model_id or spec.base_model_path
    return model.to(device.torch_device), mode


def _count_params_lazily(base_dir):
    # Decide the mode before loading weights, so a large model is never loaded in fp32 needlessly.
    from accelerate import init_empty_weights
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(base_dir)
    with init_empty_weights():
        skeleton = AutoModelForCausalLM.from_config(config)
    return sum(p.numel() for p in skeleton.parameters())
