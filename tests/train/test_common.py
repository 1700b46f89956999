import argparse

import pytest

from aigc_demo.train import audio, image
from aigc_demo.train.common import MODEL_OPTIONS, cli_args

# options a model's help names it for that do not change what it learns (or that the command
# records apart: --init), so its recorded command may leave them out
NOT_LEARNED = {"eval_steps", "init"}


@pytest.mark.parametrize("module", [image, audio])
def test_every_option_that_changes_what_a_model_learns_is_in_its_recorded_command(module):
    """A model's own options (their help starts "<model>:") reach the command its card records,
    so that command alone reproduces the run (a --cycle-noise run once recorded a plain one)."""
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    for action in parser._actions:
        owner = (action.help or "").split(":")[0]
        if owner in MODEL_OPTIONS and action.dest not in NOT_LEARNED:
            assert action.dest in MODEL_OPTIONS[owner], f"--{action.dest} of {owner} is not in MODEL_OPTIONS"


def test_a_cyclegan_command_records_its_noise():
    parser = argparse.ArgumentParser()
    image.add_arguments(parser)
    args = image.resolve(parser.parse_args(["--model", "cyclegan", "--cycle-noise", "0.1"]))
    assert "--cycle-noise 0.1" in cli_args(args)


@pytest.mark.parametrize("noise", ["-0.1", "nan"])
def test_the_cyclegan_noise_is_checked_before_any_work(noise):
    parser = argparse.ArgumentParser()
    image.add_arguments(parser)
    with pytest.raises(SystemExit, match="a standard deviation, a number >= 0"):
        image.resolve(parser.parse_args(["--model", "cyclegan", "--cycle-noise", noise]))
