"""One job on every GPU of a node: the process group, sharding a step, wrapping the model.

`torchrun` starts one process per GPU (WORLD_SIZE/RANK/LOCAL_RANK in the
environment); without it the job is one process and every helper here is a
no-op, so the training loop reads the same either way. The rules:

- every rank computes the same global list of examples for a step (the batcher
  is a pure function of the step) and takes its token-balanced share of it;
- the gradient is the single-process gradient of the global batch: each rank's
  summed loss is divided by the global trained-token count, times the world size
  because DDP and FSDP average gradients over ranks;
- loss / trained tokens / correct predictions are summed over ranks, so reported
  metrics are global;
- every rank runs the same number of forward passes (FSDP gathers weights in
  each one): a rank with less work runs zero-weighted passes;
- control (pause/cancel) is agreed by all ranks at each step, so all stop at the
  same step; only rank 0 speaks the protocol and writes files.
"""
import contextlib
import datetime
import os

import torch
import torch.distributed as dist

from .device import cpu_threads
from .errors import TrainerError

SHARDING_ENV = "SELFTUNE_TRAIN_SHARDING"  # auto (default), ddp or fsdp
# Full fine-tuning holds fp32 weights, gradients and two Adam moments: 16 bytes per parameter.
FULL_FT_BYTES_PER_PARAM = 16
# auto picks FSDP when that state would take more than this share of one GPU (the rest is for activations).
FSDP_MEMORY_SHARE = 0.5
# A rank may wait this long for the others (rank 0 writing a large checkpoint).
COLLECTIVE_TIMEOUT = datetime.timedelta(minutes=30)


