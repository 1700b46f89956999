"""Text metrics, computed by sacrebleu (Post 2018) so every BLEU here carries its signature.

- corpus BLEU: sacrebleu's BLEU over hypotheses and their references (up to 4-grams, brevity
  penalty), with `effective_order=True`: an n-gram order that the hypotheses do not have at
  all (every line shorter than n words) is left out instead of zeroing the score, so very
  short identical texts still score 100. On ordinary text it equals the standard figure;
  the signature says `eff:yes`.
- sentence BLEU: per-line BLEU with `effective_order=True`, as sacrebleu advises for
  single sentences.
Chinese text is not segmented into words, so it is scored with sacrebleu's `zh` tokenizer
(the default `13a` would see one "word" per line and give 0); `auto` picks `zh` whenever
the references contain CJK characters.
"""

from __future__ import annotations


from sacrebleu.metrics import BLEU

from ..data.fortunes import language_of

TOKENIZERS = ("auto", "13a", "zh", "intl", "char", "none")
MAX_LINES = 2000
MAX_CHARS = 200_000


def pick_tokenizer(tokenize: str, texts: list[str]) -> str:
    if tokenize != "auto":
        return tokenize
    return "zh" if any(language_of(t) == "zh" for t in texts) else "13a"


def bleu(hypotheses: list[str], references: list[str], tokenize: str = "auto") -> dict:
    """Corpus BLEU of parallel lists (one reference per hypothesis), the sentence BLEUs,
    and the sacrebleu signature that says exactly how they were computed."""
    if tokenize not in TOKENIZERS:
        raise ValueError(f"tokenize must be one of {', '.join(TOKENIZERS)}, not {tokenize!r}")
    tok = pick_tokenizer(tokenize, references)
    corpus = BLEU(tokenize=tok, effective_order=True)
    score = corpus.corpus_score(hypotheses, [references])
    sentence = BLEU(tokenize=tok, effective_order=True)
    return {
        "bleu": score.score,
        "precisions": list(score.precisions),
        "brevity_penalty": score.bp,
        "hyp_len": score.sys_len,
        "ref_len": score.ref_len,
        "sentence_bleu": [sentence.sentence_score(h, [r]).score for h, r in zip(hypotheses, references)],
        "signature": str(corpus.get_signature()),
        "tokenize": tok,
    }


# --- generated text against a corpus (the Texygen protocol, Zhu et al. 2018) --------------
#
# test-BLEU-n: each generated text is scored (sentence BLEU up to n-grams) against *all*
# texts of the test split as its references, then averaged: does the model write n-grams
# that real text of this kind uses? Self-BLEU-n: each text against all the *other* texts of
# the same set: how much the texts repeat each other (lower is more diverse). Both use
# NLTK's smoothing method 1 (add 0.1 to zero n-gram matches), which sacrebleu spells
# smooth_method="floor", smooth_value=0.1, and are reported on a 0-1 scale as Texygen does.
# English is tokenized with sacrebleu's 13a, Chinese with its zh tokenizer (one token per
# character), so BLEU-4 of Chinese counts 4-character sequences.

