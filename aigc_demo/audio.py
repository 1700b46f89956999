"""The audio representation every audio model shares: one definition of the log-mel
spectrogram (what the GAN draws, what the WaveNet is conditioned on, what the digit
classifier reads) and its inversion by Griffin-Lim, all from `torchaudio.transforms`.

One second at 16 kHz becomes a 64 x 64 image: 64 mel bands (0-8 kHz) by 64 frames of
250 samples (the 65th frame of a centred STFT is dropped). 64 bands are the shipped models'
and the metrics' representation; a model may be trained on another band count (`--mel-bands`:
the picture is then n_mels x 64), and the digit classifier reads its mels converted
(`rebanded`). Magnitudes are compressed with
log(mel + 1e-5) and mapped linearly from [LOG_MIN, LOG_MAX] to [-1, 1], the range of the
GAN's tanh output.
"""

from __future__ import annotations

import numpy as np
import torch
import torchaudio
import torchaudio.transforms as T

from .data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE

N_FFT = 1024
HOP = 250
N_MELS = 64
N_FRAMES = CLIP_SAMPLES // HOP  # 64
MEL_FLOOR = 1e-5  # added before the log: the quietest level a mel band can show
LOG_MIN, LOG_MAX = float(np.log(MEL_FLOOR)), 4.0


class LogMel(torch.nn.Module):
    """Waveforms (B, 16000) in [-1, 1] -> normalised log-mel (B, n_mels, 64) in about [-1, 1].
    n_mels: the band count (N_MELS = 64 for the shipped models and the digit classifier; a
    model trained with --mel-bands records its own)."""

    def __init__(self, n_mels: int = N_MELS):
        super().__init__()
        self.mel = T.MelSpectrogram(sample_rate=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP, n_mels=n_mels, power=1.0,
                                    f_min=0.0, f_max=SAMPLE_RATE / 2, norm="slaney", mel_scale="slaney")

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.full(wave)[..., :N_FRAMES]

    @torch.no_grad()
    def full(self, wave: torch.Tensor) -> torch.Tensor:
        """Every frame of a waveform of any length (what the Audio tab plots)."""
        return normalise(torch.log(self.mel(wave.float()) + MEL_FLOOR))


def normalise(log_mel: torch.Tensor) -> torch.Tensor:
    return (log_mel.clamp(LOG_MIN, LOG_MAX) - LOG_MIN) / (LOG_MAX - LOG_MIN) * 2 - 1


def denormalise(x: torch.Tensor) -> torch.Tensor:
    return (x.clamp(-1, 1) + 1) / 2 * (LOG_MAX - LOG_MIN) + LOG_MIN


class GriffinLimVocoder(torch.nn.Module):
    """Normalised log-mel (B, n_mels, 64) -> waveform (B, 16000): mel -> linear magnitude by
    torchaudio's InverseMelScale (least squares), then phase by Griffin-Lim iterations."""

    def __init__(self, n_iter: int = 32, n_mels: int = N_MELS):
        super().__init__()
        self.inverse_mel = T.InverseMelScale(n_stft=N_FFT // 2 + 1, n_mels=n_mels, sample_rate=SAMPLE_RATE, f_min=0.0,
                                             f_max=SAMPLE_RATE / 2, norm="slaney", mel_scale="slaney")
        self.griffin_lim = T.GriffinLim(n_fft=N_FFT, hop_length=HOP, power=1.0, n_iter=n_iter, momentum=0.99,
                                        length=CLIP_SAMPLES, rand_init=False)

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mel = torch.exp(denormalise(x)) - MEL_FLOOR
        # the centred STFT has one frame more than the 64 we keep: repeat the last one
        mel = torch.cat([mel, mel[..., -1:]], dim=-1).clamp_min(0)
        linear = self.inverse_mel(mel).clamp_min(0)
        return self.from_linear(linear)

    @torch.no_grad()
    def from_linear(self, linear: torch.Tensor) -> torch.Tensor:
        """Linear magnitudes (B, 513, 65) -> waveforms (B, 16000), peak 0.8. Fed a clip's own
        full spectrogram (LinearSpectrogram) it measures the ceiling of the 64 mel bands: what
        this Griffin-Lim makes when no detail is lost to the mel scale."""
        wave = self.griffin_lim(linear)
        peak = wave.abs().amax(dim=-1, keepdim=True).clamp_min(1e-6)
        return wave / peak * 0.8


def mel_bank(n_mels: int = N_MELS) -> torch.Tensor:
    """The mel filters of LogMel (513 STFT bins, n_mels): linear magnitudes @ bank = mel bands."""
    return torchaudio.functional.melscale_fbanks(N_FFT // 2 + 1, 0.0, SAMPLE_RATE / 2, n_mels, SAMPLE_RATE,
                                                 norm="slaney", mel_scale="slaney")


@torch.no_grad()
def rebanded(mels: torch.Tensor, n_mels: int = N_MELS) -> torch.Tensor:
    """Normalised log-mels (B, bands, frames) of any band count -> the same frames in n_mels
    bands, through the least-squares linear magnitudes: how a reader of N_MELS bands (the
    digit classifier) sees a generator that draws more. Approximate: a finer mel holds detail
    the coarser one averages away, which is all the conversion needs to do."""
    if mels.shape[1] == n_mels:
        return mels
    bank_from, bank_to = mel_bank(mels.shape[1]), mel_bank(n_mels)
    linear = torch.linalg.pinv(bank_from).t() @ (torch.exp(denormalise(mels.float())) - MEL_FLOOR)
    return normalise(torch.log((bank_to.t() @ linear.clamp_min(0)) + MEL_FLOOR))


def linear_spectrogram(wave: torch.Tensor) -> torch.Tensor:
    """Waveforms (B, 16000) -> linear magnitudes (B, 513, 65): the STFT the mels are made from."""
    return T.Spectrogram(n_fft=N_FFT, hop_length=HOP, power=1.0)(wave.float())


def mu_law_encode(x: torch.Tensor, channels: int = 256) -> torch.Tensor:
    mu = channels - 1
    y = torch.sign(x) * torch.log1p(mu * x.abs().clamp(max=1)) / np.log1p(mu)
    return ((y + 1) / 2 * mu + 0.5).long().clamp(0, mu)


def mu_law_decode(q: torch.Tensor, channels: int = 256) -> torch.Tensor:
    mu = channels - 1
    y = q.float() / mu * 2 - 1
    return torch.sign(y) * ((1 + mu) ** y.abs() - 1) / mu
