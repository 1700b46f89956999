"""The blind arena and the showcase, over the studio's models.

A pair: one input drawn from the request's seed (a prompt, a class, four digits), given to
two contestants of one modality drawn at random, shown as A and B in random order, both
sampling with the same *hidden* seed the server draws for the pair: were it shown, anyone
could regenerate each model's output for it and tell A from B. The names and the sampling
seed stay in the database (store.py) until the vote reveals them. A contestant is a
model (text, image) or, for speech, a generator with one vocoder ("specgan + wavenet"),
since the vocoder is what a listener hears most.

The showcase: one fresh sample per modality from the contestant whose automatic metric
(the modality's `RANKED_BY`, families/) is best, for the first screen.

    from aigc_demo.studio import Studio
    from aigc_demo.arena import Arena
    arena = Arena(Studio())
    pair = arena.pair("image", seed=3)          # outputs A and B, and a token
    arena.vote(pair["token"], "a")              # names revealed
    arena.ranking("image")["agreement"]["sentence"]
"""

from __future__ import annotations

import logging
import random
import secrets

from ..controls import MAX_SEED, InputError, resolve_seed
from ..families import audio, image, text
from . import ranking
from .store import ArenaUnavailable, VoteStore

log = logging.getLogger("aigc_studio")

MODALITIES = ("text", "image", "audio")
RANKED_BY = {"text": text.RANKED_BY, "image": image.RANKED_BY, "audio": audio.RANKED_BY}
TEXT_NEW_TOKENS = 48  # long enough to judge, short enough to read two at a glance
IMAGES_PER_SIDE = 8
DIGITS_PER_CLIP = 4
SHOWCASE_IMAGES = 8
_VOCODER_SEP = " + "
_draw = secrets.SystemRandom()  # which models meet, and their order: not guessable from the seed


def one_line(text: str) -> str:
    """A prompt in a sentence: its line breaks shown as slashes."""
    return " / ".join(part for part in text.split("\n") if part)


