"""A toy image family that lives in the tests folder: what a new family writes (a declaration
and a pipeline class; a model module and a training entry besides), with no edit under
aigc_demo/ui/ or to the registry. Its one control sets the gray level of every pixel, so
its effect can be read straight off the pictures."""

from dataclasses import replace

import torch

from aigc_demo.controls import Control
from aigc_demo.families import Family
from aigc_demo.pipelines.base import read_checkpoint
from aigc_demo.pipelines.image import ImagePipeline

BRIGHTNESS = Control("brightness", 0.5, 0.0, 1.0, 0.05, "Brightness", "the gray level of every pixel")
TOY = Family("toy", "image", "tests.families.toy_family:ToyPipeline", controls=(BRIGHTNESS,),
             summary="a toy: flat gray pictures")
# a second family with the same control at another default (as text-to-image's guidance is)
BRIGHT_TOY = Family("bright_toy", "image", "tests.families.toy_family:BrightToyPipeline",
                    controls=(replace(BRIGHTNESS, default=0.8),), summary="a toy: lighter flat gray pictures")


class ToyPipeline(ImagePipeline):
    family, controls = TOY.name, TOY.controls

    @classmethod
    def from_checkpoint(cls, folder, *, device: str = "cpu") -> "ToyPipeline":
        folder, config, weights, sha = read_checkpoint(folder, cls.family)
        model = torch.nn.Linear(1, 1, bias=False)
        model.load_state_dict(weights)
        return cls(model, name=folder.name, checkpoint_sha256=sha, device=device)

    def sample(self, labels, generator, **params):
        brightness = self.check_params(params)["brightness"]  # a control not given: its declared default
        return torch.full((len(labels), 1, 28, 28), 2 * brightness - 1)


class BrightToyPipeline(ToyPipeline):
    family, controls = BRIGHT_TOY.name, BRIGHT_TOY.controls


def write_checkpoint(folder, family: str = "toy") -> None:
    from aigc_demo import checkpoint as ckpt

    folder.mkdir(parents=True)
    ckpt.write_json(folder / ckpt.CONFIG_FILE, {"modality": "image", "family": family, "model": {}})
    ckpt.save_model_weights(folder, {"weight": torch.ones(1, 1)})
