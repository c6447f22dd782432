"""Loads an exported model with plain transformers / PEFT (no selftune code) and
prints its greedy reply to one user message as JSON: what a user of the export sees."""
import argparse
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--base", help="for a PEFT adapter folder: the base model folder")
parser.add_argument("--prompt", required=True)
parser.add_argument("--max-new-tokens", type=int, required=True)
args = parser.parse_args()

if os.path.exists(os.path.join(args.model, "adapter_config.json")):
    from peft import PeftModel

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32), args.model)
else:
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
model.eval()
tokenizer = AutoTokenizer.from_pretrained(args.model)
text = tokenizer.apply_chat_template([{"role": "user", "content": args.prompt}], tokenize=False, add_generation_prompt=True)
ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
with torch.no_grad():
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=args.max_new_tokens, do_sample=False)
new = out[0, ids.shape[1]:].tolist()
print(json.dumps({"text": tokenizer.decode(new, skip_special_tokens=True), "tokens": len(new)}))
