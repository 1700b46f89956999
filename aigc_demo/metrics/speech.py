"""Speech instruments that owe nothing to the models trained here, and the negative controls
that show each one can fail.

The digit classifier (metrics/audio.py) reads 64-band log-mels: it rated the SpecGAN's
whisper-like clips 99.8 % correct. These three listen to the waveform in other ways:

- intelligibility: CMU PocketSphinx (the English acoustic model its PyPI wheel ships),
  restricted by a JSGF grammar to the ten digit words, hears each clip; the share heard as
  the digit asked for. An independent but imperfect listener: it mishears espeak-ng's "six".
- voiced share: Praat's autocorrelation pitch tracker (parselmouth) over the 10 ms frames
  that hold sound (within FLOOR_DB of the clip's loudest); the share of those frames in which
  it finds a pitch, pooled over the clips. Spoken digits are mostly voiced; a whisper, noise
  or a smeared spectrum is not.
- STOI and PESQ-WB (pystoi, pesq) of a re-synthesis against its original, over the clips
  joined 20 at a time (pystoi returns ~1e-5 on a one-second clip with little speech).

Negative controls (CONTROLS) degrade real clips in three ways a generator or vocoder can go
wrong: time-reversed (the right sounds in the wrong order), spectrally smeared (the
harmonics blurred across frequency, the phase kept: what the SpecGAN's mels look like) and
noise-vocoded (each band's envelope kept, the excitation replaced by noise: Shannon et al.
1995). An instrument that scores a control as well as real speech cannot tell that failure.
Clips everywhere are float arrays (N, samples) at 16 kHz in [-1, 1].
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import numpy as np
import torch

from ..data.spoken_digits import DIGITS, PEAK, SAMPLE_RATE

DEFINITIONS = {
    "intelligibility": "Share of clips that CMU PocketSphinx (its own English acoustic model, a JSGF grammar of the "
                       "ten digit words) hears as the digit asked for. Independent of every model trained here.",
    "voiced_share": "Share of the 10 ms frames holding sound (within 30 dB of the clip's loudest) in which Praat's "
                    "autocorrelation pitch tracker (parselmouth, 75-500 Hz) finds a pitch, pooled over the clips.",
    "stoi": "Short-time objective intelligibility (pystoi) of a re-synthesis against its original, the clips "
            "joined 20 at a time, the mean over those blocks. 1 is identical.",
    "pesq_wb": "Wide-band PESQ (pesq, ITU-T P.862.2) of a re-synthesis against its original, joined and averaged "
               "as STOI. From about 1 (bad) to 4.64.",
    "vocoded_reference": "The same real held-out clips re-made from their own log-mels by a vocoder (copy "
                         "synthesis): what that vocoder costs on its own, beside a generator's clips through it.",
    "controls": "Real held-out clips degraded: time_reversed; smeared (power spectrum blurred across frequency by a "
                "Gaussian of 300 Hz standard deviation, phase kept); noise_vocoded (6 bands from 100 Hz to 8 kHz, each "
                "band's envelope on noise). An instrument that scores a control as well as the real clips cannot see "
                "that failure (voicing cannot see a reversal, by design).",
}

PAD_S = 0.2  # silence either side of a clip for the recogniser, which expects speech to start after some
PITCH_FLOOR, PITCH_CEILING = 75.0, 500.0
FRAME_S = 0.01
FLOOR_DB = 30.0


# --- intelligibility ------------------------------------------------------------------------

class DigitListener:
    """PocketSphinx restricted to the ten digit words. Loading the acoustic model takes a
    moment, so one listener hears many clips; a lock makes it safe to share."""

    GRAMMAR = "#JSGF V1.0;\ngrammar digits;\npublic <digit> = " + " | ".join(DIGITS) + " ;\n"

    def __init__(self):
        from pocketsphinx import Decoder

        with tempfile.TemporaryDirectory() as folder:  # the decoder reads the grammar when it is built
            grammar = Path(folder) / "digits.gram"
            grammar.write_text(self.GRAMMAR)
            self.decoder = Decoder(jsgf=str(grammar), samprate=SAMPLE_RATE, loglevel="FATAL")
        self._lock = threading.Lock()

    def hear(self, clip: np.ndarray) -> int | None:
        """The digit heard in one clip, or None when it hears no word. The clip is brought to
        the corpus's peak first: loudness is not what is measured."""
        clip = np.asarray(clip, dtype=np.float32)
        peak = float(np.abs(clip).max()) if clip.size else 0.0
        if peak == 0.0:
            return None
        pad = np.zeros(int(PAD_S * SAMPLE_RATE), np.float32)
        pcm = (np.concatenate([pad, clip / peak * PEAK, pad]) * 32767).astype("<i2").tobytes()
        with self._lock:
            self.decoder.start_utt()
            self.decoder.process_raw(pcm, full_utt=True)
            self.decoder.end_utt()
            hyp = self.decoder.hyp()
        words = hyp.hypstr.split() if hyp is not None else []
        return DIGITS.index(words[0]) if words else None

    def intelligibility(self, clips: np.ndarray, digits) -> float:
        heard = [self.hear(c) for c in clips]
        return float(np.mean([h == int(d) for h, d in zip(heard, digits)]))


