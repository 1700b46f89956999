"""Models from the Hugging Face Hub, by id, when a network exists (on Spaces, say).

Text models load through exactly the same code as the shipped checkpoints
(`TextPipeline.from_pretrained`); text-to-speech models (for free text in the Audio tab,
which our digit models cannot speak) through transformers' `AutoModelForTextToWaveform`.
Three guards come first: the id must be a hub id in the
`owner/name` form (never a local path, which `from_pretrained` would also accept; a bare
name such as "gtp" is a typo of a built-in model, not a download), the repository must hold
safetensors weights (no pickles, no remote code), and the model must be small enough for a
2-CPU Space. Offline, or for an id that does not exist, the caller gets a clear
`ModelUnavailable` message instead of a traceback. Loaded hub models are kept in a small
LRU cache so a demo does not download the same model twice.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from pathlib import Path

from .controls import InputError
from .registry import ModelUnavailable

# owner/name, e.g. "distilbert/distilgpt2", "openai-community/gpt2", "EleutherAI/pythia-70m"
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
EXAMPLE_ID = "distilbert/distilgpt2"
EXAMPLE_TTS_ID = "facebook/mms-tts-eng"  # VITS, 36 M parameters, safetensors
MAX_HUB_PARAMETERS = 500_000_000  # about 2 GB in float32: what a free 16 GB Space can hold and run
CACHE_SIZE = 2


def check_hub_id(model_id) -> str:
    if not isinstance(model_id, str) or not model_id.strip():
        raise InputError(f"Type a Hugging Face model id in the owner/name form, e.g. {EXAMPLE_ID}.")
    model_id = model_id.strip()
    if not HUB_ID.match(model_id) or ".." in model_id:
        raise InputError(f"{model_id!r} is not a Hugging Face model id: owner/name (letters, digits, . _ -), "
                         f"e.g. {EXAMPLE_ID}.")
    if Path(model_id).exists():
        # from_pretrained would read a local folder of this name: hub ids only, never server paths
        raise InputError(f"{model_id!r} names a local path, not a Hugging Face model id.")
    return model_id


class HubModels:
    def __init__(self, device: str = "cpu"):
        self.device = device
        self._cache: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()  # one download at a time; a second request for it waits

    def text(self, model_id: str):
        """A causal language model, through TextPipeline.from_pretrained (the shipped models' path)."""
        return self._get(model_id, self._load_text)

    def speech(self, model_id: str):
        """A text-to-speech model (e.g. facebook/mms-tts-eng), through HubSpeechPipeline."""
        return self._get(model_id, self._load_speech)

    def _get(self, model_id: str, load):
        model_id = check_hub_id(model_id)
        with self._lock:
            key = (load.__name__, model_id)
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            pipe = load(model_id)
            self._cache[key] = pipe
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return pipe

    @staticmethod
    def _check(model_id: str) -> None:
        """What the hub says of the repository, before anything is downloaded."""
        from huggingface_hub import model_info
        from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

        try:
            info = model_info(model_id)
        except RepositoryNotFoundError:
            raise ModelUnavailable(f"There is no model {model_id!r} on the Hugging Face Hub (or it is private).") from None
        except GatedRepoError:
            raise ModelUnavailable(f"{model_id!r} is gated on the Hugging Face Hub: it needs an access token.") from None
        except Exception as e:  # no network: connection refused, DNS failure, timeout, offline mode
            raise ModelUnavailable(
                f"The Hugging Face Hub cannot be reached, so {model_id!r} cannot be loaded "
                f"({type(e).__name__}). Hub models need a network; the built-in models work offline.") from None
        if info.safetensors is None:
            raise ModelUnavailable(f"{model_id!r} has no safetensors weights; this app never loads pickled weights.")
        n_params = info.safetensors.total
        if n_params > MAX_HUB_PARAMETERS:
            raise ModelUnavailable(f"{model_id!r} has {n_params / 1e6:,.0f} M parameters; this demo loads models "
                                   f"up to {MAX_HUB_PARAMETERS / 1e6:,.0f} M.")

    def _load_text(self, model_id: str):
        from .pipelines.text import TextPipeline

        self._check(model_id)
        try:
            return TextPipeline.from_pretrained(model_id, device=self.device)
        except (OSError, ValueError, KeyError) as e:
            raise ModelUnavailable(f"{model_id!r} could not be loaded as a text-generation model: {e}") from None

    def _load_speech(self, model_id: str):
        from .pipelines.audio import HubSpeechPipeline

        self._check(model_id)
        try:
            return HubSpeechPipeline.from_pretrained(model_id, device=self.device)
        except (OSError, ValueError, KeyError) as e:
            raise ModelUnavailable(f"{model_id!r} could not be loaded as a text-to-speech model: {e}") from None
