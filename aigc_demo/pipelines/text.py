"""Text pipeline: a causal language model and its tokenizer behind one calling convention.

    pipe = TextPipeline.from_pretrained("checkpoints/text/gpt")   # or a hub id, e.g. "distilbert/distilgpt2"
    out = pipe("A friend is", seed=1, max_new_tokens=40, temperature=0.8, top_p=0.95)
    out.text       # prompt + continuation
    out.meta       # model, checkpoint hash, seed, settings, new tokens, tokens/s, notices
    for part in pipe.stream("A friend is", seed=1):   # the same, token by token
        print(part.completion)

The project's GPT (transformers' GPT2LMHeadModel) and LSTM (models/lstm_lm.py) load through
the same `AutoModelForCausalLM.from_pretrained` as any hub model; remote code is never run.

Seeds: transformers' `generate()` samples from torch's global RNG (it takes no generator),
which any other thread may draw from or reseed at any moment (loading a model initialises
weights from it; the KID metric reseeds it). Serialising generate() calls behind a lock
would not stop those. So sampling never touches the global RNG here: generate() runs in
greedy mode, and the last logits processor, `SeededSampling`, applies temperature, top-k and
top-p (transformers' own warpers and rules; with top-k, over the k survivors only), draws the
next token from the request's own torch.Generator, and leaves only that token standing for
the greedy pick. The same seed
and settings give the same text whatever else the server is doing, with no lock.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import LogitsProcessorList

from .. import checkpoint as ckpt
from ..controls import InputError, check_inputs, defaults, resolve_seed
from ..families.text import DECODING, check_prompt
from .base import Meta, Timer

# The decoding controls (ranges, labels) are declared once, in families/text.py.
DEFAULTS = defaults(DECODING)
# The protocol of the text metrics (Texygen): plain ancestral sampling, nothing truncated.
PURE_SAMPLING = dict(temperature=1.0, top_k=0, top_p=1.0, num_beams=1, repetition_penalty=1.0)


@dataclass
class TextOutput:
    prompt: str
    completion: str  # the generated continuation only
    meta: dict
    finished: bool = True  # False for the partial outputs of a stream
    notices: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.prompt + self.completion


class SeededSampling:
    """Logits processor that samples the next token with a private torch.Generator (see the
    module docstring) and masks every other token, so generate()'s greedy step picks it.

    With top-k on, only the k highest scores can be drawn, so the draw works on those k alone
    (transformers' top-p rule applied to them, then a multinomial over k probabilities)
    instead of warping, normalising and drawing over the whole vocabulary: the same
    distribution for a fraction of the time (scripts/profile_sampling.py). It is not the
    same random stream as a draw over the vocabulary, so seeded texts with top-k differ from
    those of versions before this one; with top-k off (the metrics' protocol) nothing
    changed. Exact ties at the k-th score keep k tokens here, all of them in transformers'
    TopKLogitsWarper."""

    def __init__(self, seed: int, temperature: float, top_k: int, top_p: float, device="cpu"):
        from transformers import TemperatureLogitsWarper, TopPLogitsWarper

        self.temperature = TemperatureLogitsWarper(temperature)
        self.top_k, self.top_p = top_k, top_p
        self.top_p_warper = TopPLogitsWarper(top_p) if top_p < 1.0 else None
        self.generator = torch.Generator(device=device).manual_seed(seed)

    def distribution(self, input_ids: torch.LongTensor, scores: torch.FloatTensor):
        """(probabilities, ids): the tokens that can be drawn from (B, vocab) scores and their
        probabilities, (B, k) each with top-k on; with it off, (B, vocab) and None."""
        scores = self.temperature(input_ids, scores).float()
        if not self.top_k:
            if self.top_p_warper is not None:
                scores = self.top_p_warper(input_ids, scores)
            return torch.softmax(scores, dim=-1), None
        values, ids = torch.topk(scores, min(self.top_k, scores.shape[-1]))  # sorted, highest first
        if self.top_p < 1.0:
            # TopPLogitsWarper's rule on the survivors in its ascending order: drop those whose
            # cumulative probability stays within 1 - top_p, always keeping the most likely
            cumulative = values.flip(-1).softmax(dim=-1).cumsum(dim=-1)
            drop = cumulative <= 1 - self.top_p
            drop[..., -1] = False
            values = values.masked_fill(drop.flip(-1), float("-inf"))
        return torch.softmax(values, dim=-1), ids

    def choose(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.LongTensor:
        """(B, 1) ids of the tokens drawn from (B, vocab) scores."""
        probs, ids = self.distribution(input_ids, scores)
        pick = torch.multinomial(probs, 1, generator=self.generator)
        return pick if ids is None else ids.gather(1, pick)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        chosen = self.choose(input_ids, scores)
        out = torch.full_like(scores, float("-inf"))
        return out.scatter_(1, chosen, 0.0)


class _StopOnEvent:
    """A stopping criterion that ends generation when the consumer of a stream goes away
    (Stop button, closed tab): without it the generate thread would run to max_new_tokens."""

    def __init__(self, event: threading.Event):
        self.event = event

    def __call__(self, input_ids, scores, **kwargs) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


class TextPipeline:
    def __init__(self, model, tokenizer, *, name: str, family: str, checkpoint_sha256: str, device: str = "cpu",
                 compact: bool = False):
        self.model = model.to(device).eval()
        self.tokenizer = tokenizer
        self.name = name
        self.family = family
        self.checkpoint_sha256 = checkpoint_sha256
        self.device = device
        # Our own checkpoints (compact=True) decode batch-1 requests with a compact KV-cache
        # loop over the same weights (models/decoding.py), which gives the tokens generate()
        # gives, faster. Hub models, whose generation configs may ask for more processors,
        # use generate().
        self.decoder = None
        if compact:
            from ..models.decoding import decoder_for

            self.decoder = decoder_for(self.model)

    # --- loading -------------------------------------------------------------------------

    @classmethod
    def from_pretrained(cls, path_or_id: str | Path, *, device: str = "cpu", name: str | None = None,
                        local_files_only: bool = False) -> "TextPipeline":
        """A project checkpoint folder or a hub model id, through the same transformers calls.
        Weights are read as safetensors only, in float32 (fast on CPU), never with remote code."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from ..models import lstm_lm  # noqa: F401 - registers the LSTM with the Auto classes

        tokenizer = AutoTokenizer.from_pretrained(str(path_or_id), local_files_only=local_files_only)
        model = AutoModelForCausalLM.from_pretrained(str(path_or_id), dtype=torch.float32, use_safetensors=True,
                                                     local_files_only=local_files_only)
        folder = Path(path_or_id)
        if folder.is_dir():
            sha = ckpt.weights_sha256(folder)
            family = getattr(model.config, "family", model.config.model_type)
        else:  # a hub model: name its exact revision instead of hashing the download
            sha = getattr(model.config, "_commit_hash", None) or "hub"
            family = model.config.model_type
        return cls(model, tokenizer, name=name or (folder.name if folder.is_dir() else str(path_or_id)),
                   family=family, checkpoint_sha256=sha, device=device, compact=folder.is_dir())

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "TextPipeline":
        return cls.from_pretrained(folder, device=device, local_files_only=True)

    # --- properties ----------------------------------------------------------------------

    @property
    def context(self) -> int:
        """How many tokens the model reads at once (prompt plus output)."""
        cfg = self.model.config
        return int(getattr(cfg, "n_positions", None) or getattr(cfg, "max_position_embeddings", None) or 1024)

    @property
    def eos_id(self) -> int:
        return self.tokenizer.eos_token_id

    # --- generation ----------------------------------------------------------------------

    controls = DECODING

    def check_inputs(self, prompt, seed, settings: dict) -> tuple[str, int, dict]:
        """Everything a request carries, checked: (prompt, seed, decoding settings)."""
        prompt = check_prompt(prompt)
        settings = check_inputs(self.name, self.controls, settings)
        if settings["top_p"] == 0:
            raise InputError("top_p must be above 0 (1 keeps every token).")
        return prompt, resolve_seed(seed), settings

    def _prepare(self, prompt: str, settings: dict, seed: int) -> tuple[torch.Tensor, dict, list[str]]:
        """Token ids of the prompt (after the start-of-record token, as in training), the
        generate() arguments, and notices about anything adjusted."""
        notices = []
        prompt_ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        keep = self.context // 2
        if len(prompt_ids) + 1 > keep:
            notices.append(f"The prompt is {len(prompt_ids)} tokens, more than this model reads with room to "
                           f"answer ({self.context} tokens in all): only its last {keep - 1} tokens were used.")
            prompt_ids = prompt_ids[-(keep - 1):]
        ids = [self.eos_id, *prompt_ids] if self.eos_id is not None else prompt_ids
        max_new = settings["max_new_tokens"]
        room = self.context - len(ids)
        if max_new > room:
            notices.append(f"At most {room} new tokens fit in this model's context of {self.context} tokens "
                           f"(asked for {max_new}).")
            max_new = room
        kwargs = dict(max_new_tokens=max_new, eos_token_id=self.eos_id,
                      pad_token_id=self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.eos_id,
                      repetition_penalty=settings["repetition_penalty"])
        if settings["num_beams"] > 1:
            kwargs.update(num_beams=settings["num_beams"], do_sample=False, early_stopping=True)
            if settings["temperature"] > 0:
                notices.append("Beam search is deterministic: temperature, top-k and top-p are not used.")
        elif settings["temperature"] == 0:
            kwargs.update(do_sample=False)
        else:
            sampler = SeededSampling(seed, settings["temperature"], settings["top_k"], settings["top_p"], self.device)
            kwargs.update(do_sample=False, logits_processor=LogitsProcessorList([sampler]))
        return torch.tensor([ids], device=self.device), kwargs, notices

    def _meta(self, seed: int, settings: dict, new_tokens: int, seconds: float, first_token_s: float | None,
              stop_reason: str, notices: list[str]) -> dict:
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=seed,
                    params=dict(settings), device=self.device, seconds=seconds).to_dict()
        meta.update(new_tokens=new_tokens, tokens_per_s=round(new_tokens / seconds, 1) if seconds > 0 else None,
                    first_token_s=round(first_token_s, 4) if first_token_s is not None else None,
                    stop_reason=stop_reason, notices=notices, context=self.context,
                    decoder="compact KV cache" if self._fast(settings) else "transformers generate()")
        return meta

    def _stop_reason(self, new_ids: list[int], max_new: int, stopped: bool = False) -> str:
        if new_ids and new_ids[-1] == self.eos_id:
            return "end of record"
        if stopped:
            return "stopped"
        return "max_new_tokens" if len(new_ids) >= max_new else "end of record"

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def _fast(self, kwargs: dict) -> bool:
        """Whether the compact decoder serves this request (batch 1, no beam search); takes
        generate()'s arguments or the request's settings, which both name num_beams."""
        return self.decoder is not None and kwargs.get("num_beams", 1) == 1

    @torch.inference_mode()
    def _decode_tokens(self, input_ids: torch.Tensor, kwargs: dict):
        """The new token ids one by one, exactly as generate(input_ids, **kwargs) would pick
        them (batch 1, greedy over the processed scores): the repetition penalty first, then
        the request's own processors (SeededSampling), in generate()'s order, on float32
        scores; stops after the end-of-record token or max_new_tokens."""
        from transformers import RepetitionPenaltyLogitsProcessor

        processors = []
        if kwargs.get("repetition_penalty", 1.0) != 1.0:
            processors.append(RepetitionPenaltyLogitsProcessor(kwargs["repetition_penalty"]))
        processors += list(kwargs.get("logits_processor") or [])
        # the seeded sampler last, as in generate(); here it hands over its token directly
        sampler = processors.pop() if processors and isinstance(processors[-1], SeededSampling) else None
        max_new, eos = kwargs["max_new_tokens"], kwargs.get("eos_token_id")
        prompt_len = input_ids.shape[1]
        ids = torch.empty(1, prompt_len + max_new, dtype=torch.long, device=input_ids.device)
        ids[:, :prompt_len] = input_ids
        state, logits = self.decoder.start(input_ids)
        for i in range(max_new):
            scores = logits.float()
            for processor in processors:
                scores = processor(ids[:, :prompt_len + i], scores)
            token = sampler.choose(ids[:, :prompt_len + i], scores)[:, 0] if sampler else scores.argmax(-1)
            ids[0, prompt_len + i] = token[0]
            token_id = int(token[0])
            yield token_id
            if token_id == eos or i + 1 == max_new:
                return
            logits = self.decoder.step(state, token[:, None])

    @torch.no_grad()
    def __call__(self, prompt: str, *, seed: int | None = None, **settings) -> TextOutput:
        prompt, seed, settings = self.check_inputs(prompt, seed, settings)
        input_ids, kwargs, notices = self._prepare(prompt, settings, seed)
        with Timer() as t:
            if self._fast(kwargs):
                new_ids = list(self._decode_tokens(input_ids, kwargs))
            else:
                out = self.model.generate(input_ids, attention_mask=torch.ones_like(input_ids), **kwargs)
                new_ids = out[0, input_ids.shape[1]:].tolist()
        new_ids = _cut_at(new_ids, self.eos_id)
        meta = self._meta(seed, settings, len(new_ids), t.seconds, None,
                          self._stop_reason(new_ids, kwargs["max_new_tokens"]), notices)
        return TextOutput(prompt, self._decode(new_ids), meta, notices=notices)

    def stream(self, prompt: str, *, seed: int | None = None, **settings):
        """Yield TextOutputs as tokens arrive (finished=False), then the final one. Closing
        the generator (a Stop button) stops the generation thread after its current token.
        Beam search keeps every beam open to the end, so it yields once, when done."""
        from transformers import StoppingCriteriaList, TextIteratorStreamer

        prompt, seed, settings = self.check_inputs(prompt, seed, settings)
        input_ids, kwargs, notices = self._prepare(prompt, settings, seed)
        if kwargs.get("num_beams", 1) > 1:
            yield self(prompt, seed=seed, **settings)
            return
        if self._fast(kwargs):
            yield from self._stream_fast(prompt, seed, settings, input_ids, kwargs, notices)
            return
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=60)
        stop = threading.Event()
        token_ids: list[int] = []
        error: list[BaseException] = []

        def work():
            try:
                with torch.no_grad():
                    self.model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                                        streamer=_Tee(streamer, _TokenCollector(token_ids)),
                                        stopping_criteria=StoppingCriteriaList([_StopOnEvent(stop)]), **kwargs)
            except BaseException as e:  # surfaces in the consumer below
                error.append(e)
                streamer.end()

        start = time.perf_counter()
        first_token_s = None
        thread = threading.Thread(target=work, daemon=True, name="text-stream")
        thread.start()
        completion = ""
        try:
            for piece in streamer:
                if first_token_s is None:
                    first_token_s = time.perf_counter() - start
                completion += piece
                new_ids = token_ids[input_ids.shape[1]:]
                meta = self._meta(seed, settings, len(new_ids), time.perf_counter() - start, first_token_s,
                                  "streaming", notices)
                yield TextOutput(prompt, completion, meta, finished=False, notices=notices)
            thread.join()
            if error:
                raise error[0]
            new_ids = _cut_at(token_ids[input_ids.shape[1]:], self.eos_id)
            meta = self._meta(seed, settings, len(new_ids), time.perf_counter() - start, first_token_s,
                              self._stop_reason(new_ids, kwargs["max_new_tokens"], stop.is_set()), notices)
            yield TextOutput(prompt, self._decode(new_ids), meta, notices=notices)
        finally:
            stop.set()  # the consumer left (or we are done): let the thread finish at once

    def _stream_fast(self, prompt, seed, settings, input_ids, kwargs, notices):
        """stream() through the compact decoder, in this thread: a token is shown once the
        text decoded so far ends in a whole character (byte-level BPE may split one), and
        closing the generator stops decoding at once."""
        start = time.perf_counter()
        first_token_s, new_ids, shown = None, [], ""
        for token in self._decode_tokens(input_ids, kwargs):
            new_ids.append(token)
            if first_token_s is None:
                first_token_s = time.perf_counter() - start
            text = self._decode(new_ids)
            if text != shown and not text.endswith("\ufffd"):
                shown = text
                meta = self._meta(seed, settings, len(new_ids), time.perf_counter() - start, first_token_s,
                                  "streaming", notices)
                yield TextOutput(prompt, shown, meta, finished=False, notices=notices)
        new_ids = _cut_at(new_ids, self.eos_id)
        meta = self._meta(seed, settings, len(new_ids), time.perf_counter() - start, first_token_s,
                          self._stop_reason(new_ids, kwargs["max_new_tokens"]), notices)
        yield TextOutput(prompt, self._decode(new_ids), meta, notices=notices)

    # --- batches for the metrics ---------------------------------------------------------

    @torch.no_grad()
    def sample(self, n: int, *, seed: int, max_new_tokens: int = 200, batch_size: int = 50, start: int = 0,
               **settings) -> list[str]:
        """n texts generated from the start-of-record token alone, with the metrics'
        sampling protocol by default; deterministic for a given seed. `start` continues a
        seed's stream: sample(100, start=100) are the texts 100-199 of sample(200) (for a
        start that is a multiple of batch_size)."""
        settings = {**DEFAULTS, **PURE_SAMPLING, **settings, "max_new_tokens": max_new_tokens}
        texts = []
        for i in range(start, start + n, batch_size):
            b = min(batch_size, start + n - i)
            input_ids, kwargs, _ = self._prepare("", settings, seed * 100003 + i)
            input_ids = input_ids.expand(b, -1)
            out = self.model.generate(input_ids, attention_mask=torch.ones_like(input_ids), **kwargs)
            for row in out[:, input_ids.shape[1]:].tolist():
                texts.append(self._decode(_cut_at(row, self.eos_id)).strip())
        return texts


def _cut_at(ids: list[int], eos: int | None) -> list[int]:
    """Tokens up to and including the first end-of-record token (padding follows it)."""
    if eos is not None and eos in ids:
        return ids[: ids.index(eos) + 1]
    return ids


class _TokenCollector:
    """A streamer that keeps the raw token ids (the prompt's first), to count new tokens."""

    def __init__(self, ids: list[int]):
        self.ids = ids

    def put(self, value):
        self.ids.extend(value.flatten().tolist())

    def end(self):
        pass


class _Tee:
    """Hand every streamed token to several streamers (the text one and the id counter)."""

    def __init__(self, *streamers):
        self.streamers = streamers

    def put(self, value):
        for s in self.streamers:
            s.put(value)

    def end(self):
        for s in self.streamers:
            s.end()
