#!/usr/bin/env bash
# Training tokens/s and MFU of selftune's trainer on this node's GPUs (bench/gpu_throughput.py):
# a Llama-3-8B-shaped LoRA run and a ~0.5B full fine-tune, each on one GPU and on every GPU.
#
#   bench/gpu.sh [RESULTS.jsonl] [gpu_throughput.py options...]
#
# Needs a CUDA build of PyTorch and the trainer's packages (trainer/requirements.txt); no network.
# Python: $SELFTUNE_PYTHON, else .venv/bin/python if its torch sees a GPU, else python3.
# Results: the first argument, else $SELFTUNE_BENCH_OUT, else bench/gpu-results.jsonl (appended).
# Bounded: each run stops after its steps (or --timeout seconds), the whole script after 15 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${SELFTUNE_BENCH_OUT:-bench/gpu-results.jsonl}
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then out=$1; shift; fi

has_cuda_torch() { "$1" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; }
python=${SELFTUNE_PYTHON:-}
if [ -z "$python" ]; then
  for candidate in .venv/bin/python python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && has_cuda_torch "$candidate"; then python=$candidate; break; fi
  done
fi
dry_run=false
for arg in "$@"; do [ "$arg" = --tiny ] && dry_run=true; done
if [ -z "$python" ]; then
  if $dry_run; then python=${SELFTUNE_PYTHON:-.venv/bin/python}; [ -x "$python" ] || python=python3
  else
    echo "bench/gpu.sh: no Python here has a PyTorch that sees a CUDA GPU (tried \$SELFTUNE_PYTHON, .venv/bin/python, python3, python)." >&2
    echo "Run it on a machine with an NVIDIA GPU and a CUDA build of torch, or add --tiny for a CPU dry run." >&2
    exit 2
  fi
fi

missing=$("$python" -c '
import importlib.util
print(" ".join(m for m in ("torch", "transformers", "peft", "accelerate", "safetensors", "tokenizers") if importlib.util.find_spec(m) is None))')
if [ -n "$missing" ]; then
  echo "bench/gpu.sh: $python lacks: $missing" >&2
  echo "Install the trainer's packages, e.g. offline from a folder of wheels:" >&2
  echo "  $python -m pip install --no-index --find-links WHEEL_DIR -r trainer/requirements.txt" >&2
  exit 2
fi

echo "bench/gpu.sh: $("$python" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "GPUs", torch.cuda.device_count(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")')" >&2
echo "bench/gpu.sh: results are appended to $out" >&2
exec timeout --kill-after=30 900 "$python" bench/gpu_throughput.py --out "$out" "$@"
