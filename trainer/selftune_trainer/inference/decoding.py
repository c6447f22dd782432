"""One choice of one request, decoded a token per call so the server can interleave generations."""
import torch

from ..errors import TrainerError


def sample(logits, temperature, top_p, generator):
    """Greedy at temperature 0; otherwise temperature, then nucleus (top_p) sampling."""
    if temperature <= 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / temperature, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        # Keep the smallest prefix whose mass reaches top_p (always at least the top token).
        drop = torch.cumsum(sorted_probs, dim=-1) - sorted_probs >= top_p
        sorted_probs[drop] = 0.0
        return int(order[torch.multinomial(sorted_probs, 1, generator=generator)])
    return int(torch.multinomial(probs, 1, generator=generator))


class TextTail:
    """Turns token ids into text deltas, holding back what may still become a stop string."""

    def __init__(self, tokenizer, stop):
        self.tokenizer = tokenizer
        self.stop = [s for s in stop if s]
        self.ids = []
        self.sent = 0  # characters already handed out
        self.text = ""

    def add(self, token_id):
        """Returns (delta, stopped)."""
        self.ids.append(token_id)
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.endswith("\ufffd"):  # half of a multi-byte character: wait for the rest
            return "", False
        for s in self.stop:
            at = text.find(s)
            if at >= 0:
                self.text = text[:at]
                return self._flush(len(self.text)), True
        self.text = text
        return self._flush(len(text) - self._held_back(text)), False

    def finish(self):
        return self._flush(len(self.text))

    def _held_back(self, text):
        return max((k for s in self.stop for k in range(len(s) - 1, 0, -1) if text.endswith(s[:k])), default=0)

    def _flush(self, upto):
        delta = self.text[self.sent:upto] if upto > self.sent else ""
        self.sent = max(self.sent, upto)
        return delta


class Choice:
    """Decoding state for one choice: its KV cache, sampler and text."""

    def __init__(self, index, loaded, prompt_ids, params, seed):
        self.index = index
        self.loaded = loaded
        self.params = params
        room = loaded.context_length - len(prompt_ids)
        if room <= 0:
            raise TrainerError("context_length_exceeded",
                               f"The messages are {len(prompt_ids)} tokens; this model's context is {loaded.context_length} tokens.")
        wanted = params.get("max_tokens")
        self.max_new = room if wanted is None else min(wanted, room)
        self.generator = torch.Generator(device=loaded.device)
        self.generator.manual_seed(seed)
        self.tail = TextTail(loaded.tokenizer, params.get("stop") or [])
        self.next_input = torch.tensor([prompt_ids], device=loaded.device)
        self.past = None
        self.tokens = 0
        self.finish_reason = None if self.max_new > 0 else "length"

    @property
    def done(self):
        return self.finish_reason is not None

    @torch.inference_mode()
    def step(self):
        """Decodes one token; returns the text delta (possibly empty)."""
        with self.loaded.activated():
            out = self.loaded.model(input_ids=self.next_input, past_key_values=self.past, use_cache=True)
        self.past = out.past_key_values
        token = sample(out.logits[0, -1].float(), self.params["temperature"], self.params["top_p"], self.generator)
        self.tokens += 1
        self.next_input = torch.tensor([[token]], device=self.loaded.device)
        if token in self.loaded.stop_ids:
            self.finish_reason = "stop"
            return self.tail.finish()
        delta, stopped = self.tail.add(token)
        if stopped:
            self.finish_reason = "stop"
        elif self.tokens >= self.max_new:
            self.finish_reason = "length"
            delta += self.tail.finish()
        return delta