LANGUAGE_TOKENIZER = {"en": "13a", "zh": "zh"}
BOOTSTRAP_DRAWS = 1000
# Pure sampling scores a model at one arbitrary point of its quality-diversity trade-off:
# cooling the softmax raises test-BLEU and Self-BLEU together (Caccia et al. 2020, "Language
# GANs falling short"). So each model is also scored along a temperature sweep, and compared
# at the temperature where its samples are exactly as diverse as real text or more.
TEMPERATURES = (0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
# Self-BLEU wants SELF_BLEU_N texts per language, but the language mix moves with the
# temperature (cooler: fewer Chinese records), so the sweep draws more texts, TOP_UP_CHUNK at
# a time from the same seed's stream, until each language has them (up to TOP_UP x n in all)
TOP_UP, TOP_UP_CHUNK = 4, 100
SELF_BLEU_N = 200  # texts per set for Self-BLEU and distinct-n: these grow with the count,
#                    so the model and the real text are always compared at this same count

DEFINITIONS = {
    "test_perplexity": "exp of the mean next-token loss on the test split, in non-overlapping "
                       "windows of the model's training length, same tokenizer for both models",
    "test_bleu_n": "Texygen test-BLEU: mean sentence BLEU-n (0-1, NLTK smoothing 1) of each generated "
                   "text against all test texts of its language as references; macro-averaged over languages",
    "self_bleu_4": f"Self-BLEU-4 on {SELF_BLEU_N} texts per language: each against the others (lower = more diverse)",
    "distinct_n": f"distinct n-grams / all n-grams over {SELF_BLEU_N} texts per language",
    "test_bleu_4_std": f"bootstrap standard error of test-BLEU-4 ({BOOTSTRAP_DRAWS} resamples of the texts with "
                       "replacement, per language; macro: the languages' errors combined as independent)",
    "sampling": "plain ancestral sampling (temperature 1, no top-k/top-p, no repetition penalty), "
                "starting from the start-of-record token",
    "temperature_sweep": "the same figures for samples drawn (same n and seed) at each temperature of "
                         f"{', '.join(map(str, TEMPERATURES))}, nothing else truncated: the model's "
                         f"quality-diversity curve; where a language has fewer than {SELF_BLEU_N} texts, more are "
                         f"drawn from the same seed's stream until it has (at most {TOP_UP} x n texts; counts in "
                         "texts_per_language)",
    "diversity_matched": "the sweep's lowest temperature whose Self-BLEU-4 is at most the real text's "
                         "(the validation split's): the sharpest sampling still as diverse as real text, "
                         "chosen without the test split",
}


def _bleu_metric(n: int, tokenize: str, references: list[str] | None = None) -> BLEU:
    return BLEU(tokenize=tokenize, smooth_method="floor", smooth_value=0.1, max_ngram_order=n,
                references=None if references is None else [[r] for r in references])


def test_bleu(hypotheses: list[str], references: list[str], n: int, tokenize: str) -> float:
    """Mean sentence BLEU-n (0-1) of each hypothesis against all references."""
    scores = test_bleu_scores(hypotheses, references, n, tokenize)
    return sum(scores) / len(scores) if scores else float("nan")


def test_bleu_scores(hypotheses: list[str], references: list[str], n: int, tokenize: str) -> list[float]:
    """Sentence BLEU-n (0-1) of each hypothesis against all references ([] without either)."""
    if not hypotheses or not references:
        return []
    # the references are tokenized and counted once, then every hypothesis is scored against them
    metric = _bleu_metric(n, tokenize, references)
    return [metric.corpus_score([h], None).score / 100 for h in hypotheses]


def bootstrap_std(values: list[float], seed: int = 0, draws: int = BOOTSTRAP_DRAWS) -> float:
    """Standard error of the mean of `values` by the bootstrap: the spread of the mean over
    `draws` resamples of the values with replacement."""
    import numpy as np

    if len(values) < 2:
        return float("nan")
    v = np.asarray(values, dtype=np.float64)
    means = v[np.random.default_rng(seed).integers(0, len(v), size=(draws, len(v)))].mean(axis=1)
    return float(means.std(ddof=1))


def self_bleu(texts: list[str], n: int, tokenize: str) -> float:
    """Mean sentence BLEU-n (0-1) of each text against all the others."""
    if len(texts) < 2:
        return float("nan")
    total = 0.0
    for i, h in enumerate(texts):
        metric = _bleu_metric(n, tokenize, texts[:i] + texts[i + 1:])
        total += metric.corpus_score([h], None).score
    return total / (100 * len(texts))


def distinct(texts: list[str], n: int, tokenize: str) -> float:
    """Distinct-n (Li et al. 2016): unique n-grams over all n-grams, tokenized as BLEU does."""
    tok = BLEU(tokenize=tokenize).tokenizer  # the very tokenizer BLEU applies
    grams = [tuple(words[i:i + n]) for t in texts for words in [tok(t).split()] for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def corpus_figures(texts_by_language: dict[str, list[str]], test_by_language: dict[str, list[str]],
                   seed: int = 0) -> dict:
    """test-BLEU-2/3/4, Self-BLEU-4 and distinct-1/2 per language and macro-averaged."""
    import random

    per_language = {}
    for lang, texts in texts_by_language.items():
        tok = LANGUAGE_TOKENIZER[lang]
        subset = random.Random(seed).sample(texts, min(SELF_BLEU_N, len(texts)))
        bleu4 = test_bleu_scores(texts, test_by_language[lang], 4, tok)
        per_language[lang] = {
            "n": len(texts),
            **{f"test_bleu_{n}": test_bleu(texts, test_by_language[lang], n, tok) for n in (2, 3)},
            "test_bleu_4": sum(bleu4) / len(bleu4) if bleu4 else float("nan"),
            "test_bleu_4_std": bootstrap_std(bleu4, seed),
            "self_bleu_4": self_bleu(subset, 4, tok) if len(subset) == SELF_BLEU_N else float("nan"),
            "distinct_1": distinct(subset, 1, tok),
            "distinct_2": distinct(subset, 2, tok),
        }
    keys = ["test_bleu_2", "test_bleu_3", "test_bleu_4", "self_bleu_4", "distinct_1", "distinct_2"]
    langs = sorted(per_language)
    macro = {k: sum(per_language[lang][k] for lang in langs) / len(langs) for k in keys} if langs else {}
    if langs:  # the mean of independent estimates: its error is the root of the summed squares, over L
        macro["test_bleu_4_std"] = sum(per_language[lang]["test_bleu_4_std"] ** 2 for lang in langs) ** 0.5 / len(langs)
    return {"macro": macro, "per_language": per_language}


class OverlapIndex:
    """"Is it copying?" for text: the longest run of tokens (BLEU's: words, or Chinese
    characters) that a text shares with any one record of a corpus, found by substring search
    in the corpus written as space-separated tokens, one record per line (so no match spans
    two records). A sliding window needs at most two searches per token of the text."""

    def __init__(self, texts_by_language: dict[str, list[str]]):
        import bisect

        self._bisect = bisect.bisect_right
        self.records = texts_by_language
        self.corpus, self.line_starts = {}, {}
        for lang, texts in texts_by_language.items():
            lines = [" " + " ".join(self.units(t, lang)) + " " for t in texts]
            self.corpus[lang] = "\n".join(lines)
            starts, pos = [], 0
            for line in lines:
                starts.append(pos)
                pos += len(line) + 1
            self.line_starts[lang] = starts

    @staticmethod
    def units(text: str, lang: str) -> list[str]:
        return BLEU(tokenize=LANGUAGE_TOKENIZER[lang]).tokenizer(text).split()

    def longest(self, text: str, lang: str | None = None) -> dict:
        """{"length" (tokens), "span", "record" (the corpus text holding it, or None)}; the
        language is the text's own unless given."""
        lang = lang or language_of(text)
        corpus, units = self.corpus.get(lang, ""), self.units(text, lang)
        found = lambda i, j: (" " + " ".join(units[i:j]) + " ") in corpus
        best, i = (0, 0, 0), 0
        for j in range(1, len(units) + 1):  # the longest span ending at j starts at i or later
            while i < j and not found(i, j):
                i += 1
            if j - i > best[0]:
                best = (j - i, i, j)
        length, i, j = best
        if not length:
            return {"length": 0, "span": "", "record": None}
        pos = corpus.find(" " + " ".join(units[i:j]) + " ")
        record = self.records[lang][self._bisect(self.line_starts[lang], pos) - 1]
        return {"length": length, "span": " ".join(units[i:j]), "record": record}


def signature(references: list[str], n: int = 4, tokenize: str = "13a") -> str:
    """sacrebleu's signature of test-BLEU-n against these references (nrefs = all of them)."""
    return str(_bleu_metric(n, tokenize, references).get_signature())


# --- perplexity ---------------------------------------------------------------------------


def token_stream(tokenizer, texts: list[str]):
    """<eos> record <eos> record ... as one 1-D tensor of token ids: how training reads the
    corpus and how test perplexity reads the test split."""
    import torch

    eos = tokenizer.eos_token_id
    ids: list[int] = []
    for enc in tokenizer(texts, add_special_tokens=False)["input_ids"]:
        ids.append(eos)
        ids.extend(enc)
    ids.append(eos)
    return torch.tensor(ids, dtype=torch.long)


def windows(ids, length: int):
    """Non-overlapping windows of `length` tokens over a 1-D token stream (the tail that
    does not fill a window is dropped), shaped (n_windows, length)."""
    n = (len(ids) // length) * length
    return ids[:n].view(-1, length)


def mean_nll(model, windows_, batch_size: int = 16, device="cpu") -> float:
    """Mean next-token loss (nats) of a causal LM over the windows: each window is read on
    its own, and every token after the first is predicted from the ones before it."""
    import torch
    import torch.nn.functional as F

    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(windows_), batch_size):
            xb = windows_[i:i + batch_size].to(device)
            logits = model(input_ids=xb).logits
            loss = F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), xb[:, 1:].flatten(), reduction="sum")
            total += loss.item()
            count += xb[:, 1:].numel()
    model.train(was_training)
    return total / max(count, 1)