class Arena:
    def __init__(self, studio, store: VoteStore | None = None):
        self.studio = studio
        self.store = store if store is not None else VoteStore()
        self._rankings: dict = {}  # modality -> ((vote count, rounds), rows): no bootstrap per page load

    # --- who takes part ----------------------------------------------------------------------

    def contestants(self, modality: str) -> list[str]:
        s = self.studio
        if modality == "audio":
            return [f"{g}{_VOCODER_SEP}{v}" for g in s.audio_models() for v in s.vocoders(g)]
        return s.models(modality)

    def modalities(self) -> list[str]:
        """The modalities with at least two contestants (a pair needs two)."""
        return [m for m in MODALITIES if len(self.contestants(m)) >= 2]

    def check_modality(self, modality) -> str:
        ready = self.modalities()
        if not isinstance(modality, str) or modality.strip().lower() not in MODALITIES:
            raise InputError(f"modality must be one of {', '.join(MODALITIES)}; got {modality!r:.40}.")
        modality = modality.strip().lower()
        if modality not in ready:
            raise InputError(f"The {modality} arena needs two usable {modality} models; it has "
                             f"{len(self.contestants(modality))}. Ready: {', '.join(ready) or 'none'}.")
        return modality

    # --- one sample ----------------------------------------------------------------------------

    @staticmethod
    def inputs_for(modality: str, seed: int) -> dict:
        """The input every contestant of a pair gets, drawn from the pair's seed."""
        rng = random.Random(seed)
        if modality == "text":
            return {"prompt": rng.choice(text.EXAMPLE_PROMPTS)}
        if modality == "image":
            return {"label": rng.choice([c for c in image.LABEL.choices if c != image.ALL_CLASSES])}
        return {"digits": "".join(rng.choice("0123456789") for _ in range(DIGITS_PER_CLIP))}

    def sample(self, modality: str, contestant: str, inputs: dict, seed: int, *, n_images: int = IMAGES_PER_SIDE):
        """One output of a contestant (the pipeline's output object), its family's default
        controls, the same for every contestant of the modality."""
        s = self.studio
        if modality == "text":
            return s.generate_text(inputs["prompt"], contestant, seed=seed, max_new_tokens=TEXT_NEW_TOKENS,
                                   **text.PRESETS["balanced"])
        if modality == "image":
            return s.generate_image(contestant, label=inputs["label"], n=n_images, seed=seed)
        generator, vocoder = contestant.split(_VOCODER_SEP)
        return s.generate_audio(generator, inputs["digits"], seed=seed, vocoder=vocoder)

    @staticmethod
    def describe(modality: str, inputs: dict, seed: int) -> str:
        """The input in words, as the reviewer sees it above A and B (seed: the request's,
        which chose the input; the sampling seed is revealed with the names)."""
        what = {"text": lambda: f"Both continue the prompt “{one_line(inputs['prompt'])}”",
                "image": lambda: f"Both draw {IMAGES_PER_SIDE} × “{inputs['label']}”",
                "audio": lambda: f"Both speak the digits {inputs['digits']}"}[modality]()
        return (f"{what} (input from seed {seed}), with their default settings and one sampling seed, "
                "revealed with the names.")

    # --- the arena -----------------------------------------------------------------------------

    def pair(self, modality: str, seed: int | None = None, session: str = "python", client: str = "") -> dict:
        """Two contestants drawn at random, the same input (from `seed`) and the same hidden
        sampling seed, in random order. Returns {"token", "modality", "inputs", "seed",
        "description", "outputs": [A, B]}; neither the names nor the sampling seed are in it
        (the vote reveals them)."""
        modality = self.check_modality(modality)
        seed = resolve_seed(seed)
        a, b = _draw.sample(self.contestants(modality), 2)
        inputs = self.inputs_for(modality, seed)
        sampling_seed = _draw.randint(0, MAX_SEED)
        token = self.store.serve_pair(modality, a, b, {**inputs, "input_seed": seed}, sampling_seed, session,
                                      client)  # first: no output without a token
        try:
            outputs = [self.sample(modality, name, inputs, sampling_seed) for name in (a, b)]
        except Exception:  # noqa: BLE001 - a model's own message would name it: the pair is blind
            log.exception("arena pair %s vs %s failed", a, b)
            raise ArenaUnavailable("This pair could not be drawn (one of its two models failed; the server log says "
                                   "which). Ask for a new pair.") from None
        return {"token": token, "modality": modality, "inputs": inputs, "seed": seed,
                "description": self.describe(modality, inputs, seed), "outputs": outputs}

    def vote(self, token, choice, note: str = "", session: str = "python", client: str = "") -> dict:
        """Cast one vote on a served pair; returns the pair with its names and sampling seed
        revealed."""
        pair = self.store.cast_vote(token, choice, note, session, client)
        return {"modality": pair.modality, "a": pair.model_a, "b": pair.model_b, "choice": choice.strip().lower(),
                "inputs": {k: v for k, v in pair.inputs.items() if k != "input_seed"},
                "input_seed": pair.inputs.get("input_seed"), "sampling_seed": pair.seed}

    def metric(self, modality: str, contestant: str) -> float | None:
        """The contestant's shipped automatic metric (the modality's RANKED_BY), None if unmeasured."""
        key = RANKED_BY[modality].key
        try:
            if modality == "audio":
                generator, vocoder = contestant.split(_VOCODER_SEP)
                return self.studio.shipped_record("audio", generator, vocoder).get("generated", {}).get(key)
            return self.studio.entry(modality, contestant).metrics.get("generated", {}).get(key)
        except Exception:  # noqa: BLE001 - an unknown or broken model simply has no metric
            return None

    def ranking(self, modality: str, *, rounds: int = ranking.BOOTSTRAP_ROUNDS) -> dict:
        """Bradley–Terry scores of the modality's contestants from every vote, with bootstrap
        intervals, beside their automatic metric and Kendall's τ between the two."""
        if not isinstance(modality, str) or modality.strip().lower() not in MODALITIES:
            raise InputError(f"modality must be one of {', '.join(MODALITIES)}; got {modality!r:.40}.")
        modality = modality.strip().lower()
        battles = self.store.battles(modality)
        key = (len(battles), rounds)  # votes are only ever added: their count says whether anything changed
        if self._rankings.get(modality, (None,))[0] != key:
            self._rankings[modality] = (key, ranking.bradley_terry(battles, rounds=rounds))
        rows = [dict(r) for r in self._rankings[modality][1]]
        by = RANKED_BY[modality]
        metrics = {c: v for c in self.contestants(modality) if (v := self.metric(modality, c)) is not None}
        agreement = ranking.agreement(rows, metrics, higher_is_better=by.higher_is_better, metric_name=by.name)
        voted = {r["model"] for r in rows}
        rows += [{"model": c, "score": None, "ci_low": None, "ci_high": None, "votes": 0, "wins": 0, "losses": 0,
                  "ties": 0, "human_rank": None, "metric": metrics.get(c)} for c in self.contestants(modality)
                 if c not in voted]  # listed, so the table shows every contestant
        return {"modality": modality, "rows": rows, "agreement": agreement}

    def votes(self) -> list[dict]:
        """Every vote with its pair (for the CSV export)."""
        return self.store.all_votes()

    # --- the showcase --------------------------------------------------------------------------

    def best(self, modality: str) -> str | None:
        """The contestant with the best shipped metric (the first one when none is measured)."""
        names = self.contestants(modality)
        if not names:
            return None
        by = RANKED_BY[modality]
        measured = [(v, c) for c in names if (v := self.metric(modality, c)) is not None]
        if not measured:
            return names[0]
        return (max if by.higher_is_better else min)(measured)[1]

    def showcase(self, seed: int | None = None) -> dict:
        """One fresh sample per modality from its best-measured contestant:
        {modality: {"model", "metric", "inputs", "output"}} for the modalities that have one."""
        seed = resolve_seed(seed)
        out = {}
        for modality in MODALITIES:
            best = self.best(modality)
            if best is None:
                continue
            inputs = self.inputs_for(modality, seed)
            out[modality] = {"model": best, "metric": self.metric(modality, best), "metric_name": RANKED_BY[modality].name,
                             "inputs": inputs, "seed": seed,
                             "output": self.sample(modality, best, inputs, seed, n_images=SHOWCASE_IMAGES)}
        return out
