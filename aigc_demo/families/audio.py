"""The audio families (spoken digits: a spectrogram GAN or diffusion model, and the neural
vocoders that voice them) and the inputs of a spoken-digit request. The pipelines are in pipelines/audio.py."""

from ..controls import Control, InputError
from . import VOCODER, Family, RankingMetric
from .image import DIFFUSION

GRIFFIN_LIM = "griffin-lim"  # the classic vocoder, always there: no network, no checkpoint
MAX_DIGITS = 16
EXAMPLE_TTS_ID = "facebook/mms-tts-eng"  # a hub text-to-speech model for free text (not ours)

SPECGAN = Family("specgan", "audio", "aigc_demo.pipelines.audio:SpecGANPipeline",
                 controls=(Control("variety", 1.0, 0.0, 2.0, 0.05, "Voice variety",
                                   "Scales the GAN's latent: 0 is the average voice, 1 as trained, above 1 unusual "
                                   "voices."),),
                 summary="a class-conditional spectrogram GAN (SpecGAN)")
# The image diffusion's sampler and its controls, but at most 100 steps: a step is two UNet
# passes (guided) over every digit's 64x64 log-mel, about 40 ms a digit on 2 CPU cores
MEL_DIFFUSION = Family("mel_diffusion", "audio", "aigc_demo.pipelines.audio:MelDiffusionPipeline",
                       controls=(Control("steps", 25, 1, 100, 1, "Sampling steps", "DDIM steps for each digit"),
                                 *(c for c in DIFFUSION.controls if c.name != "steps")),
                       summary="a class-conditional diffusion model over log-mel spectrograms")
WAVENET = Family("wavenet", "audio", "aigc_demo.pipelines.audio:WaveNetVocoder", role=VOCODER,
                 summary="a WaveNet vocoder (mel-conditioned, mu-law, autoregressive)")
ISTFT_WAVENET = Family("istft_wavenet", "audio", "aigc_demo.pipelines.audio:ISTFTWaveNetVocoder", role=VOCODER,
                       summary="a WaveNet vocoder trained non-autoregressively: frame-rate dilated stack, "
                               "inverse-STFT output")
FAMILIES = (SPECGAN, MEL_DIFFUSION, WAVENET, ISTFT_WAVENET)
# The arena shows humans' ranking of generator + vocoder pairs beside this one (metrics/audio.py).
RANKED_BY = RankingMetric("fd_digits", "FD-digits", higher_is_better=False)


def mel_bands(config: dict) -> int | None:
    """The band count of the log-mels an audio checkpoint reads (a vocoder's n_mels) or draws
    (a generator's picture rows), from its config.json; a generator and a vocoder work together
    only where these agree (Griffin-Lim reads any)."""
    model = config.get("model", {})
    return model.get("n_mels") or model.get("image_height") or model.get("image_size")


MAX_TTS_CHARS = 300


def check_tts_text(text) -> str:
    """Free text for a hub text-to-speech model, checked before any model is fetched."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("The text is empty: type something for the model to say.")
    if len(text) > MAX_TTS_CHARS:
        raise InputError(f"At most {MAX_TTS_CHARS} characters, please; this text has {len(text)}.")
    return text


def check_digits(text) -> str:
    """The digits of a request ("2026", "20 26"), or an InputError saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("The text is empty: type the digits to speak, e.g. 2026.")
    digits = "".join(text.split())
    if not digits.isascii() or not digits.isdigit():
        raise InputError(f"Only the digits 0-9 can be spoken, not {text!r}.")
    if len(digits) > MAX_DIGITS:
        raise InputError(f"At most {MAX_DIGITS} digits can be spoken at once; this text has {len(digits)}.")
    return digits