def diversity_matched(sweep: list[dict], real_self_bleu: float) -> dict | None:
    """The sweep row (figures at one temperature) with the lowest temperature whose Self-BLEU-4
    is at most `real_self_bleu`, or None where none is (or Self-BLEU could not be measured).
    Only Self-BLEU decides, so the test split plays no part in the choice."""
    eligible = [row for row in sweep if _le(row["self_bleu_4"], real_self_bleu)]
    return min(eligible, key=lambda row: row["temperature"]) if eligible else None


# --- the project's quality bars for the shipped text models -------------------------------

SELF_BLEU_MARGIN = 0.10  # Self-BLEU-4 may exceed the real text's by at most this much
GPT_BLEU_RATIO = 0.75  # the GPT's test-BLEU-4 must reach this share of the real text's


def check_targets(family: str, record: dict, baseline: dict | None) -> list[dict]:
    """The bars of the text issue, as rows {metric, decoding, target, value, met}: under pure
    sampling, and at matched diversity where the record has it (against the baseline's
    figures under the same decoding)."""
    rows = _bar_rows(family, record["generated"], record["real_reference"],
                     baseline and baseline.get("generated"), baseline and baseline.get("model"), "pure sampling")
    matched = record.get("diversity_matched") or {}
    if matched.get("generated"):
        base = ((baseline or {}).get("diversity_matched") or {}).get("generated")
        rows += _bar_rows(family, matched["generated"], record["real_reference"], base,
                          baseline and baseline.get("model"), f"diversity-matched (T={matched['temperature']:g})")
    return rows


