"""The inference worker: fair queueing, stop strings, the adapter LRU, and whole requests."""
import torch

from selftune_trainer.inference.decoding import TextTail
from selftune_trainer.inference.fair_queue import FairQueue
from selftune_trainer.inference.models import ModelCache
from selftune_trainer.inference.server import Worker
from selftune_trainer.model_setup import load_tokenizer

CPU = torch.device("cpu")


def test_fair_queue_is_fifo_per_model_and_round_robin_across_models():
    q = FairQueue()
    for item in ["a1", "a2", "a3", "b1", "c1", "b2"]:
        q.push(item[0], item)
    q.remove(lambda item: item == "a3")
    assert [q.pop() for _ in range(len(q))] == ["a1", "b1", "c1", "a2", "b2"]


def test_text_tail_holds_back_a_possible_stop_string_and_cuts_at_it(tiny_model):
    tail = TextTail(load_tokenizer(tiny_model), ["ue."])
    out = [tail.add(b) for b in b"Blue. more"]
    assert out[:2] == [("B", False), ("l", False)]
    assert out[2] == ("", False)  # "u" may begin "ue."
    assert out[4] == ("", True) and tail.text == "Bl"


def _adapter(tiny_model, out, seed):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    config = LoraConfig(r=4, lora_alpha=64, target_modules="all-linear", init_lora_weights=False, task_type="CAUSAL_LM")
    get_peft_model(base, config).save_pretrained(str(out))
    return str(out)


def _logits(lease, ids=(256, 259, 70, 71)):
    with torch.inference_mode(), lease.activated():
        return lease.model(input_ids=torch.tensor([list(ids)])).logits[0, -1]


def test_adapters_share_one_base_and_the_lru_evicts_the_least_recent(tiny_model, tmp_path):
    a, b, c = (_adapter(tiny_model, tmp_path / n, seed) for n, seed in (("a", 1), ("b", 2), ("c", 3)))
    cache = ModelCache(capacity=3, device=CPU)
    lora = lambda path: {"kind": "lora", "path": path, "base_path": tiny_model}  # noqa: E731
    results = {}
    for name, spec in (("a", lora(a)), ("b", lora(b)), ("base", {"kind": "base", "path": tiny_model}), ("a2", lora(a))):
        lease = cache.lease(spec)
        results[name] = _logits(lease)
        lease.release()
    assert cache.loads == 3, "base once, each adapter once: switching reloads nothing"
    assert torch.equal(results["a"], results["a2"])
    assert not torch.allclose(results["a"], results["b"]) and not torch.allclose(results["a"], results["base"])

    held = cache.lease(lora(c))  # over capacity: b is the least recently used
    assert list(cache.entries) == [a, c, tiny_model] and cache.loads == 4
    cache.unload(c)  # in use: it stays until released
    assert c in cache.entries
    held.release()
    assert c not in cache.entries
    cache.unload(a)  # the last adapter: the base is plain again and answers as before
    base = cache.lease({"kind": "base", "path": tiny_model})
    assert cache.entries[tiny_model].peft is None and torch.allclose(_logits(base), results["base"])


def test_a_generate_request_streams_deltas_then_one_result(tiny_model):
    events = []
    worker = Worker(ModelCache(2, CPU), max_active=2, emit=lambda event, **f: events.append({"event": event, **f}))
    model = {"kind": "base", "path": tiny_model}
    common = {"op": "generate", "model": model, "messages": [{"role": "user", "content": "hi"}], "temperature": 0, "top_p": 1, "stop": []}
    worker.handle({**common, "id": "r1", "max_tokens": 5, "seed": 1, "n": 2})
    worker.handle({**common, "id": "r2", "max_tokens": 3, "seed": None, "n": 1})
    worker.handle({**common, "id": "r3", "max_tokens": 3, "seed": None, "n": 1})
    worker.handle({"op": "cancel", "id": "r3"})
    while worker.busy:
        worker.tick()
    done = {e["id"]: e for e in events if e["event"] == "done"}
    assert set(done) == {"r1", "r2"}
    assert done["r1"]["completion_tokens"] == 10 and [c["finish_reason"] for c in done["r1"]["choices"]] == ["length", "length"]
    assert done["r1"]["prompt_tokens"] == 1 + 1 + 2 + 1 + 1  # bos <|user|> h i <|end|> <|assistant|>
    for rid, result in done.items():
        for choice in result["choices"]:
            streamed = "".join(e["text"] for e in events if e["event"] == "delta" and e["id"] == rid and e["index"] == choice["index"])
            assert streamed == choice["text"]
    # r2 was admitted alongside r1 and finished first: generations interleave.
    assert [e["id"] for e in events if e["event"] == "done"] == ["r2", "r1"]


def test_a_prompt_longer_than_the_context_is_a_client_error(tiny_model):
    events = []
    worker = Worker(ModelCache(1, CPU), max_active=1, emit=lambda event, **f: events.append({"event": event, **f}))
    worker.handle({"op": "generate", "id": "x", "model": {"kind": "base", "path": tiny_model}, "messages": [{"role": "user", "content": "a" * 5000}],
                   "max_tokens": 1, "temperature": 0, "top_p": 1, "stop": [], "seed": None, "n": 1})
    worker.tick()
    assert events == [{"event": "error", "id": "x", "code": "context_length_exceeded", "message": events[0]["message"]}]
    assert cache_is_idle(worker)


def cache_is_idle(worker):
    return all(e.users == 0 for e in worker.cache.entries.values())
