"""The DPO objective and the answer log-probabilities it compares.

Written here rather than taken from TRL: TRL's DPOTrainer owns the training loop
(checkpoints, resume, logging), which in selftune belongs to loop.py; what DPO adds
to our loop is these few lines and a reference, and TRL's loss helpers are methods
of that trainer, not functions we could call on their own.
"""
import torch
import torch.nn.functional as F

from ..data import IGNORE
from ..packing import pad


def answer_logps(model, sequences, pad_id, device):
    """Per sequence: (summed log-probability of its answer tokens, answer tokens, correct argmax predictions).

    `sequences` are data.Example rows; their labels mark the answer, so the sum is
    log p(answer | prompt) under `model`."""
    batch = pad(sequences, pad_id)  # labels shifted: logits at t score labels[t]
    labels = batch["labels"].to(device.torch_device)
    with device.autocast():
        logits = model(input_ids=batch["input_ids"].to(device.torch_device),
                       attention_mask=batch["attention_mask"].to(device.torch_device)).logits
    logits = logits.float()  # log-probs in fp32 whatever the autocast dtype
    mask = labels != IGNORE
    token_logps = torch.gather(logits.log_softmax(-1), 2, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    correct = ((logits.argmax(-1) == labels) & mask).sum(-1)
    return (token_logps * mask).sum(-1), mask.sum(-1), correct


def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):
    """Per-pair sigmoid DPO loss -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r))), and the implicit rewards.

    Rewards are beta times each answer's log-probability gain over the reference
    (Rafailov et al. 2023); their difference is the reward margin."""
    chosen_rewards = beta * (policy_chosen - ref_chosen)
    rejected_rewards = beta * (policy_rejected - ref_rejected)
    return -F.logsigmoid(chosen_rewards - rejected_rewards), chosen_rewards, rejected_rewards
