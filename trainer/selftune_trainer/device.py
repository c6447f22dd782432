"""Where and in what precision to train: CUDA (bf16 autocast when supported) or CPU fp32."""
import contextlib
import os

import torch


def cpu_threads():
    """Intra-op threads for CPU training: all cores but one, or SELFTUNE_CPU_THREADS.

    Leaving a core free matters more than it seems: when every core is busy
    (the server, other jobs), torch's OpenMP threads stall at each barrier and
    a step can get 10-80x slower; measured on a 2-core box, 1 thread ran
    ~5500 tokens/s under load where 2 threads ran 350-1100.
    """
    override = os.environ.get("SELFTUNE_CPU_THREADS")
    if override and override.isdigit() and int(override) > 0:
        return int(override)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores - 1)


class Device:
    def __init__(self):
        if torch.cuda.is_available():
            self.torch_device = torch.device("cuda")
            self.bf16 = torch.cuda.is_bf16_supported()
        else:
            self.torch_device = torch.device("cpu")
            self.bf16 = False  # CPU bf16 autocast is slow on most CPUs and hurts determinism
            torch.set_num_threads(cpu_threads())
        self.name = self.torch_device.type
        self.dtype_name = "bfloat16" if self.bf16 else "float32"

    def autocast(self):
        # Trained weights and optimizer state stay fp32; the matmuls run in bf16.
        if self.bf16:
            return torch.autocast(device_type=self.name, dtype=torch.bfloat16)
        return contextlib.nullcontext()
