"""A quick look at vocoders' copy synthesis on a few held-out clips, for use while one trains:
STOI, PESQ-WB and voiced share against the originals (metrics/speech.py), Griffin-Lim's beside.

The evaluate command's record scores 1,000 clips and listens to them with PocketSphinx (many
minutes); this scores n clips of the same pick in a minute or two, so a run can be followed
(its state.pt, saved every --save-every steps) without exporting it.

    python scripts/vocoder_check.py ~/aigc-runs/istft-out/audio/istft_wavenet ~/aigc-runs/adv-run --n 100

Each argument is an istft_wavenet checkpoint folder, or a run folder holding state.pt (the
network built with the default config but for its width and band count: those the run pinned,
else --width and --mel-bands). Each vocoder reads log-mels of its own band count, beside
Griffin-Lim from the same bands.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from aigc_demo.audio import LogMel  # noqa: E402
from aigc_demo.evaluation.records import held_out_clips, held_out_pick, torch_generator  # noqa: E402
from aigc_demo.metrics import speech  # noqa: E402
from aigc_demo.pipelines.audio import GriffinLim, ISTFTWaveNetVocoder  # noqa: E402


def vocoder(path: Path, width: int, mel_bands: int):
    if (path / "state.pt").is_file():
        from aigc_demo.models.istft_wavenet import ISTFTWaveNet, ISTFTWaveNetConfig
        from aigc_demo.train.common import load_state

        state = load_state(path / "state.pt")
        pinned = state.get("pinned", {})
        model = ISTFTWaveNet(ISTFTWaveNetConfig(channels=pinned.get("width", width),
                                                n_mels=pinned.get("mel_bands", mel_bands)))
        model.load_state_dict(state["modules"]["model"])
        return ISTFTWaveNetVocoder(model, name=f"{path.name} (step {state['step']})", checkpoint_sha256="")
    return ISTFTWaveNetVocoder.from_checkpoint(path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("vocoders", nargs="+", type=Path, help="checkpoint folders or run folders (state.pt)")
    p.add_argument("--n", type=int, default=100, help="digit-balanced held-out clips (default 100)")
    p.add_argument("--width", type=int, default=128, help="the run's --width, for a run folder that did not pin it")
    p.add_argument("--mel-bands", type=int, default=64, help="the run's --mel-bands, likewise")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    # the evaluate command's pick of held-out clips, so the figures sit beside the records'
    clips, _ = held_out_pick(held_out_clips(), args.n, torch_generator(args.seed))
    real = clips.numpy()
    vocoders = [vocoder(path, args.width, args.mel_bands) for path in args.vocoders]
    bands = sorted({v.n_mels for v in vocoders})
    print(f"{args.n} held-out clips; real voiced share {speech.voiced_share(real):.3f}")
    print("| vocoder | mel bands | voiced share | STOI | PESQ-WB |\n|---|---|---|---|---|")
    for voc, b in [(GriffinLim(), b) for b in bands] + [(v, v.n_mels) for v in vocoders]:
        mels = LogMel(b)(clips)
        made = torch.cat([voc.vocode(mels[i:i + 50]) for i in range(0, len(mels), 50)]).numpy()
        q = speech.copy_quality(real, made)
        print(f"| {voc.name} | {b} | {speech.voiced_share(made):.3f} | {q['stoi']:.3f} | {q['pesq_wb']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
