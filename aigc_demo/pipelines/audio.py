"""Audio pipelines: spoken digits from a spectrogram generator (the GAN, or the diffusion
model over log-mels), made audible by a vocoder.

    gan = SpecGANPipeline.from_checkpoint("checkpoints/audio/specgan")
    out = gan("2026", seed=42)                                   # Griffin-Lim
    wavenet = WaveNetVocoder.from_checkpoint("checkpoints/audio/wavenet")
    out = gan("2026", seed=42, vocoder=wavenet, variety=0.5)     # a neural vocoder
    out.audio, out.sample_rate  # float32 numpy in [-1, 1], 16 kHz
    out.meta                    # model, vocoder, seed, parameters, seconds, real-time factor

A request draws the GAN's latent and the vocoder's noise from its own torch.Generator
seeded with the request's seed, so the same inputs give the same samples.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..audio import HOP, N_FRAMES, N_MELS, GriffinLimVocoder, LogMel, mu_law_decode
from ..data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE
from ..controls import InputError, check_inputs, resolve_seed
from ..families.audio import (GRIFFIN_LIM, ISTFT_WAVENET, MEL_DIFFUSION, SPECGAN, WAVENET, check_digits,
                              check_tts_text)
from .base import Meta, Timer, read_checkpoint

PAUSE_S = 0.15  # silence between spoken digits
EDGE_S = 0.05  # silence before the first and after the last


@dataclass
class AudioOutput:
    audio: np.ndarray  # float32 (samples,) in [-1, 1]
    sample_rate: int
    spectrogram: np.ndarray  # the output's normalised log-mel, (64 bands, frames), low bands first (for the plot)
    digits: str
    meta: dict


class GriffinLim:
    """The classic vocoder: no network, phase by Griffin-Lim iterations (deterministic). It
    inverts log-mels of any band count (n_mels None), so it voices every generator."""

    name = GRIFFIN_LIM
    checkpoint_sha256 = None
    n_mels = None

    def __init__(self):
        self._by_bands: dict[int, GriffinLimVocoder] = {}

    def vocode(self, mels: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        bands = mels.shape[1]
        if bands not in self._by_bands:
            self._by_bands[bands] = GriffinLimVocoder(n_mels=bands)
        return self._by_bands[bands](mels.cpu())


class NeuralVocoder:
    """A trained vocoder behind the `vocode` call: loads its checkpoint folder; subclasses
    say which family they read and how the network is built from its config."""

    family: str

    def __init__(self, model, *, name: str, checkpoint_sha256: str, device: str = "cpu"):
        self.model = model.to(device).eval()
        self.name, self.checkpoint_sha256, self.device = name, checkpoint_sha256, device

    @property
    def n_mels(self) -> int:
        """The band count of the log-mels it was trained on, and so reads."""
        return self.model.config.n_mels

    def check_mels(self, mels: torch.Tensor) -> None:
        if mels.shape[1] != self.n_mels:
            raise InputError(f"The vocoder {self.name} reads {self.n_mels}-band log-mels, not {mels.shape[1]}-band ones: "
                             f"pick a vocoder trained on {mels.shape[1]} bands, or griffin-lim.")

    @classmethod
    def build(cls, config: dict):
        raise NotImplementedError

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "NeuralVocoder":
        folder, config, weights, sha = read_checkpoint(folder, cls.family)
        model = cls.build(config["model"])
        model.load_state_dict(weights)
        return cls(model, name=folder.name, checkpoint_sha256=sha, device=device)


class WaveNetVocoder(NeuralVocoder):
    """The autoregressive WaveNet vocoder (models/wavenet.py)."""

    family = WAVENET.name

    @classmethod
    def build(cls, config: dict):
        from ..models.wavenet import WaveNet, WaveNetConfig

        return WaveNet(WaveNetConfig(**config))

    @torch.no_grad()
    def vocode(self, mels: torch.Tensor, generator: torch.Generator | None = None, margin: int = 3) -> torch.Tensor:
        """Normalised log-mels (B, n_mels, 64) -> waveforms (B, 16000). Sampling is sequential, so
        only the frames that hold sound (in any clip of the batch, plus `margin` frames each
        side) are generated; the silent rest of each second stays silent."""
        self.check_mels(mels)
        context = self.model.CONTEXT
        loud = active_frames(mels)
        any_loud = loud.any(dim=0).nonzero().flatten()
        first, last = (int(any_loud[0]), int(any_loud[-1])) if len(any_loud) else (0, 0)
        first, last = max(first - margin, 0), min(last + margin, N_FRAMES - 1)
        padded = torch.nn.functional.pad(mels, (context, context), value=-1.0)
        window = padded[:, :, first:last + 1 + 2 * context].to(self.device)
        levels = self.model.generate(window, generator)
        wave = torch.zeros(len(mels), CLIP_SAMPLES)
        wave[:, first * HOP:first * HOP + levels.shape[1]] = mu_law_decode(levels, self.model.config.classes)
        return wave


class ISTFTWaveNetVocoder(NeuralVocoder):
    """The non-autoregressive WaveNet vocoder (models/istft_wavenet.py): one pass, no noise,
    so `generator` is not used and the same mel always gives the same waveform."""

    family = ISTFT_WAVENET.name

    @classmethod
    def build(cls, config: dict):
        from ..models.istft_wavenet import ISTFTWaveNet, ISTFTWaveNetConfig

        return ISTFTWaveNet(ISTFTWaveNetConfig(**config))

    @torch.no_grad()
    def vocode(self, mels: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Normalised log-mels (B, n_mels, 64) -> waveforms (B, 16000)."""
        self.check_mels(mels)
        return self.model(mels.to(self.device).float()).float().cpu()


