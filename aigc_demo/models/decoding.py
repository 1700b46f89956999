"""Compact incremental decoders over the text models' own weights, for fast batch-1 sampling.

transformers' `generate()` pays, per new token, for its general machinery (cache objects,
mask building, attention-interface dispatch, stopping criteria); for a 5 M-parameter model
on a CPU that costs more than the arithmetic. A decoder here holds the same weights and does
only the arithmetic, nanoGPT-style: one preallocated (static) key/value cache per layer and
`scaled_dot_product_attention`.

    decoder = decoder_for(model)              # None for an architecture it does not know
    state, logits = decoder.start(ids)        # (B, T) prompt -> (B, vocab) logits of the next token
    logits = decoder.step(state, next_ids)    # (B, 1) -> (B, vocab), one position further

The decoder holds only weights; each request's cache lives in its own `state`, so one
decoder serves concurrent requests.

The maths is the model's own (GPT-2: pre-LN blocks, tanh-approximated GELU, tied head; the
LSTM: its own cells), so logits agree with the model's forward to float rounding
(tests/models/test_decoding.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class GPT2Decoder:
    """transformers' GPT2LMHeadModel, inference only, with a static KV cache."""

    def __init__(self, model):
        c = model.config
        if c.activation_function not in ("gelu_new", "gelu_pytorch_tanh") or c.scale_attn_by_inverse_layer_idx \
                or c.reorder_and_upcast_attn or not c.scale_attn_weights:
            raise ValueError("a GPT-2 variant this decoder does not reproduce")
        t = model.transformer
        self.n_head, self.d = c.n_head, c.n_embd
        self.head_dim = self.d // self.n_head
        self.context = c.n_positions
        self.eps = c.layer_norm_epsilon
        self.wte, self.wpe, self.lm_head = t.wte.weight, t.wpe.weight, model.lm_head.weight
        self.ln_f = (t.ln_f.weight, t.ln_f.bias)
        # Conv1D keeps its weight as (in, out): x @ W + b is torch.addmm(b, x, W)
        self.layers = [dict(ln1=(b.ln_1.weight, b.ln_1.bias), qkv=(b.attn.c_attn.bias, b.attn.c_attn.weight),
                            proj=(b.attn.c_proj.bias, b.attn.c_proj.weight), ln2=(b.ln_2.weight, b.ln_2.bias),
                            fc=(b.mlp.c_fc.bias, b.mlp.c_fc.weight), out=(b.mlp.c_proj.bias, b.mlp.c_proj.weight))
                       for b in t.h]

    @torch.inference_mode()
    def start(self, ids: torch.Tensor) -> torch.Tensor:
        b = ids.shape[0]
        # one static cache per layer, keys and values side by side: (2, B, heads, context, head_dim)
        shape = (2, b, self.n_head, self.context, self.head_dim)
        state = {"cache": [torch.zeros(shape, dtype=self.wte.dtype, device=self.wte.device) for _ in self.layers],
                 "length": 0}
        return state, self.step(state, ids)

    @torch.inference_mode()
    def step(self, state: dict, ids: torch.Tensor) -> torch.Tensor:
        b, t = ids.shape
        p = state["length"]
        if p + t > self.context:
            raise ValueError(f"the context holds {self.context} tokens")
        x = F.embedding(ids, self.wte) + self.wpe[p:p + t]  # (B, T, C)
        for cache, layer in zip(state["cache"], self.layers):
            h = F.layer_norm(x, (self.d,), *layer["ln1"], self.eps).view(b * t, self.d)
            qkv = torch.addmm(layer["qkv"][0], h, layer["qkv"][1])
            qkv = qkv.view(b, t, 3, self.n_head, self.head_dim).permute(2, 0, 3, 1, 4)  # 3 x (B, nh, T, hd)
            cache[:, :, :, p:p + t] = qkv[1:]
            keys, values = cache[:, :, :, :p + t]
            # the new positions attend to the cache and to each other, causally
            y = F.scaled_dot_product_attention(qkv[0], keys, values,
                                               attn_mask=None if t == 1 else _causal(t, p, x.device))
            y = y.transpose(1, 2).reshape(b * t, self.d)
            x = torch.addmm(layer["proj"][0], y, layer["proj"][1]).view(b, t, self.d).add_(x)
            h = F.layer_norm(x, (self.d,), *layer["ln2"], self.eps).view(b * t, self.d)
            h = F.gelu(torch.addmm(layer["fc"][0], h, layer["fc"][1]), approximate="tanh")
            x = torch.addmm(layer["out"][0], h, layer["out"][1]).view(b, t, self.d).add_(x)
        state["length"] = p + t
        return F.linear(F.layer_norm(x[:, -1], (self.d,), *self.ln_f, self.eps), self.lm_head)  # (B, vocab)


def _causal(t: int, past: int, device) -> torch.Tensor:
    """(T, past + T) True where position past+i may attend: the cache and itself, not later."""
    return torch.ones(t, past + t, dtype=torch.bool, device=device).tril(diagonal=past)


class LSTMDecoder:
    """The project's LSTM language model (models/lstm_lm.py): its (h, c) state is the cache.

    A prompt goes through the model's own nn.LSTM (all its positions in one call); each new
    token then through the same cells written out, one matrix product a layer over the input
    and the state side by side: over 128 tokens the loop decoded 2.2-5.0 times as fast as generate() over
    nn.LSTM in three runs (python -m aigc_demo.bench; scripts/profile_sampling.py --lstm times one step
    of each alone, which is noisy here)."""

    def __init__(self, model):
        self.model = model
        self.context = int(model.config.n_positions)
        lstm = model.lstm
        # gates = [x, h] @ [W_ih, W_hh]^T + (b_ih + b_hh), in nn.LSTM's order: input, forget, cell, output
        self.cells = [(torch.cat([getattr(lstm, f"weight_ih_l{i}"), getattr(lstm, f"weight_hh_l{i}")], 1).t(),
                       getattr(lstm, f"bias_ih_l{i}") + getattr(lstm, f"bias_hh_l{i}"))
                      for i in range(lstm.num_layers)]

    @torch.inference_mode()
    def start(self, ids: torch.Tensor) -> tuple[dict, torch.Tensor]:
        m = self.model
        out, state = m.lstm(m.embed(ids))
        return {"hc": state}, m.lm_head(m.proj(out[:, -1]))

    @torch.inference_mode()
    def step(self, state: dict, ids: torch.Tensor) -> torch.Tensor:
        m = self.model
        if ids.shape[1] != 1:
            out, state["hc"] = m.lstm(m.embed(ids), state["hc"])
            return m.lm_head(m.proj(out[:, -1]))
        x, (h, c) = m.embed(ids[:, 0]), state["hc"]
        hs, cs = [], []
        for layer, (weight, bias) in enumerate(self.cells):
            gates = torch.addmm(bias, torch.cat([x, h[layer]], 1), weight)
            i, f, g, o = gates.chunk(4, 1)
            cs.append(torch.sigmoid(f) * c[layer] + torch.sigmoid(i) * torch.tanh(g))
            hs.append(torch.sigmoid(o) * torch.tanh(cs[-1]))
            x = hs[-1]
        state["hc"] = (torch.stack(hs), torch.stack(cs))
        return m.lm_head(m.proj(x))


def decoder_for(model):
    """The compact decoder of a model's architecture, or None (then use generate())."""
    kind = getattr(model.config, "model_type", None)
    try:
        if kind == "gpt2":
            return GPT2Decoder(model)
        if kind == "aigc_lstm":
            return LSTMDecoder(model)
    except ValueError:
        return None
    return None
