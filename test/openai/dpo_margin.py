"""Mean log-probability margin, log p(preferred) - log p(non-preferred), of a model folder over preference pairs.

Plain transformers and the folder's own chat template, no selftune code: the answer's
tokens are what the full conversation adds after the prompt rendered with its
generation prompt. Prints {"margin": float, "pairs": int} as JSON.
"""
import argparse
import json

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--pairs", required=True, help="a preference JSONL file")
args = parser.parse_args()

model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
tokenizer = AutoTokenizer.from_pretrained(args.model)


def answer_logp(messages, answer):
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(messages + [answer], tokenize=False)
    assert full.startswith(prompt)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(full[len(prompt):], add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt_ids + answer_ids])
    with torch.no_grad():
        logps = model(input_ids=ids).logits[0, :-1].log_softmax(-1)
    targets = ids[0, 1:]
    return float(logps[torch.arange(len(targets)), targets][len(prompt_ids) - 1:].sum())


margins = []
with open(args.pairs) as f:
    for line in f:
        pair = json.loads(line)
        messages = pair["input"]["messages"]
        margins.append(answer_logp(messages, pair["preferred_output"][0]) - answer_logp(messages, pair["non_preferred_output"][0]))
print(json.dumps({"margin": sum(margins) / len(margins), "pairs": len(margins)}))