def active_frames(mels: torch.Tensor, threshold: float = 0.3) -> torch.Tensor:
    """(B, bands, frames) -> (B, frames) bool: frames whose mean level is within the top 70% of
    the clip's range between its quietest and loudest frame (where the digit is spoken)."""
    level = mels.mean(dim=1)
    lo, hi = level.amin(dim=1, keepdim=True), level.amax(dim=1, keepdim=True)
    return (level > lo + threshold * (hi - lo)) & (hi - lo > 0.05)


def trim(wave: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """The part of a clip that holds sound: from the first to the last 10 ms window whose RMS
    is above `threshold` of the loudest window's, with one window to spare each side."""
    win = SAMPLE_RATE // 100
    rms = np.sqrt(np.mean(wave[: len(wave) // win * win].reshape(-1, win) ** 2, axis=1))
    loud = np.flatnonzero(rms > threshold * rms.max()) if rms.max() > 0 else np.array([], dtype=int)
    if not len(loud):
        return wave[:0]
    return wave[max(loud[0] - 1, 0) * win:(loud[-1] + 2) * win]


def join_digits(clips: list[np.ndarray], pause_s: float = PAUSE_S) -> np.ndarray:
    """Trimmed clips one after another with short pauses: how a number is read out."""
    pause, edge = np.zeros(int(pause_s * SAMPLE_RATE), np.float32), np.zeros(int(EDGE_S * SAMPLE_RATE), np.float32)
    parts = [edge]
    for i, clip in enumerate(clips):
        parts += ([pause] if i else []) + [trim(clip)]
    return np.concatenate(parts + [edge]).astype(np.float32)


@torch.no_grad()
def resynthesise(vocoder, wave: np.ndarray, seed: int = 0) -> np.ndarray:
    """Copy synthesis of a 16 kHz waveform of any length: its own log-mel (of the vocoder's band
    count; Griffin-Lim's: the shipped N_MELS), one second (64 frames) at a time and the seconds
    as one batch, re-made by `vocoder` (GriffinLim or a NeuralVocoder). Each second is brought back to the original second's peak, since a
    vocoder's level is not what is compared. Returns float32 samples, as many as given."""
    wave = np.asarray(wave, dtype=np.float32)
    seconds = max(1, -(-len(wave) // CLIP_SAMPLES))
    padded = np.zeros(seconds * CLIP_SAMPLES, np.float32)
    padded[:len(wave)] = wave
    chunks = torch.from_numpy(padded).reshape(seconds, CLIP_SAMPLES)
    out = vocoder.vocode(LogMel(vocoder.n_mels or N_MELS)(chunks), torch.Generator().manual_seed(seed)).float().cpu()
    peak_in, peak_out = chunks.abs().amax(dim=1, keepdim=True), out.abs().amax(dim=1, keepdim=True)
    out = torch.where(peak_out > 0, out / peak_out.clamp_min(1e-8) * peak_in, out)
    return out.reshape(-1)[:len(wave)].numpy()


class SpokenDigitPipeline:
    """What every spoken-digit generator shares: log-mels of digits from the model
    (`mels`, the subclass's), made audible by a vocoder, checked inputs, and the request
    that speaks a number digit by digit in one voice."""

    family: str
    controls: tuple

    def __init__(self, model, *, name: str, checkpoint_sha256: str, device: str = "cpu"):
        self.model = model.to(device).eval()
        self.name, self.checkpoint_sha256, self.device = name, checkpoint_sha256, device
        self.griffin_lim = GriffinLim()
        self._to_mel = LogMel()

    @property
    def n_mels(self) -> int:
        """The band count of the log-mels it draws (rows of its pictures)."""
        return self.model.config.shape[0]

    def mels(self, labels: torch.Tensor, generator: torch.Generator, *, one_voice: bool = False,
             **params) -> torch.Tensor:
        """Normalised log-mels (B, n_mels, 64) of digits `labels` (B,); one_voice: the same voice
        for all of them, as far as the model ties the voice to its random input."""
        raise NotImplementedError

    def check_vocoder(self, vocoder):
        """The vocoder that voices a request (Griffin-Lim if none), if it reads this model's bands."""
        vocoder = vocoder or self.griffin_lim
        if vocoder.n_mels not in (None, self.n_mels):
            raise InputError(f"The vocoder {vocoder.name} reads {vocoder.n_mels}-band log-mels; {self.name} draws "
                             f"{self.n_mels}-band ones: pick a vocoder trained on {self.n_mels} bands, or griffin-lim.")
        return vocoder

    def sample(self, labels: torch.Tensor, generator: torch.Generator, vocoder=None, **params) -> torch.Tensor:
        """Clips (B, 16000) of digits `labels`, each its own voice: what the metrics score."""
        vocoder = self.check_vocoder(vocoder)
        mels = self.mels(labels, generator, **self.check_params(params))
        return vocoder.vocode(mels, generator)

    def check_params(self, params: dict) -> dict:
        """The family's own controls of a request: given ones checked, the rest at defaults."""
        return check_inputs(self.name, self.controls, params)

    def check_inputs(self, text, seed, params: dict) -> tuple[str, int, dict]:
        """Everything a request carries, checked: (the digits, seed, controls)."""
        return check_digits(text), resolve_seed(seed), self.check_params(params)

    @torch.no_grad()
    def __call__(self, digits: str, seed: int | None = None, vocoder=None, **params) -> AudioOutput:
        """Speak `digits` ("7", "2026"; spaces between them allowed) digit by digit in one
        voice, with short pauses."""
        digits, seed, params = self.check_inputs(digits, seed, params)
        vocoder = self.check_vocoder(vocoder)
        labels = torch.tensor([int(d) for d in digits])
        with Timer() as t:
            generator = torch.Generator().manual_seed(seed)
            mels = self.mels(labels, generator, one_voice=True, **params)
            waves = vocoder.vocode(mels, generator).numpy()
            audio = join_digits(list(waves))
            # a neural vocoder's level is not bounded (an inverse STFT of predicted magnitudes);
            # the output is in [-1, 1] as promised, by scaling down, never by clipping
            peak = float(np.abs(audio).max()) if len(audio) else 0.0
            if peak > 1.0:
                audio = (audio / peak).astype(np.float32)
        duration = len(audio) / SAMPLE_RATE
        spectrogram = self._to_mel.full(torch.from_numpy(audio)).numpy()
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=seed,
                    params={"digits": digits, "vocoder": vocoder.name, **params}, device=self.device,
                    seconds=t.seconds).to_dict()
        meta.update(vocoder_sha256=vocoder.checkpoint_sha256, sample_rate=SAMPLE_RATE, duration_s=round(duration, 3),
                    real_time_factor=round(t.seconds / duration, 3) if duration else None)
        return AudioOutput(audio, SAMPLE_RATE, spectrogram, digits, meta)


class SpecGANPipeline(SpokenDigitPipeline):
    """The class-conditional spectrogram GAN (models/dcgan.py at n_mels x 64) plus a vocoder."""

    family, controls = SPECGAN.name, SPECGAN.controls  # variety scales the latent: 0 is the "average" voice

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "SpecGANPipeline":
        from ..models.dcgan import DCGAN, DCGANConfig

        folder, config, weights, sha = read_checkpoint(folder, cls.family)
        gan = DCGAN(DCGANConfig(**config["model"]))
        gan.generator.load_state_dict({k.removeprefix("generator."): v for k, v in weights.items()})
        return cls(gan, name=folder.name, checkpoint_sha256=sha, device=device)

    @torch.no_grad()
    def mels(self, labels: torch.Tensor, generator: torch.Generator, *, one_voice: bool = False,
             variety: float = 1.0) -> torch.Tensor:
        z = self.model.sample_latent(1 if one_voice else len(labels), generator)
        z = z.expand(len(labels), -1) if one_voice else z
        return self.model.generator(z * variety, labels.to(self.device)).squeeze(1).float().cpu()


class MelDiffusionPipeline(SpokenDigitPipeline):
    """The class-conditional diffusion model over log-mels (models/diffusion.py at n_mels x 64)
    plus a vocoder. One voice for a number: every digit starts from the same noise x_T."""

    family, controls = MEL_DIFFUSION.name, MEL_DIFFUSION.controls

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "MelDiffusionPipeline":
        from ..models.diffusion import ConditionalDiffusion, DiffusionConfig

        folder, config, weights, sha = read_checkpoint(folder, cls.family)
        model = ConditionalDiffusion(DiffusionConfig.from_dict(config["model"]))
        model.load_state_dict(weights)
        return cls(model, name=folder.name, checkpoint_sha256=sha, device=device)

    @torch.no_grad()
    def mels(self, labels: torch.Tensor, generator: torch.Generator, *, one_voice: bool = False, steps: int = 25,
             guidance: float = 2.0, sampler: str = "ddim") -> torch.Tensor:
        noise = torch.randn(1 if one_voice else len(labels), 1, *self.model.config.shape, generator=generator)
        noise = noise.expand(len(labels), -1, -1, -1) if one_voice else noise
        out = self.model.sample(labels.to(self.device), generator, steps=steps, guidance=guidance, sampler=sampler,
                                noise=noise)
        return out.squeeze(1).float().cpu()  # in [-1, 1], as the log-mels were normalised


class HubSpeechPipeline:
    """A text-to-speech model from the Hugging Face Hub (not trained by us), for free text:
    transformers' AutoModelForTextToWaveform (VITS / MMS-TTS and the like), safetensors only,
    never remote code. Network only; see aigc_demo/hub.py for the checks made first."""

    family = "hub-tts"
    _rng_lock = threading.Lock()  # VITS draws its noise from the global RNG: one seeded call at a time

    def __init__(self, model, tokenizer, *, name: str, device: str = "cpu"):
        self.model, self.tokenizer = model.to(device).eval(), tokenizer
        self.name, self.device = name, device
        self.sample_rate = int(model.config.sampling_rate)

    @classmethod
    def from_pretrained(cls, model_id: str, *, device: str = "cpu") -> "HubSpeechPipeline":
        from transformers import AutoModelForTextToWaveform, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model_id)
        model = AutoModelForTextToWaveform.from_pretrained(model_id, dtype=torch.float32, use_safetensors=True)
        return cls(model, tokenizer, name=model_id, device=device)

    @torch.no_grad()
    def __call__(self, text: str, seed: int | None = None) -> AudioOutput:
        import torchaudio.functional as AF

        text, seed = check_tts_text(text), resolve_seed(seed)
        inputs = self.tokenizer(text.strip(), return_tensors="pt").to(self.device)
        if inputs["input_ids"].shape[-1] == 0:
            raise InputError(f"{self.name} has no tokens for this text (try its language's alphabet).")
        with Timer() as t, self._rng_lock, torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            wave = self.model(**inputs).waveform[0].float().cpu()
        audio = wave.clamp(-1, 1).numpy().astype(np.float32)
        duration = len(audio) / self.sample_rate
        spectrogram = LogMel().full(AF.resample(wave, self.sample_rate, SAMPLE_RATE)).numpy()  # for the plot
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256="hub", seed=seed,
                    params={"text": text}, device=self.device, seconds=t.seconds).to_dict()
        meta.update(sample_rate=self.sample_rate, duration_s=round(duration, 3),
                    real_time_factor=round(t.seconds / duration, 3) if duration else None,
                    note="a Hugging Face Hub model, not trained by AIGC Studio")
        return AudioOutput(audio, self.sample_rate, spectrogram, text, meta)