# --- voicing --------------------------------------------------------------------------------

def _voiced_and_sounding(clip: np.ndarray) -> tuple[int, int]:
    import parselmouth

    sound = parselmouth.Sound(np.asarray(clip, dtype=np.float64), sampling_frequency=SAMPLE_RATE)
    pitch = sound.to_pitch_ac(time_step=FRAME_S, pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING)
    voiced = pitch.selected_array["frequency"] > 0
    # the sound level of each pitch frame: RMS of the 25 ms around its centre
    half = int(0.0125 * SAMPLE_RATE)
    centres = np.round(pitch.xs() * SAMPLE_RATE).astype(int)
    rms = np.array([np.sqrt(np.mean(np.square(clip[max(c - half, 0):c + half]))) for c in centres])
    if not len(rms) or rms.max() == 0:
        return 0, 0
    sounding = rms > rms.max() * 10 ** (-FLOOR_DB / 20)
    return int((voiced & sounding).sum()), int(sounding.sum())


def voiced_share(clips: np.ndarray) -> float | None:
    """Voiced frames over frames with sound, pooled over the clips (None: no sound at all)."""
    counts = np.array([_voiced_and_sounding(c) for c in clips]).reshape(-1, 2).sum(axis=0)
    return float(counts[0] / counts[1]) if counts[1] else None


# --- copy synthesis -------------------------------------------------------------------------

COPY_BLOCK = 20  # clips joined per comparison: pesq 0.0.4 crashed the process on an 80 s signal here


def copy_quality(originals: np.ndarray, resynthesised: np.ndarray) -> dict:
    """STOI and wide-band PESQ of re-syntheses against their originals: the clips joined
    COPY_BLOCK at a time into 20-second signals, each figure the mean over the blocks. PESQ
    is None (with the reason) where a block holds no speech it can compare."""
    from pesq import PesqError, pesq
    from pystoi import stoi

    stois, pesqs, errors = [], [], set()
    for i in range(0, len(originals), COPY_BLOCK):
        ref = np.concatenate(list(originals[i:i + COPY_BLOCK])).astype(np.float64)
        deg = np.concatenate(list(resynthesised[i:i + COPY_BLOCK])).astype(np.float64)
        stois.append(stoi(ref, deg, SAMPLE_RATE, extended=False))
        try:
            pesqs.append(pesq(SAMPLE_RATE, ref, deg, "wb"))
        except PesqError as e:
            errors.add(type(e).__name__)
    result = {"stoi": float(np.mean(stois)), "pesq_wb": float(np.mean(pesqs)) if pesqs and not errors else None}
    if errors:
        result["pesq_error"] = ", ".join(sorted(errors))
    return result


# Issue #17's bars for a neural vocoder's copy synthesis: above the classic vocoder on both
# figures, on the same clips; and its aims, reported beside them.
COPY_SYNTHESIS_AIMS = {"stoi": 0.95, "pesq_wb": 3.5}


def copy_synthesis_targets(generated: dict, vocoder: str, baseline: str) -> list[dict]:
    """The bars of `vocoder` in a speech block's `generated` figures: STOI and PESQ-WB above
    those of `baseline` (Griffin-Lim) on the same clips, then the aims."""
    out = []
    for metric, aim in COPY_SYNTHESIS_AIMS.items():
        value, bound = generated[vocoder].get(metric), generated[baseline].get(metric)
        if value is None or bound is None:
            continue
        out.append({"metric": metric, "target": f"> {baseline} ({bound:.3f})", "value": value, "met": value > bound,
                    "vocoder": vocoder})
        out.append({"metric": metric, "target": f">= {aim} (aim)", "value": value, "met": value >= aim,
                    "vocoder": vocoder, "aim": True})
    return out


# Issue #17's bars for a generator's clips, through the headline vocoder: PocketSphinx hears
# the digit asked for at least as often as in real clips, and the voiced share is within 20 %
# of real clips'. Real clips re-made from their own log-mels by the same vocoder are reported
# beside (a record's "vocoded_reference"): what the vocoder alone costs, so a miss can be put
# down to the generator or to the vocoder.
VOICED_SHARE_TOLERANCE = 0.2


