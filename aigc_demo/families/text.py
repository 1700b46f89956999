"""The text families (causal language models; hub models use the same pipeline) and their
decoding controls. The pipeline is in pipelines/text.py."""

from ..controls import Control, InputError
from ..data.poems import is_han
from . import TRANSLATOR, Family, RankingMetric

MAX_PROMPT_CHARS = 4000
EXAMPLE_HUB_ID = "distilbert/distilgpt2"

DECODING = (
    Control("max_new_tokens", 64, 1, 512, 1, "Max new tokens"),
    Control("temperature", 0.8, 0.0, 5.0, 0.05, "Temperature (0 = greedy)"),
    Control("top_k", 50, 0, 1000, 1, "Top-k (0 = off)"),
    Control("top_p", 0.95, 0.0, 1.0, 0.01, "Top-p", "above 0; 1 keeps every token"),
    Control("num_beams", 1, 1, 8, 1, "Beams (>1: beam search)"),
    Control("repetition_penalty", 1.1, 1.0, 3.0, 0.05, "Repetition penalty"),
)
# Named settings for the UI; every value is also an ordinary API parameter.
PRESETS = {
    "precise": dict(temperature=0.0, top_k=0, top_p=1.0, num_beams=4, repetition_penalty=1.2),
    "balanced": dict(temperature=0.8, top_k=50, top_p=0.95, num_beams=1, repetition_penalty=1.1),
    "creative": dict(temperature=1.1, top_k=0, top_p=0.98, num_beams=1, repetition_penalty=1.0),
}

GPT = Family("gpt", "text", "aigc_demo.pipelines.text:TextPipeline", controls=DECODING,
             summary="a GPT-2-architecture transformer (transformers' GPT2LMHeadModel)")
LSTM = Family("lstm", "text", "aigc_demo.pipelines.text:TextPipeline", controls=DECODING,
              summary="an LSTM language model (the baseline)")
MAX_POEM_LINE_CHARS = 16
# The poet: a line of a classical Chinese poem in, the next line out (not a language model:
# it is not among the Text tab's generators, nor in the arena).
POET_DECODING = (
    Control("num_beams", 4, 1, 8, 1, "Beams (1 = greedy)"),
    Control("temperature", 0.0, 0.0, 2.0, 0.05, "Temperature (0 = the most likely line; > 0 samples one, seeded)"),
    Control("no_repeat_ngram_size", 2, 0, 4, 1, "No repeated n-grams (0 = off)",
            "no n characters in a row twice in one line"),
)
SEQ2SEQ = Family("seq2seq", "text", "aigc_demo.pipelines.poet:PoetPipeline", controls=POET_DECODING, role=TRANSLATOR,
                 abilities=frozenset({"next_line"}), summary="a Seq2Seq GRU encoder-decoder with Bahdanau attention")
FAMILIES = (GPT, LSTM, SEQ2SEQ)


def check_poem_line(line) -> str:
    """One line of a Chinese poem: 1-16 Chinese characters, the punctuation around it dropped."""

    if not isinstance(line, str) or not line.strip():
        raise InputError("The line is empty: type one line of a classical Chinese poem, e.g. 床前明月光.")
    text = line.strip().strip("，。？！；：,.?!;:、 ")
    if len(text) > MAX_POEM_LINE_CHARS:
        raise InputError(f"A line has at most {MAX_POEM_LINE_CHARS} characters; this one has {len(text)}. "
                         "Type one line (five or seven characters), not a whole poem.")
    if not is_han(text):
        raise InputError(f"Only Chinese characters make a line of a classical poem, not {line!r:.40}: e.g. 床前明月光.")
    return text

# Prompts to start from, in both languages the models learnt (the tab's examples, the arena's
# and the showcase's prompts).
EXAMPLE_PROMPTS = (
    "A friend is someone who",
    "The trouble with computers is",
    "Love is",
    "Q: Why did the programmer quit his job?\nA:",
    "春眠不觉晓，",
    "人生",
    "《静夜思》\n作者：李白\n",
)
# The arena shows humans' ranking of the language models beside this one (metrics/text.py).
RANKED_BY = RankingMetric("test_bleu_4", "test-BLEU-4", higher_is_better=True)


def check_prompt(prompt) -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        raise InputError("The prompt is empty: type a few words for the model to continue.")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InputError(f"The prompt is {len(prompt):,} characters; at most {MAX_PROMPT_CHARS:,}, please.")
    return prompt
