"""Model-side training options: packed attention and gradient checkpointing.

torch.compile is deliberately not used: measured on CPU (selftune-tiny and a 25M
Llama, packed rows whose length changes every step) it recompiled for new shapes
and never won back its compile time; see bench/RESULTS.md.
"""
from .packing import use_packed_attention
from .protocol import log


def prepare_model(model, spec, device, can_pack):
    """Apply the spec's packing and gradient checkpointing to `model`; returns them as resolved."""
    packing = False
    if spec.packing and can_pack:
        packing = use_packed_attention(model, device.torch_device)
        if not packing:
            log("warn", "this transformers version can't run packed sequences; training on padded batches instead")
    if spec.gradient_checkpointing:
        enable_gradient_checkpointing(model)
    return packing, spec.gradient_checkpointing


def enable_gradient_checkpointing(model):
    """Recompute each layer's activations in the backward pass instead of keeping them.

    Non-reentrant checkpointing: it works with frozen inputs and keyword
    arguments, and restores RNG state so dropout (LoRA) recomputes identically.
    With PEFT the embedding output must require grad, or no gradient reaches the
    adapters through layers whose inputs come from frozen weights; recent
    transformers hook that in already, older versions only for their own PEFT loading."""
    network = getattr(model, "backbone", model)  # the classifier wraps a transformers backbone
    base = network.get_base_model() if hasattr(network, "get_base_model") else network
    base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    base.config.use_cache = False
    hooked = getattr(base, "_require_grads_hooks", None) or getattr(base, "_require_grads_hook", None)
    if base is not network and not hooked:
        base.enable_input_require_grads()