def _bar_rows(family: str, gen: dict, real: dict, base: dict | None, base_name: str | None, decoding: str) -> list[dict]:
    rows = [{"metric": "self_bleu_4", "decoding": decoding,
             "target": f"<= real + {SELF_BLEU_MARGIN} = {real['self_bleu_4'] + SELF_BLEU_MARGIN:.4f}",
             "value": gen["self_bleu_4"], "met": _le(gen["self_bleu_4"], real["self_bleu_4"] + SELF_BLEU_MARGIN)}]
    if family == "gpt":
        rows.append({"metric": "test_bleu_4", "decoding": decoding,
                     "target": f">= {GPT_BLEU_RATIO} x real = {GPT_BLEU_RATIO * real['test_bleu_4']:.4f}",
                     "value": gen["test_bleu_4"], "met": _le(GPT_BLEU_RATIO * real["test_bleu_4"], gen["test_bleu_4"])})
        if base:
            if "test_perplexity" in gen:  # perplexity does not depend on the decoding: checked once
                rows.append({"metric": "test_perplexity", "decoding": decoding,
                             "target": f"< {base_name} ({_num(base.get('test_perplexity'))})",
                             "value": gen["test_perplexity"], "met": _lt(gen["test_perplexity"], base.get("test_perplexity"))})
            rows.append({"metric": "test_bleu_4", "decoding": decoding,
                         "target": f"> {base_name} ({_num(base.get('test_bleu_4'))})",
                         "value": gen["test_bleu_4"], "met": _lt(base.get("test_bleu_4"), gen["test_bleu_4"])})
    return rows


def _valid(*xs) -> bool:
    return all(isinstance(x, (int, float)) and x == x for x in xs)


def _le(a, b) -> bool | None:
    return a <= b if _valid(a, b) else None


def _lt(a, b) -> bool | None:
    return a < b if _valid(a, b) else None


def _num(x) -> str:
    return f"{x:.4f}" if _valid(x) else "n/a"
