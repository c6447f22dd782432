"""selftune's trainer vs TRL's SFTTrainer on a ~25M-parameter Llama-shaped model (CPU or GPU).

Workload: a Llama model built from a fixed seed with a byte-level BPE tokenizer
(8192 tokens) trained with `tokenizers` on generated text; 160 chat examples of
40-700 tokens (widely spread lengths); batch 8; the same tokenization and label
masks, LR schedule, clipping, optimizer (fused AdamW), seed and thread count for
every trainer. Each run is its own process (so peak memory is its own), and the
runs alternate, N rounds, best of N reported, which damps noise on a shared machine.

Configurations, full fine-tune and LoRA each:
  selftune         packing (the default): padding-free rows, per-example attention
  selftune-padded  packing=false: each batch padded to its longest example
  trl              SFTTrainer, padded batches
  trl-padding-free SFTTrainer, padding_free=True (the batch flattened into one row)

Reported: real (non-padding) tokens/s over the training loop, final train loss
(mean of the last 5 steps), loss on 32 held-out examples (same evaluation code
for all), peak RSS (CPU) or peak CUDA memory, padding fraction.

Usage: .venv/bin/python bench/trainer_vs_trl.py [--repeats N] [--epochs E] [--modes full,lora] [--configs a,b]
       .venv/bin/python bench/trainer_vs_trl.py --profile CONFIG [--mode full]   (torch.profiler, a few steps)
       .venv/bin/python bench/trainer_vs_trl.py --compile-probe                    (torch.compile vs eager)
Needs `trl` (bench/requirements.txt). Prints one JSON object (plus a table on stderr).
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "trainer"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SEED, BATCH, N_TRAIN, N_HELD_OUT, LR = 42, 8, 160, 32, 1e-3
MIN_TOKENS, MAX_TOKENS = 40, 700
VOCAB = 8192
LORA = {"r": 16, "alpha": 32, "dropout": 0.0, "target_modules": "all-linear"}
CONFIGS = ("selftune", "selftune-padded", "trl", "trl-padding-free")
SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "an", "el", "or", "us", "ve", "di", "ma", "th", "qu", "zy"]


# ---------- the workload: tokenizer, model and data, all from fixed seeds ----------

def lexicon():
    """12000 made-up words with Zipf-like frequencies (so BPE finds real merges, as in natural text)."""
    rng = random.Random(SEED)
    made_up = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 5))) for _ in range(12000)]
    cumulative, total = [], 0.0
    for i in range(len(made_up)):
        total += 1 / (i + 1)
        cumulative.append(total)
    return made_up, cumulative


LEXICON = lexicon()


def words(rng, n):
    return rng.choices(LEXICON[0], cum_weights=LEXICON[1], k=n)


def sentence_text(rng, n_words):
    ws = words(rng, n_words)
    out, i = [], 0
    while i < len(ws):
        k = rng.randint(4, 14)
        out.append(" ".join(ws[i : i + k]).capitalize() + rng.choice([".", ".", "?", "!"]))
        i += k
    return " ".join(out)


def build_tokenizer(rng):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from selftune_trainer.tiny_model import CHAT_TEMPLATE, SPECIAL_TOKENS

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    corpus = [sentence_text(rng, 200) for _ in range(400)]
    tok.train_from_iterator(corpus, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|bos|>", eos_token="<|eos|>", pad_token="<|pad|>",
                                   additional_special_tokens=SPECIAL_TOKENS[3:])
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(tokenizer):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<|bos|>", "<|eos|>", "<|end|>", "<|pad|>")}
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=512, intermediate_size=1152, num_hidden_layers=6,
                         num_attention_heads=8, num_key_value_heads=8, max_position_embeddings=1024,
                         bos_token_id=ids["<|bos|>"], eos_token_id=[ids["<|eos|>"], ids["<|end|>"]],
                         pad_token_id=ids["<|pad|>"], tie_word_embeddings=False)
    torch.manual_seed(SEED)
    return LlamaForCausalLM(config)


def chat_rows(rng, tokenizer, n):
    """Chats whose tokenized length is spread evenly over MIN_TOKENS..MAX_TOKENS."""
    from selftune_trainer.data import encode_record

    rows = []
    while len(rows) < n:
        target = rng.randint(MIN_TOKENS, MAX_TOKENS)
        prompt_share = rng.uniform(0.2, 0.6)
        n_words = max(4, int((target - 30) / 1.15))
        row = {"messages": [
            {"role": "system", "content": "You answer in the style of the examples."},
            {"role": "user", "content": sentence_text(rng, max(2, int(n_words * prompt_share)))},
            {"role": "assistant", "content": sentence_text(rng, max(2, int(n_words * (1 - prompt_share))))},
        ]}
        if MIN_TOKENS <= len(encode_record(row, tokenizer)[0]) <= MAX_TOKENS:
            rows.append(row)
    return rows


def make_workload(work):
    rng = random.Random(SEED)
    tokenizer = build_tokenizer(rng)
    model = build_model(tokenizer)
    model_dir = os.path.join(work, "model")
    model.save_pretrained(model_dir, safe_serialization=True)
    tokenizer.save_pretrained(model_dir)
    with open(os.path.join(model_dir, "selftune.json"), "w") as f:
        json.dump({"training_mode": "full", "base_learning_rate": LR}, f)
    for name, n in (("train", N_TRAIN), ("held_out", N_HELD_OUT)):
        with open(os.path.join(work, f"{name}.jsonl"), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in chat_rows(rng, tokenizer, n))
    return sum(p.numel() for p in model.parameters())


def load_examples(work, name):
    from transformers import AutoTokenizer

    from selftune_trainer.data import load_file

    tokenizer = AutoTokenizer.from_pretrained(os.path.join(work, "model"))
    return load_file(os.path.join(work, f"{name}.jsonl"), tokenizer, MAX_TOKENS, "invalid_training_file").examples


# ---------- one run (in its own process) ----------

def held_out_loss(model, work):
    """Token-weighted loss on the held-out set: the same padded evaluation for every trainer."""
    import torch

    from selftune_trainer.batches import Layout
    from selftune_trainer.device import Device
    from selftune_trainer.steps import evaluate

    model.to(Device().torch_device)
    plain = getattr(model, "get_base_model", lambda: model)()
    plain.set_attn_implementation("sdpa")
    with torch.no_grad():
        loss, _ = evaluate(model, load_examples(work, "held_out"), Layout(0, False, None, BATCH, None), Device())
    return loss


def peak_memory():
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_selftune(work, out, mode, epochs, steps, packing):
    import torch
    from transformers import AutoModelForCausalLM

    from selftune_trainer import protocol
    from selftune_trainer.loop import run_training
    from selftune_trainer.spec import TrainSpec

    spec = TrainSpec(job_id="bench", base_model_path=os.path.join(work, "model"), output_dir=out,
                     training_files=[{"path": os.path.join(work, "train.jsonl"), "weight": 1.0}],
                     n_epochs=None if steps else epochs, training_steps=steps, batch_size=BATCH, learning_rate=LR, seed=SEED, max_seq_len=MAX_TOKENS,
                     training_mode=mode, lora=LORA if mode == "lora" else None, packing=packing, keep_checkpoints=1)
    events = []
    protocol.set_sink(events.append)
    try:
        run_training(spec, protocol.Commands())
    finally:
        protocol.set_sink(None)
    steps = [e for e in events if e["event"] == "step"]
    peak = peak_memory()
    final = os.path.join(out, "final")
    if mode == "lora":
        from peft import PeftModel

        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(os.path.join(work, "model")), final)
    else:
        model = AutoModelForCausalLM.from_pretrained(final, dtype=torch.float32)
    positions = [s["step_tokens"] / (1 - s["padding_fraction"]) for s in steps]
    return {"tokens": steps[-1]["trained_tokens"], "seconds": steps[-1]["elapsed_seconds"],
            "losses": [s["train_loss"] for s in steps], "peak_memory_bytes": peak,
            "padding_fraction": 1 - steps[-1]["trained_tokens"] / sum(positions),
            "held_out_loss": held_out_loss(model, work)}


def trl_trainer(work, out, mode, epochs, steps, padding_free):
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from selftune_trainer.device import cpu_threads

    if not torch.cuda.is_available():
        torch.set_num_threads(cpu_threads())  # the thread count selftune's worker uses
    examples = load_examples(work, "train")
    data = Dataset.from_dict({"input_ids": [ex.input_ids for ex in examples], "labels": [ex.labels for ex in examples]})
    tokenizer = AutoTokenizer.from_pretrained(os.path.join(work, "model"))
    torch.manual_seed(SEED)
    model = AutoModelForCausalLM.from_pretrained(os.path.join(work, "model"), dtype=torch.float32)
    peft_config = None
    if mode == "lora":
        from peft import LoraConfig

        peft_config = LoraConfig(r=LORA["r"], lora_alpha=LORA["alpha"], lora_dropout=LORA["dropout"],
                                 target_modules=LORA["target_modules"], task_type="CAUSAL_LM")
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    args = SFTConfig(output_dir=out, num_train_epochs=epochs, max_steps=steps or -1, per_device_train_batch_size=BATCH,
                     learning_rate=LR, lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0,
                     optim="adamw_torch_fused", seed=SEED, report_to="none", save_strategy="no", eval_strategy="no",
                     logging_steps=1, disable_tqdm=True, dataloader_num_workers=0, use_cpu=not torch.cuda.is_available(),
                     bf16=bf16, max_length=None, packing=False, padding_free=padding_free,
                     include_num_input_tokens_seen="non_padding")
    return SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer, peft_config=peft_config)


def run_trl(work, out, mode, epochs, steps, padding_free):
    trainer = trl_trainer(work, out, mode, epochs, steps, padding_free)
    result = trainer.train()
    peak = peak_memory()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return {"tokens": trainer.state.num_input_tokens_seen, "seconds": result.metrics["train_runtime"], "losses": losses,
            "peak_memory_bytes": peak, "padding_fraction": None, "held_out_loss": held_out_loss(trainer.model, work)}


def one_run(config, mode, work, epochs, steps):
    out = tempfile.mkdtemp(prefix=f"{config}-{mode}-", dir=work)
    if config.startswith("selftune"):
        result = run_selftune(work, out, mode, epochs, steps, packing=(config == "selftune"))
    else:
        result = run_trl(work, out, mode, epochs, steps, padding_free=(config == "trl-padding-free"))
    result["tokens_per_second"] = result["tokens"] / result["seconds"]
    result["final_train_loss"] = sum(result["losses"][-5:]) / len(result["losses"][-5:])
    return result


# ---------- profiling and torch.compile probes ----------

def profile(config, mode, work):
    """torch.profiler over 6 steps (after 2 warm-up steps); prints the top ops by self CPU time."""
    import torch
    from torch.profiler import ProfilerActivity, profile as torch_profile

    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        if config.startswith("selftune"):
            spec_steps(work, mode, packing=(config == "selftune"))
        else:
            trl_trainer(work, tempfile.mkdtemp(dir=work), mode, 1, 8, config == "trl-padding-free").train()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25), file=sys.stderr)


def spec_steps(work, mode, packing, n=8):
    from selftune_trainer import protocol
    from selftune_trainer.loop import run_training
    from selftune_trainer.spec import TrainSpec

    spec = TrainSpec(job_id="profile", base_model_path=os.path.join(work, "model"), output_dir=tempfile.mkdtemp(dir=work),
                     training_files=[{"path": os.path.join(work, "train.jsonl")}], n_epochs=None, training_steps=n,
                     batch_size=BATCH, learning_rate=LR, seed=SEED, max_seq_len=MAX_TOKENS, training_mode=mode,
                     lora=LORA if mode == "lora" else None, packing=packing)
    protocol.set_sink(lambda e: None)
    try:
        run_training(spec, protocol.Commands())
    finally:
        protocol.set_sink(None)


def compile_probe(work):
    """Seconds per packed training step (forward + backward + AdamW), eager vs torch.compile(dynamic=True),
    on selftune-tiny and on the 25M model, over the benchmark's batches; and the compile (first-step) time."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from selftune_trainer import protocol
    from selftune_trainer.batches import Batcher, Layout
    from selftune_trainer.data import load_file
    from selftune_trainer.device import Device
    from selftune_trainer.packing import use_packed_attention
    from selftune_trainer.steps import make_optimizer, train_step
    from selftune_trainer.tiny_model import make_tiny_model

    device = Device()
    protocol.set_sink(lambda e: None)
    tiny = make_tiny_model(os.path.join(work, "tiny"))
    protocol.set_sink(None)
    results = {}
    for name, path, steps in (("selftune-tiny", tiny, 12), ("llama-25m", os.path.join(work, "model"), 6)):
        tokenizer = AutoTokenizer.from_pretrained(path)
        examples = load_file(os.path.join(work, "train.jsonl"), tokenizer, MAX_TOKENS, "x").examples
        batcher = Batcher([examples], [1.0], BATCH, SEED)
        for compiled in (False, True):
            torch.manual_seed(SEED)
            model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
            use_packed_attention(model, device.torch_device)
            optimizer, scheduler = make_optimizer(model, LR, 0.0, steps, 0.0, "linear")
            runner = torch.compile(model, dynamic=True) if compiled else model
            times = []
            for k in range(steps):
                t = time.time()
                train_step(runner, optimizer, scheduler, batcher.batch(k), Layout(0, True, None, BATCH, None), device)
                times.append(time.time() - t)
            steady = sorted(times[2:])[: len(times[2:]) // 2 + 1]  # the faster half: damps noise from other processes
            key = f"{name} {'compiled' if compiled else 'eager'}"
            results[key] = {"first_step_seconds": round(times[0], 2), "steady_step_seconds": round(sum(steady) / len(steady), 4),
                            "step_seconds": [round(t, 3) for t in times]}
            print(key, json.dumps(results[key]), file=sys.stderr, flush=True)
    return results


# ---------- the driver ----------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps", type=int, help="stop after this many optimizer steps (both trainers; LR schedule over them)")
    parser.add_argument("--modes", default="full,lora")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="full")
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--profile")
    parser.add_argument("--compile-probe", action="store_true")
    args = parser.parse_args()

    if args.one:
        result = one_run(args.one, args.mode, args.work, args.epochs, args.steps)
        with open(os.path.join(args.work, "runs.jsonl"), "a") as f:  # survives an interrupted driver
            f.write(json.dumps({"config": args.one, "mode": args.mode, **result}) + "\n")
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as work:
        parameters = make_workload(work)
        if args.profile:
            profile(args.profile, args.mode, work)
            return
        if args.compile_probe:
            print(json.dumps(compile_probe(work), indent=1))
            return
        runs = {}
        configs = args.configs.split(",")
        for r in range(args.repeats):
            for mode in args.modes.split(","):
                order = configs[r % len(configs):] + configs[: r % len(configs)]  # rotate who goes first
                for config in order:
                    proc = subprocess.run([sys.executable, __file__, "--one", config, "--mode", mode, "--work", work,
                                           "--epochs", str(args.epochs)] + (["--steps", str(args.steps)] if args.steps else []),
                                          capture_output=True, text=True)
                    if proc.returncode != 0:
                        sys.exit(f"{config} {mode} failed:\n{proc.stderr[-4000:]}")
                    result = json.loads(proc.stdout.strip().splitlines()[-1])
                    runs.setdefault(f"{config} {mode}", []).append(result)
                    print(f"round {r + 1} {config} {mode}: {result['tokens_per_second']:.0f} tok/s", file=sys.stderr)
        examples = load_examples(work, "train")
    print(json.dumps(report(runs, parameters, examples, args), indent=1))


