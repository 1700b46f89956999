"""Text-to-image diffusion at Fashion-MNIST scale: the Stable Diffusion design (Rombach et
al. 2022) without its autoencoder, since 28x28 pixels are small enough to denoise directly.

    prompt tokens -> TextEncoder (a small transformer, trained here with the denoiser)
                  -> token states for the UNet's cross-attention + a pooled vector for its
                     time embedding (unet.py with context_dim > 0)
    noise -> DDIM steps of the UNet (schedulers.py) -> picture

Classifier-free guidance (Ho & Salimans 2022): training replaces the prompt with the empty
prompt in `p_uncond` of the steps, so the one network predicts the noise both given the
prompt and given nothing; sampling moves from the second towards the first by the guidance
weight. A negative prompt takes the empty prompt's place: the picture moves away from it.
Composable guidance (Liu et al. 2022, "Compositional Visual Generation with Composable
Diffusion Models") adds more terms, each moving from the same baseline towards another
prompt: here optionally the class named alone ("a coat"), so that a combination the model
never saw together ("a light coat") keeps its class while the full prompt asks for the rest.

Prompts are token ids of the captions' closed vocabulary (models/captioner.CaptionVocab):
the language token first, the words (English) or characters (Chinese), the end token. The
empty prompt is the end token alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..schedulers import DDPMSchedule
from .captioner import EOS, PAD, STARTS
from .unet import UNet, UNetConfig


@dataclass
class TextToImageConfig:
    vocab_size: int
    unet: UNetConfig = field(default_factory=lambda: UNetConfig(n_classes=0, context_dim=64))
    text_layers: int = 2
    text_heads: int = 4
    max_tokens: int = 32  # the longest prompt in tokens, language and end tokens included
    num_train_steps: int = 1000
    schedule: str = "cosine"
    p_uncond: float = 0.1  # how often training drops the prompt (classifier-free guidance)

    @property
    def text_dim(self) -> int:
        return self.unet.context_dim

    @classmethod
    def from_dict(cls, d: dict) -> "TextToImageConfig":
        unet = dict(d["unet"])
        unet["mults"], unet["text_levels"] = tuple(unet["mults"]), tuple(unet["text_levels"])
        return cls(**{**d, "unet": UNetConfig(**unet)})


class TextEncoder(nn.Module):
    """Token ids (B, S) -> (states (B, S, D), padding mask (B, S), pooled (B, D)): a pre-norm
    transformer encoder (bidirectional: a prompt is read whole), the pooled vector the mean
    over the real tokens."""

    def __init__(self, config: TextToImageConfig):
        super().__init__()
        d = config.text_dim
        self.tokens = nn.Embedding(config.vocab_size, d, padding_idx=PAD)
        self.positions = nn.Embedding(config.max_tokens, d)
        layer = nn.TransformerEncoderLayer(d, config.text_heads, 4 * d, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, config.text_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)

    def forward(self, ids: torch.Tensor):
        pad = ids == PAD
        positions = torch.arange(ids.shape[1], device=ids.device)
        states = self.norm(self.layers(self.tokens(ids) + self.positions(positions), src_key_padding_mask=pad))
        keep = (~pad).unsqueeze(-1).float()
        pooled = (states * keep).sum(1) / keep.sum(1).clamp(min=1)
        return states, pad, pooled


def prompt_ids(prompts: list[list[int]], max_tokens: int) -> torch.Tensor:
    """Token lists -> (B, S) padded with PAD (each list already ends with EOS)."""
    if any(len(p) > max_tokens for p in prompts):
        raise ValueError(f"a prompt is longer than {max_tokens} tokens")
    out = torch.full((len(prompts), max(map(len, prompts))), PAD, dtype=torch.long)
    for i, p in enumerate(prompts):
        out[i, :len(p)] = torch.tensor(p, dtype=torch.long)
    return out


def encode_prompt(vocab, text: str, language: str) -> list[int]:
    """A caption or prompt's token ids: the language token, the tokens, the end token."""
    return [STARTS[language], *vocab.encode(text, language)]


EMPTY_PROMPT = [EOS]  # what guidance moves away from when there is no negative prompt


