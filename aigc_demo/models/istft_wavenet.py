"""A WaveNet vocoder trained non-autoregressively, with an inverse-STFT head: log-mel -> waveform
in one pass.

The autoregressive WaveNet (models/wavenet.py) makes 16,000 sequential steps per second of
sound, and on 2 CPU cores neither trains nor runs fast enough to learn a voice (its copy
synthesis scored below Griffin-Lim's). Parallel WaveGAN (Yamamoto et al. 2020) keeps WaveNet's
dilated, gated, residual stack but makes it non-causal and trains it on a multi-resolution STFT
loss, so all samples come out at once. Here the same stack runs at the mel frame rate, not
the sample rate (250 times fewer positions), and predicts each frame's STFT, log-magnitude and
phase; the inverse STFT turns those into samples, as iSTFTNet (Kaneko et al. 2022) and Vocos
(Siuzdak 2023) do. That is what makes it cheap enough to train and run on a CPU.

    config = ISTFTWaveNetConfig()
    model = ISTFTWaveNet(config)
    wave = model(mel)   # (B, 64 bands, F frames) normalised log-mel -> (B, F * 250)
    parts = loss_parts(model, mel, real_wave, stft_loss())  # {"loss": ..., each part}
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from ..audio import HOP, MEL_FLOOR, N_FFT, SAMPLE_RATE, denormalise, mel_bank


@dataclass
class ISTFTWaveNetConfig:
    n_mels: int = 64
    channels: int = 128  # residual channels; skips have as many
    kernel_size: int = 3  # non-causal: each layer sees the frames on both sides
    # receptive field 1 + (kernel - 1) * sum(dilations) = 67 frames of 250 samples: about a second
    dilations: tuple[int, ...] = (1, 2, 4, 8, 1, 2, 4, 8, 1, 2)
    # the STFT and rate the mels are made from (aigc_demo/audio.py's, the one representation):
    # recorded in config.json for the card; any others are refused, since the mel filters
    # (audio.mel_bank) are those
    n_fft: int = N_FFT
    hop: int = HOP
    sample_rate: int = SAMPLE_RATE
    max_log_magnitude: float = 6.0  # exp(6) ~ 400: above any magnitude of a clip in [-1, 1]

    def __post_init__(self):
        self.dilations = tuple(int(d) for d in self.dilations)  # JSON gives a list
        if (self.n_fft, self.hop, self.sample_rate) != (N_FFT, HOP, SAMPLE_RATE):
            raise ValueError(f"the vocoder reads aigc_demo/audio.py's log-mels (n_fft {N_FFT}, hop {HOP}, "
                             f"{SAMPLE_RATE} Hz), not n_fft {self.n_fft}, hop {self.hop}, {self.sample_rate} Hz")


class GatedResidualBlock(nn.Module):
    """WaveNet's block: dilated convolution, tanh * sigmoid gate, 1x1 residual and skip."""

    def __init__(self, channels: int, kernel_size: int, dilation: int):
        super().__init__()
        self.dilated = nn.Conv1d(channels, 2 * channels, kernel_size, dilation=dilation,
                                 padding=dilation * (kernel_size - 1) // 2)
        self.residual = nn.Conv1d(channels, channels, 1)
        self.skip = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a, g = self.dilated(x).chunk(2, dim=1)
        z = torch.tanh(a) * torch.sigmoid(g)
        # the 1/sqrt(2) keeps the residual stream's scale from growing with depth
        return (x + self.residual(z)) * 0.5 ** 0.5, self.skip(z)


class ISTFTWaveNet(nn.Module):
    def __init__(self, config: ISTFTWaveNetConfig):
        super().__init__()
        self.config = c = config
        self.bins = c.n_fft // 2 + 1
        self.inputs = nn.Conv1d(c.n_mels, c.channels, 7, padding=3)
        self.blocks = nn.ModuleList(GatedResidualBlock(c.channels, c.kernel_size, d) for d in c.dilations)
        self.head = nn.Sequential(nn.ReLU(), nn.Conv1d(c.channels, c.channels, 1), nn.ReLU(),
                                  nn.Conv1d(c.channels, 2 * self.bins, 1))
        self.register_buffer("window", torch.hann_window(c.n_fft), persistent=False)
        # The mel bands are a linear map of the STFT magnitudes; its pseudo-inverse gives the
        # least-squares magnitudes (what Griffin-Lim starts from). The network predicts the
        # log-magnitude as a correction of those: its last layer starts at zero, so training
        # starts from silence where the mel is silent, not from a hiss everywhere.
        self.register_buffer("mel_inverse", torch.linalg.pinv(mel_bank(c.n_mels)).t().contiguous(), persistent=False)
        nn.init.zeros_(self.head[-1].weight[:self.bins])
        nn.init.zeros_(self.head[-1].bias)

    def spectrum(self, mel: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel (B, n_mels, F) -> complex STFT (B, n_fft/2+1, F + 1). The centred
        STFT of F * hop samples has F + 1 frames: the last mel frame is repeated for it."""
        mel = torch.cat([mel, mel[..., -1:]], dim=-1)
        x = self.inputs(mel)
        skip = 0
        for block in self.blocks:
            x, s = block(x)
            skip = skip + s
        correction, phase = self.head(skip * len(self.blocks) ** -0.5).float().chunk(2, dim=1)
        least_squares = self.mel_inverse @ (torch.exp(denormalise(mel.float())) - MEL_FLOOR)
        log_magnitude = torch.log(least_squares.clamp_min(MEL_FLOOR)) + correction
        # The phase is predicted as an angle, free to wrap; cos and sin of it make a unit phasor,
        # so no ratio of two outputs (atan2 of a near-zero pair) ever blows up.
        magnitude = torch.exp(log_magnitude.clamp(max=self.config.max_log_magnitude))
        return torch.polar(magnitude, phase)

    def forward(self, mel: torch.Tensor, with_spectrum: bool = False):
        """Normalised log-mel (B, n_mels, F) -> waveform (B, F * hop); with_spectrum: also the
        complex STFT it was made from (what the training loss compares)."""
        c = self.config
        spectrum = self.spectrum(mel)
        wave = torch.istft(spectrum, c.n_fft, c.hop, window=self.window, center=True, length=mel.shape[-1] * c.hop)
        return (wave, spectrum) if with_spectrum else wave

    def stft(self, wave: torch.Tensor) -> torch.Tensor:
        """The STFT the network predicts, of a real waveform: what its outputs are trained on."""
        c = self.config
        return torch.stft(wave.float(), c.n_fft, c.hop, window=self.window, center=True, return_complex=True)

    def config_dict(self) -> dict:
        return asdict(self.config)


def stft_loss(resolutions: tuple[int, ...] = (256, 512, 1024)) -> nn.Module:
    """Parallel WaveGAN's multi-resolution STFT loss (spectral convergence + log magnitude),
    from auraloss: several window sizes at once, so no single trade of time against frequency
    resolution is what the vocoder learns to please. Hop a quarter of each window."""
    import auraloss

    return auraloss.freq.MultiResolutionSTFTLoss(fft_sizes=list(resolutions), hop_sizes=[n // 4 for n in resolutions],
                                                 win_lengths=list(resolutions))


def anti_wrapped(x: torch.Tensor) -> torch.Tensor:
    """|x| of a phase difference taken round the circle: 2*pi - 0.1 is 0.1 away from 0."""
    return (x - 2 * math.pi * torch.round(x / (2 * math.pi))).abs()


def phase_loss(predicted: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """APNet's (Ai and Ling 2023) phase losses between two complex STFTs (B, bins, frames):
    the phase itself, its difference along frequency (group delay) and along time
    (instantaneous frequency), each anti-wrapped. A magnitude loss alone leaves the phase free,
    which is what makes an unadversarial vocoder buzz."""
    p, r = predicted.angle(), real.angle()
    return (anti_wrapped(p - r).mean() + anti_wrapped(p.diff(dim=1) - r.diff(dim=1)).mean()
            + anti_wrapped(p.diff(dim=2) - r.diff(dim=2)).mean())


def loss_parts(net: nn.Module, mel: torch.Tensor, wave: torch.Tensor, criterion: nn.Module, with_made: bool = False):
    """The training loss of the vocoder `net` (an ISTFTWaveNet, wrapped or not) for `mel` against
    the real `wave`: {"loss": the sum, and each part}. The multi-resolution STFT loss is on
    the waveform; the magnitude (L1 of log magnitudes) and phase losses compare the STFT the
    network predicted with the real clip's. with_made: (parts, the waveform made), for the
    adversarial losses to judge."""
    made, spectrum = net(mel, with_spectrum=True)
    model = getattr(net, "module", net)  # the bare network, under DistributedDataParallel too
    real = model.stft(wave)
    parts = {"stft_loss": criterion(made[:, None].float(), wave[:, None].float()),
             "magnitude_loss": (torch.log(spectrum.abs() + MEL_FLOOR) - torch.log(real.abs() + MEL_FLOOR)).abs().mean(),
             "phase_loss": phase_loss(spectrum, real)}
    parts = {"loss": sum(parts.values()), **parts}
    return (parts, made) if with_made else parts


# --- The adversarial loss (training only) -------------------------------------------------
# Regression losses alone let a vocoder answer an ambiguous mel with the average of the
# waveforms it could stand for: where the pitch is uncertain that average smears the
# harmonics into noise, the whisper the records measure (voiced share 0.504 against 0.674).
# A discriminator rewards committing to one plausible waveform instead. Two kinds, each
# judging what the other cannot see: HiFi-GAN's period discriminators (Kong et al. 2020)
# fold the waveform into rows of p samples, so a column holds every p-th sample and a
# periodic voice shows as a pattern down it; the resolution discriminators of UnivNet and
# Vocos judge a log-magnitude spectrogram, where harmonics are stripes.

@dataclass
class DiscriminatorConfig:
    channels: int = 16  # HiFi-GAN's are 32 to 1024 wide; narrow here so a CPU step stays affordable
    periods: tuple[int, ...] = (2, 3, 5, 7, 11)  # primes: no period is a multiple of another
    resolutions: tuple[int, ...] = (256, 512, 1024)  # STFT sizes of the spectrogram judges
    segment: int = 8000  # samples of each clip judged (a random half second), as HiFi-GAN crops

    def __post_init__(self):
        self.periods = tuple(int(p) for p in self.periods)
        self.resolutions = tuple(int(n) for n in self.resolutions)


def judge_layers(convs: nn.ModuleList, out: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """A judge's layers on its view of the waveform: every feature map (what feature matching
    compares), the last entry the scores."""
    features = []
    for conv in convs:
        x = nn.functional.leaky_relu(conv(x), 0.1)
        features.append(x)
    return features + [out(x)]


class PeriodDiscriminator(nn.Module):
    """HiFi-GAN's: (B, T) waveform -> rows of `period` samples -> 2-D convolutions down the rows
    (kernel k x 1), so each output sees one phase of the period across many cycles."""

    def __init__(self, period: int, channels: int):
        super().__init__()
        from torch.nn.utils.parametrizations import weight_norm

        self.period = period
        widths = [1, channels, 2 * channels, 4 * channels, 4 * channels]
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(cin, cout, (5, 1), (3 if i < 3 else 1, 1), padding=(2, 0)))
            for i, (cin, cout) in enumerate(zip(widths, widths[1:])))
        self.out = weight_norm(nn.Conv2d(widths[-1], 1, (3, 1), padding=(1, 0)))

    def forward(self, wave: torch.Tensor) -> list[torch.Tensor]:
        """The feature maps of every layer, the last one the scores."""
        p = self.period
        x = nn.functional.pad(wave[:, None], (0, (-wave.shape[-1]) % p), mode="reflect")
        x = x.view(len(wave), 1, -1, p)
        return judge_layers(self.convs, self.out, x)


class ResolutionDiscriminator(nn.Module):
    """UnivNet's / Vocos': the log-magnitude STFT at one resolution, 2-D convolutions over
    (frequency, time). The first strides time only (halving the frames to judge, the bulk of the
    cost on a CPU), the rest frequency, so the stripes of harmonics stay visible to the first."""

    def __init__(self, n_fft: int, channels: int):
        super().__init__()
        from torch.nn.utils.parametrizations import weight_norm

        self.n_fft = n_fft
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        widths = [1, channels, channels, channels, channels]
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(cin, cout, (7, 5) if i == 0 else (5, 3), (1, 2) if i == 0 else (2, 1),
                                  padding=(3, 2) if i == 0 else (2, 1)))
            for i, (cin, cout) in enumerate(zip(widths, widths[1:])))
        self.out = weight_norm(nn.Conv2d(channels, 1, 3, padding=1))

    def forward(self, wave: torch.Tensor) -> list[torch.Tensor]:
        spec = torch.stft(wave.float(), self.n_fft, self.n_fft // 4, window=self.window, return_complex=True)
        x = torch.log(spec.abs().clamp_min(1e-5))[:, None]  # (B, 1, bins, frames)
        return judge_layers(self.convs, self.out, x)


class Discriminators(nn.Module):
    """All the judges of one waveform: a list of feature-map lists, one per discriminator."""

    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        self.config = c = config
        self.judges = nn.ModuleList([*(PeriodDiscriminator(p, c.channels) for p in c.periods),
                                     *(ResolutionDiscriminator(n, c.channels) for n in c.resolutions)])

    def forward(self, wave: torch.Tensor) -> list[list[torch.Tensor]]:
        return [judge(wave) for judge in self.judges]

    def crop(self, *waves: torch.Tensor, generator: torch.Generator | None = None) -> list[torch.Tensor]:
        """The same random `segment` of each clip from every one of `waves` (B, T): the judges see
        the made and the real clip at the same place."""
        length = waves[0].shape[-1]
        seg = min(self.config.segment, length)
        starts = torch.randint(0, length - seg + 1, (len(waves[0]),), generator=generator).tolist()
        return [torch.stack([w[i, s:s + seg] for i, s in enumerate(starts)]) for w in waves]


def discriminator_loss(judges: nn.Module, real: torch.Tensor, made: torch.Tensor) -> torch.Tensor:
    """Least-squares GAN (Mao et al. 2017), as HiFi-GAN: real scores towards 1, made ones towards 0.
    `made` is detached here: this loss trains only the judges."""
    loss = 0.0
    for r, m in zip(judges(real), judges(made.detach())):
        loss = loss + ((1 - r[-1]) ** 2).mean() + (m[-1] ** 2).mean()
    return loss


def adversarial_parts(judges: nn.Module, real: torch.Tensor, made: torch.Tensor) -> dict:
    """The vocoder's side: its made scores towards 1, and feature matching (L1 between the
    judges' feature maps of the real and the made clip, every layer but the scores), which
    steadies the game by asking for real-like features, not only a fooled verdict."""
    adversarial, features = 0.0, 0.0
    for r, m in zip(judges(real), judges(made)):
        adversarial = adversarial + ((1 - m[-1]) ** 2).mean()
        features = features + sum((a.detach() - b).abs().mean() for a, b in zip(r[:-1], m[:-1]))
    return {"adversarial_loss": adversarial, "feature_loss": features}
