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

import re

from sacrebleu.metrics import BLEU

TOKENIZERS = ("auto", "13a", "zh", "intl", "char", "none")
MAX_LINES = 2000
MAX_CHARS = 200_000
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def pick_tokenizer(tokenize: str, texts: list[str]) -> str:
    if tokenize != "auto":
        return tokenize
    return "zh" if any(_CJK.search(t) for t in texts) else "13a"


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