class TextToImage(nn.Module):
    def __init__(self, config: TextToImageConfig):
        super().__init__()
        self.config = config
        self.text = TextEncoder(config)
        self.unet = UNet(config.unet)
        self.schedule = DDPMSchedule(config.num_train_steps, config.schedule)

    def forward(self, x0: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.loss(x0, ids)

    def loss(self, x0: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """The DDPM objective || eps - eps_theta(x_t, t, prompt) ||^2, the prompt dropped for
        p_uncond of the pictures (replaced by the empty prompt, padded to the batch's length)."""
        b = len(x0)
        drop = torch.rand(b, device=x0.device) < self.config.p_uncond
        empty = torch.full_like(ids, PAD)
        empty[:, 0] = EOS
        ids = torch.where(drop[:, None], empty, ids)
        t = torch.randint(0, self.config.num_train_steps, (b,), device=x0.device)
        noise = torch.randn_like(x0)
        x_t = self.schedule.add_noise(x0, noise, t)
        return F.mse_loss(self.unet(x_t, t, context=self.text(ids)), noise)

    @torch.no_grad()
    def sample(self, ids: torch.Tensor, generator: torch.Generator | None = None, *, steps: int = 25,
               guidance: float = 2.0, negative: torch.Tensor | None = None, classes: torch.Tensor | None = None,
               class_guidance: float = 0.0) -> torch.Tensor:
        """Pictures (B, 1, 28, 28) in [-1, 1] for prompts `ids` (B, S), by DDIM (eta = 0:
        deterministic given the starting noise). guidance w: eps = eps(x|neg) + w (eps(x|prompt)
        - eps(x|neg)), neg the negative prompts (B, S') or the empty prompt; w = 1 is plain
        conditional sampling, w = 0 draws from the negative (or no) prompt alone. With
        class_guidance w_c > 0 and `classes` (B, S'') the class-alone prompts, composable
        guidance adds w_c (eps(x|class) - eps(x|neg)) (a class prompt equal to the negative
        adds nothing: the picture's prompt named no class)."""
        device = next(self.unet.parameters()).device
        b = len(ids)
        if negative is None:
            negative = torch.full((b, 1), EOS, dtype=torch.long)
        prompts = [ids.to(device), negative.to(device)]
        if class_guidance:
            if classes is None:
                raise ValueError("class_guidance needs the class-alone prompts (classes)")
            prompts.append(classes.to(device))
        # the prompts of each picture go through the encoder once, padded to one length
        width = max(p.shape[1] for p in prompts)
        states, pad, pooled = self.text(torch.cat([F.pad(p, (0, width - p.shape[1]), value=PAD) for p in prompts]))
        k = len(prompts)

        def predict(x, t):
            if guidance == 1.0 and not class_guidance:
                return self.unet(x, t, context=(states[:b], pad[:b], pooled[:b]))
            # one batched pass for every prediction
            eps = self.unet(torch.cat([x] * k), torch.cat([t] * k), context=(states, pad, pooled)).chunk(k)
            out = eps[1] + guidance * (eps[0] - eps[1])
            return out + class_guidance * (eps[2] - eps[1]) if class_guidance else out

        x = torch.randn(b, 1, 28, 28, generator=generator).to(device)  # x_T, drawn on the CPU for portability
        return self.schedule.sample(predict, x, steps, generator=generator)

def warm_start(model: TextToImage, class_conditional: dict) -> list[str]:
    """Start the UNet from a class-conditional diffusion model's weights (diffusion.py's
    `unet.*`): every shared layer is copied, the class embedding dropped, and the pooled
    prompt's projection starts as the "no class" embedding (its weights zero), so with the
    cross-attention outputs at zero the model begins as the class-conditional one drawing
    with no class. Returns the names of the layers that start fresh."""
    unet = {k.removeprefix("unet."): v for k, v in class_conditional.items() if k.startswith("unet.")}
    null_class = unet.pop("class_emb.weight")[-1]
    missing, unexpected = model.unet.load_state_dict({k: v.float() for k, v in unet.items()}, strict=False)
    if unexpected:
        raise ValueError(f"the class-conditional weights do not fit this UNet: {unexpected[:5]}")
    with torch.no_grad():
        model.unet.context_proj.weight.zero_()
        model.unet.context_proj.bias.copy_(null_class.float())
    return missing