def padded_share(examples, steps):
    """Padding share of selftune's own batches over `steps` steps had they been padded (packing=false)."""
    from selftune_trainer.batches import Batcher
    from selftune_trainer.packing import padded_positions

    batcher = Batcher([examples], [1.0], BATCH, SEED)
    pads, total = 0, 0
    for k in range(steps):
        p, t = padded_positions(batcher.batch(k), packing=False)
        pads, total = pads + p, total + t
    return pads / total


def report(runs, parameters, examples, args):
    from selftune_trainer.device import cpu_threads

    lengths = [len(ex.input_ids) for ex in examples]
    steps = args.steps or args.epochs * -(-len(examples) // BATCH)
    best = {k: max(v, key=lambda r: r["tokens_per_second"]) for k, v in runs.items()}
    table = {}
    for key, r in best.items():
        table[key] = {"tokens_per_second": round(r["tokens_per_second"], 1),
                      "all_tokens_per_second": [round(x["tokens_per_second"], 1) for x in runs[key]],
                      "seconds": round(r["seconds"], 2), "final_train_loss": round(r["final_train_loss"], 4),
                      "held_out_loss": round(r["held_out_loss"], 4),
                      "peak_memory_mib": round(r["peak_memory_bytes"] / 2**20),
                      "padding_fraction": None if r["padding_fraction"] is None else round(r["padding_fraction"], 3)}
    ratios = {}
    for mode in args.modes.split(","):
        ours = best.get(f"selftune {mode}")
        for other in ("trl", "trl-padding-free", "selftune-padded"):
            if ours and f"{other} {mode}" in best:
                ratios[f"selftune/{other} {mode}"] = round(ours["tokens_per_second"] / best[f"{other} {mode}"]["tokens_per_second"], 2)
    return {"setup": {"parameters": parameters, "examples": len(lengths), "tokens": sum(lengths),
                      "example_tokens_min_max": [min(lengths), max(lengths)], "batch_size": BATCH, "epochs": args.epochs,
                      "steps": args.steps,
                      "learning_rate": LR, "seed": SEED, "lora": LORA, "repeats": args.repeats, "cpu_threads": cpu_threads()},
            "best_of_n": table, "speedup": ratios,
            "selftune_padding_fraction": {"padded": round(padded_share(examples, steps), 3), "packed": 0.0}}


if __name__ == "__main__":
    main()