def generator_targets(speech: dict, vocoder: str) -> list[dict]:
    """The bars of a generator's clips made through `vocoder`, in a speech block."""
    made, real = speech["generated"][vocoder], speech["real_reference"]
    out = [{"metric": "intelligibility", "target": f">= real clips ({real['intelligibility']:.3f})",
            "value": made["intelligibility"], "met": made["intelligibility"] >= real["intelligibility"],
            "vocoder": vocoder}]
    voiced, ref = made.get("voiced_share"), real.get("voiced_share")
    if voiced is not None and ref:
        lo, hi = (1 - VOICED_SHARE_TOLERANCE) * ref, (1 + VOICED_SHARE_TOLERANCE) * ref
        out.append({"metric": "voiced_share", "target": f"within {VOICED_SHARE_TOLERANCE:.0%} of real clips "
                                                          f"({lo:.3f} to {hi:.3f})",
                    "value": voiced, "ratio_to_real": voiced / ref, "met": lo <= voiced <= hi, "vocoder": vocoder})
    return out


# --- negative controls ----------------------------------------------------------------------

N_FFT, HOP = 512, 128  # 32 ms windows: fine enough in frequency to resolve a voice's harmonics


def _stft(x: torch.Tensor) -> torch.Tensor:
    return torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT), return_complex=True)


def _istft(spec: torch.Tensor, length: int) -> np.ndarray:
    wave = torch.istft(spec, N_FFT, HOP, window=torch.hann_window(N_FFT), length=length)
    peak = wave.abs().amax(dim=-1, keepdim=True).clamp_min(1e-8)
    return (wave / peak * PEAK).numpy().astype(np.float32)


def time_reversed(clips: np.ndarray, seed: int = 0) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(clips, dtype=np.float32)[..., ::-1])


def smeared(clips: np.ndarray, seed: int = 0, width_hz: float = 300.0) -> np.ndarray:
    """The power spectrum blurred across frequency (a Gaussian of `width_hz` standard
    deviation), each frame's phase kept: the envelope stays, the harmonics go."""
    x = torch.as_tensor(np.asarray(clips, dtype=np.float32))
    spec = _stft(x)  # (N, F, T)
    sigma = width_hz / (SAMPLE_RATE / N_FFT)  # in bins
    taps = torch.arange(-int(3 * sigma), int(3 * sigma) + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    kernel = (kernel / kernel.sum())[None, None]
    power = spec.abs().square().transpose(1, 2).reshape(-1, 1, spec.shape[1])  # (N*T, 1, F)
    blurred = torch.nn.functional.conv1d(power, kernel, padding=len(taps) // 2)
    magnitude = blurred.reshape(spec.shape[0], spec.shape[2], -1).transpose(1, 2).clamp_min(0).sqrt()
    return _istft(torch.polar(magnitude, spec.angle()), x.shape[-1])


def noise_vocoded(clips: np.ndarray, seed: int = 0, bands: int = 6) -> np.ndarray:
    """Each of `bands` log-spaced bands (100 Hz - 8 kHz) keeps its envelope frame by frame,
    carried by noise instead of the voice (a channel vocoder with noise excitation)."""
    x = torch.as_tensor(np.asarray(clips, dtype=np.float32))
    spec = _stft(x)
    noise = _stft(torch.randn(x.shape, generator=torch.Generator().manual_seed(seed)))
    freqs = torch.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE)
    edges = np.geomspace(100.0, SAMPLE_RATE / 2, bands + 1)
    out = torch.zeros_like(spec)
    for lo, hi in zip(edges[:-1], edges[1:]):
        band = (freqs >= lo) & (freqs <= hi)
        envelope = spec[:, band].abs().square().mean(dim=1, keepdim=True).sqrt()  # (N, 1, T)
        carrier = noise[:, band] / noise[:, band].abs().square().mean(dim=1, keepdim=True).sqrt().clamp_min(1e-8)
        out[:, band] = carrier * envelope
    return _istft(out, x.shape[-1])


CONTROLS = {"time_reversed": time_reversed, "smeared": smeared, "noise_vocoded": noise_vocoded}


def listen(clips: np.ndarray, digits, listener: DigitListener | None = None) -> dict:
    """The two figures any set of clips gets: intelligibility and voiced share."""
    listener = listener or DigitListener()
    return {"intelligibility": listener.intelligibility(clips, digits), "voiced_share": voiced_share(clips)}
