"""The poet's checkpoints scored on the *validation* pairs (the test pairs stay for the
record): how the shipped weights were chosen between the best validation loss and the last
epoch (README, "The Seq2Seq poet").

    python -m aigc_demo.train text --model seq2seq --seed 0 --epochs 30 --keep best --out /tmp/poet-best
    python scripts/poet_selection.py /tmp/poet-best checkpoints/text/seq2seq
"""

import argparse
from pathlib import Path

from aigc_demo.data import poems
from aigc_demo.metrics.poetry import figures
from aigc_demo.registry import load_pipeline, read_entry


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folders", nargs="+", help="seq2seq checkpoint folders")
    p.add_argument("--corpus-dir")
    args = p.parse_args()
    pairs = poems.line_pairs(args.corpus_dir)
    training_lines = {s for pair in pairs["train"] for s in (pair.line, pair.next_line)}
    lines, references = [q.line for q in pairs["valid"]], [q.next_line for q in pairs["valid"]]
    print(f"{len(lines)} validation pairs")
    for folder in args.folders:
        pipe = load_pipeline(read_entry(Path(folder), "text"))
        for beams in (1, 4):
            f = figures(pipe.next_lines(lines, num_beams=beams), lines, references, training_lines)
            print(f"{folder} beams={beams}: " + ", ".join(f"{k} {v:.4f}" for k, v in f.items() if not k.endswith("_std")))


if __name__ == "__main__":
    main()
