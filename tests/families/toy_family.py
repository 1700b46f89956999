"""A toy image family that lives in the tests folder: what a new family writes (a declaration
and a pipeline class; a model module and a training entry besides), with no edit under
aigc_demo/ui/ or to the registry. Its one control sets the gray level of every pixel, so
its effect can be read straight off the pictures."""

import torch

from aigc_demo.controls import Control
from aigc_demo.families import Family
from aigc_demo.pipelines.base import read_checkpoint
from aigc_demo.pipelines.image import ImagePipeline

TOY = Family("toy", "image", "tests.families.toy_family:ToyPipeline",
             controls=(Control("brightness", 0.5, 0.0, 1.0, 0.05, "Brightness", "the gray level of every pixel"),),
             summary="a toy: flat gray pictures")


class ToyPipeline(ImagePipeline):
    family, controls = TOY.name, TOY.controls

    @classmethod
    def from_checkpoint(cls, folder, *, device: str = "cpu") -> "ToyPipeline":
        folder, config, weights, sha = read_checkpoint(folder, cls.family)
        model = torch.nn.Linear(1, 1, bias=False)
        model.load_state_dict(weights)
        return cls(model, name=folder.name, checkpoint_sha256=sha, device=device)

    def sample(self, labels, generator, brightness=0.5):
        return torch.full((len(labels), 1, 28, 28), 2 * brightness - 1)


def write_checkpoint(folder) -> None:
    from aigc_demo import checkpoint as ckpt

    folder.mkdir(parents=True)
    ckpt.write_json(folder / ckpt.CONFIG_FILE, {"modality": "image", "family": "toy", "model": {}})
    ckpt.save_model_weights(folder, {"weight": torch.ones(1, 1)})
