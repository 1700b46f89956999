"""An LSTM language model: the baseline the GPT is measured against.

Written as a transformers `PreTrainedModel` so that it shares everything with the GPT that
is not the network itself: `save_pretrained`/`from_pretrained` (safetensors), the tokenizer,
and `generate()` with greedy, beam search, top-k/top-p sampling, repetition penalty,
streamers and stopping criteria. Registering the config with the Auto classes (in-process,
no `trust_remote_code`) lets `AutoModelForCausalLM.from_pretrained(folder)` load either model.

The recurrent state (h, c) plays the role of the GPT's key/value cache: generation feeds
one new token per step, and beam search reorders the state along the beams.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from transformers import AutoConfig, AutoModelForCausalLM, GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutputWithPast


class LSTMLMConfig(PretrainedConfig):
    model_type = "aigc_lstm"

    def __init__(self, vocab_size: int = 8000, n_embd: int = 256, n_hidden: int = 512, n_layer: int = 2,
                 dropout: float = 0.2, n_positions: int = 256, **kwargs):
        self.vocab_size = vocab_size
        self.n_embd = n_embd
        self.n_hidden = n_hidden
        self.n_layer = n_layer
        self.dropout = dropout
        # Not a limit of the network, but the context it was trained on; the pipeline uses it
        # the same way for both models (prompt truncation, perplexity windows).
        self.n_positions = n_positions
        kwargs.setdefault("tie_word_embeddings", True)
        super().__init__(**kwargs)


class LSTMState:
    """The (h, c) state of every layer, as generate() expects a cache to behave."""

    def __init__(self, h: torch.Tensor, c: torch.Tensor):
        self.h, self.c = h, c

    def reorder_cache(self, beam_idx: torch.Tensor) -> None:
        self.h = self.h.index_select(1, beam_idx.to(self.h.device))
        self.c = self.c.index_select(1, beam_idx.to(self.c.device))


class LSTMLM(PreTrainedModel, GenerationMixin):
    config_class = LSTMLMConfig
    base_model_prefix = "lstm_lm"
    _tied_weights_keys = {"lm_head.weight": "embed.weight"}  # saved once, tied again on load

    def __init__(self, config: LSTMLMConfig):
        super().__init__(config)
        self.embed = nn.Embedding(config.vocab_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(config.n_embd, config.n_hidden, config.n_layer, batch_first=True,
                            dropout=config.dropout if config.n_layer > 1 else 0.0)
        # Project back to the embedding width so the output layer can share the input
        # embedding matrix (Press & Wolf 2017): fewer parameters, better perplexity.
        self.proj = nn.Linear(config.n_hidden, config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.post_init()  # ties lm_head to the embedding (config.tie_word_embeddings)

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def get_input_embeddings(self):
        return self.embed

    def get_output_embeddings(self):
        return self.lm_head

    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        return False  # our cache is the LSTM state, not attention keys and values

    def prepare_inputs_for_generation(self, input_ids, past_key_values=None, **kwargs):
        if past_key_values is not None:
            input_ids = input_ids[:, -1:]  # the state already holds everything before
        return {"input_ids": input_ids, "past_key_values": past_key_values}

    def forward(self, input_ids: torch.Tensor, past_key_values: LSTMState | None = None,
                labels: torch.Tensor | None = None, attention_mask=None, **kwargs) -> CausalLMOutputWithPast:
        state = (past_key_values.h, past_key_values.c) if past_key_values is not None else None
        out, (h, c) = self.lstm(self.drop(self.embed(input_ids)), state)
        logits = self.lm_head(self.proj(self.drop(out)))
        loss = None
        if labels is not None:
            # same convention as GPT2LMHeadModel: labels are the inputs, shifted here; -100 ignored
            loss = F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), labels[:, 1:].flatten(), ignore_index=-100)
        return CausalLMOutputWithPast(loss=loss, logits=logits, past_key_values=LSTMState(h, c))


AutoConfig.register(LSTMLMConfig.model_type, LSTMLMConfig, exist_ok=True)
AutoModelForCausalLM.register(LSTMLMConfig, LSTMLM, exist_ok=True)