class World:
    """This process's place in the job: rank 0 of 1 unless started by torchrun."""

    def __init__(self, rank=0, size=1, local_rank=0):
        self.rank, self.size, self.local_rank = rank, size, local_rank
        self.is_main = rank == 0
        self.sharding = None  # "ddp" / "fsdp" once the model is wrapped
        self._device = torch.device("cpu")

    # -- setup -----------------------------------------------------------------
    def configure(self, device):
        """Share the CPU cores between ranks (each would otherwise take all but one)."""
        if self.size > 1:
            self._device = device.torch_device
            if device.name == "cpu":
                torch.set_num_threads(max(1, cpu_threads() // self.size))
        return device

    def seed_ranks(self, seed):
        """After the (identical) model init: a different torch stream per rank, so dropout masks differ."""
        if self.size > 1:
            torch.manual_seed(seed + self.rank)

    def wrap(self, model, mode, device):
        """DDP, or FSDP for a full fine-tune whose training state would not fit one GPU."""
        if self.size == 1:
            return model
        self.sharding = pick_sharding(model, mode, device)
        if self.sharding == "fsdp":
            return _fully_shard(model, device, self.size)
        from torch.nn.parallel import DistributedDataParallel

        # Buffers (rotary tables) are constants: no broadcast, which would also be a collective per forward.
        return DistributedDataParallel(model, device_ids=[self.local_rank] if device.name == "cuda" else None,
                                       broadcast_buffers=False)

    @staticmethod
    def unwrap(model):
        """The Hugging Face / PEFT model inside a DDP wrapper (FSDP2 wraps in place)."""
        return getattr(model, "module", model)

    # -- one step ------------------------------------------------------------------
    def shard(self, examples):
        """This rank's share of a step's examples, balanced by tokens (the same answer on every rank)."""
        if self.size == 1:
            return examples
        return [examples[i] for i in sorted(balanced_assignment([len(ex.input_ids) for ex in examples], self.size)[self.rank])]

    @property
    def grad_scale(self):
        """DDP and FSDP average gradients over ranks; multiplying by the size turns that into a sum."""
        return self.size

    def equalize(self, chunks, filler):
        """[(chunk, live)]: this rank's passes, padded with zero-weighted `filler` passes to the most any rank has."""
        passes = [(chunk, True) for chunk in chunks]
        if self.size > 1:
            most = int(self._reduce([len(chunks)], dist.ReduceOp.MAX)[0])
            passes += [(filler, False)] * (most - len(chunks))
        return passes

    def grad_sync(self, model, last):
        """Gradients are exchanged on the last pass of a step only (accumulation before it)."""
        if self.size == 1 or last:
            if self.sharding == "fsdp":
                model.set_requires_gradient_sync(True)
            return contextlib.nullcontext()
        if self.sharding == "fsdp":
            model.set_requires_gradient_sync(False)
            return contextlib.nullcontext()
        return model.no_sync()

    def sum(self, *values):
        """Each value summed over ranks (float64, so token counts stay exact)."""
        if self.size == 1:
            return values
        total = self._reduce(values, dist.ReduceOp.SUM)
        return tuple(type(v)(t) if isinstance(v, int) else float(t) for v, t in zip(values, total))

    def agree(self, commands):
        """(cancel, pause) as one decision of all ranks: rank 0 reads stdin, any rank may have been sent SIGTERM."""
        flags = [commands.cancel.is_set(), commands.pause.is_set()]
        if self.size == 1:
            return tuple(flags)
        cancel, pause = self._reduce([float(f) for f in flags], dist.ReduceOp.MAX)
        return bool(cancel), bool(pause) and not bool(cancel)

    # -- state and files ---------------------------------------------------------------
    def optimizer_state(self, model, optimizer):
        """Full optimizer state (gathered from the shards under FSDP); rank 0's copy is the one saved."""
        if self.sharding != "fsdp":
            return optimizer.state_dict()
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_optimizer_state_dict

        _reshard(model)
        full = get_optimizer_state_dict(model, optimizer, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
        return {"fsdp_full": full}

    def load_optimizer_state(self, model, optimizer, saved):
        if "fsdp_full" not in saved and self.sharding != "fsdp":
            optimizer.load_state_dict(saved)
            return
        if "fsdp_full" not in saved or self.sharding != "fsdp":
            raise TrainerError("resume_incompatible", "this restart point was written with a different sharding "
                                                      f"(FSDP or not) than this run's; set {SHARDING_ENV} to match it")
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

        _reshard(model)
        set_optimizer_state_dict(model, optimizer, saved["fsdp_full"], options=StateDictOptions(full_state_dict=True))

    def gather_rng(self, state):
        """Every rank's RNG state (rank order), for an exact resume of per-rank dropout."""
        if self.size == 1:
            return None
        states = [None] * self.size
        dist.all_gather_object(states, state)
        return states

    def my_rng(self, saved):
        """The RNG state this rank resumes with: its own when the world size is unchanged."""
        by_rank = saved.get("rng_by_rank")
        if by_rank and len(by_rank) == self.size:
            return by_rank[self.rank]
        return saved["rng"] if self.is_main else None

    def write(self, model, save):
        """Rank 0 calls save(hf_model, state_dict) while the others wait; under FSDP every rank
        first helps gather the full weights (state_dict is None otherwise: the model's own)."""
        weights = None
        if self.sharding == "fsdp":
            from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

            _reshard(model)
            weights = get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
            weights = _retie(self.unwrap(model), weights) if self.is_main else None
        if self.is_main:
            save(self.unwrap(model), weights)
        self.barrier()

    def on_main(self, action, *args):
        """File work only rank 0 does (clearing and pruning restart points); the others wait for it."""
        result = action(*args) if self.is_main else None
        self.barrier()
        return result

    def from_main(self, value):
        """Rank 0's `value` on every rank (e.g. which restart point to resume from)."""
        if self.size == 1:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0, device=self._device)
        return box[0]

    def barrier(self):
        if self.size > 1:
            dist.barrier()

    def close(self):
        if self.size > 1 and dist.is_initialized():
            dist.destroy_process_group()

    def _reduce(self, values, op):
        # NCCL only reduces GPU tensors; gloo CPU ones.
        t = torch.tensor([float(v) for v in values], dtype=torch.float64, device=self._device)
        dist.all_reduce(t, op=op)
        return t.tolist()


def init_world():
    """The world torchrun set up for this process (WORLD_SIZE > 1), else a single process."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl", timeout=COLLECTIVE_TIMEOUT, device_id=torch.device("cuda", local_rank))
    else:
        dist.init_process_group("gloo", timeout=COLLECTIVE_TIMEOUT)
    world = World(rank, size, local_rank)
    if torch.cuda.is_available():
        world._device = torch.device("cuda", local_rank)
    return world


def balanced_assignment(lengths, n_ranks):
    """Indices per rank: longest first, each to the rank with the fewest tokens so far (ties: lowest rank)."""
    loads, owned = [0] * n_ranks, [[] for _ in range(n_ranks)]
    for i in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        r = min(range(n_ranks), key=lambda r: (loads[r], r))
        loads[r] += lengths[i]
        owned[r].append(i)
    return owned


def pick_sharding(model, mode, device):
    choice = os.environ.get(SHARDING_ENV, "auto").strip().lower() or "auto"
    if choice not in ("auto", "ddp", "fsdp"):
        raise TrainerError("invalid_setting", f"{SHARDING_ENV} must be auto, ddp or fsdp, got {choice!r}")
    if choice != "auto":
        return choice
    if mode != "full" or device.name != "cuda":
        return "ddp"  # LoRA's trained state is small; on CPU memory is not the limit
    n_params = sum(p.numel() for p in model.parameters())
    gpu_bytes = torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory
    return "fsdp" if n_params * FULL_FT_BYTES_PER_PARAM > FSDP_MEMORY_SHARE * gpu_bytes else "ddp"


def _fully_shard(model, device, size):
    """FSDP2: each transformer block is one shard unit (gathered for its forward/backward), then the rest."""
    from torch.distributed.device_mesh import init_device_mesh

    fully_shard, _ = _fsdp2()
    mesh = init_device_mesh(device.name, (size,))
    block_names = set(getattr(World.unwrap(model), "_no_split_modules", None) or [])
    for module in model.modules():
        if type(module).__name__ in block_names:
            fully_shard(module, mesh=mesh)
    fully_shard(model, mesh=mesh)
    return model


def _reshard(model):
    # FSDP keeps the root's parameters gathered after a forward that no backward followed (an evaluation);
    # the state-dict helpers expect every parameter in its sharded form, the one the optimizer holds.
    _, FSDPModule = _fsdp2()
    for module in model.modules():
        if isinstance(module, FSDPModule):
            module.reshard()


def _fsdp2():
    """(fully_shard, FSDPModule): public in torch >= 2.6, under _composable before."""
    try:
        from torch.distributed.fsdp import FSDPModule, fully_shard
    except ImportError:
        from torch.distributed._composable.fsdp import FSDPModule, fully_shard
    return fully_shard, FSDPModule


def _retie(model, weights):
    """Gathered weights hold separate copies of tied parameters (input and output embeddings); share them
    again so save_pretrained drops the duplicates exactly as it does for the unsharded model."""
    first_name = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        first = first_name.setdefault(id(param), name)
        if first != name and first in weights and name in weights:
            weights[name] = weights[first]
    return weights
