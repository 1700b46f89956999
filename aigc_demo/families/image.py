"""The image families (class-conditional Fashion-MNIST generators) and the inputs every image
pipeline shares. The pipelines themselves are in pipelines/image.py."""

from dataclasses import replace

from ..controls import Control
from ..data.fashion_mnist import CLASSES
from . import DESCRIBER, TRANSLATOR, Family, RankingMetric

ALL_CLASSES = "all classes"  # the mixed grid: images cycle through the ten classes
MAX_IMAGES = 64

# What every image request carries beside the family's own controls. A label may also be
# given as an index 0-9 or in any case (pipelines/image.parse_label).
LABEL = Control("label", ALL_CLASSES, choices=(ALL_CLASSES, *CLASSES), label="Class",
                help=f"a class name or 0-9, or '{ALL_CLASSES}' (the images cycle through the ten classes)")
N = Control("n", 16, 1, MAX_IMAGES, 1, "Number of images")
INTERPOLATION_STEPS = Control("steps", 10, 2, 16, 1, "Steps", "images along the path between the two seeds")

DCGAN = Family(
    "dcgan", "image", "aigc_demo.pipelines.image:DCGANPipeline",
    controls=(Control("truncation", 0.0, 0.0, 4.0, 0.05, "Truncation ψ (0 = off)",
                      "0: plain N(0, I) latents; ψ > 0 redraws every |z| > ψ"),),
    abilities=frozenset({"interpolate"}), summary="a class-conditional DCGAN")
VAE = Family(
    "vae", "image", "aigc_demo.pipelines.image:VAEPipeline",
    controls=(Control("temperature", 1.0, 0.0, 3.0, 0.05, "Temperature", "the spread of z: 0 gives each class's mean image"),),
    abilities=frozenset({"interpolate", "reconstruct"}), summary="a conditional VAE")
SAMPLING_STEPS = Control("steps", 25, 1, 1000, 1, "Sampling steps")
GUIDANCE = Control("guidance", 2.0, 0.0, 10.0, 0.1, "Guidance scale (1 = none)",
                   "classifier-free guidance: 0 unconditional, 1 plain conditional")
DIFFUSION = Family(
    "diffusion", "image", "aigc_demo.pipelines.image:DiffusionPipeline",
    controls=(SAMPLING_STEPS, GUIDANCE, Control("sampler", "ddim", choices=("ddim", "ancestral"), label="Sampler")),
    summary="a conditional diffusion model (DDPM training, DDIM or ancestral sampling)")
WGAN_GP = Family(
    "wgan_gp", "image", "aigc_demo.pipelines.image:WGANGPPipeline",
    controls=DCGAN.controls,  # the same generator and latent: the same truncation
    abilities=frozenset({"interpolate"}), summary="a class-conditional WGAN-GP (Wasserstein loss, gradient penalty)")
# Unpaired translation between two classes (Sneaker <-> Ankle boot); `direction` names the
# way: a_to_b, b_to_a (the domains are the checkpoint's), or auto (the classifier's verdict
# on the picture decides).
DIRECTION = Control("direction", "auto", choices=("auto", "a_to_b", "b_to_a"), label="Direction",
                    help="a_to_b, b_to_a, or auto: from the class the project's classifier sees in the picture")


def direction_labels(domain_a: int, domain_b: int) -> dict[str, str]:
    """{"a_to_b": "Sneaker → Ankle boot", "b_to_a": "Ankle boot → Sneaker"} of two classes."""
    a, b = CLASSES[domain_a], CLASSES[domain_b]
    return {"a_to_b": f"{a} → {b}", "b_to_a": f"{b} → {a}"}


CYCLEGAN = Family(
    "cyclegan", "image", "aigc_demo.pipelines.image:CycleGANPipeline", controls=(DIRECTION,), role=TRANSLATOR,
    abilities=frozenset({"translate"}), summary="a CycleGAN (two generators trained on unpaired pictures of two classes)")
# Image -> words: a caption of a picture in English, Chinese or both (the synthetic captions'
# language: data/captions.py), by greedy decoding and by beam search.
CAPTION_LANGUAGES = {"both": "English and Chinese", "en": "English", "zh": "Chinese"}
CAPTION_LANGUAGE = Control("language", "both", choices=tuple(CAPTION_LANGUAGES), label="Language",
                           help="en, zh, or both")
CAPTION_BEAMS = Control("num_beams", 3, 1, 8, 1, "Beams (1 = greedy only)",
                        "the beam search's width; the greedy caption is always written beside it")
CAPTIONER = Family(
    "captioner", "image", "aigc_demo.pipelines.captioner:CaptionerPipeline", controls=(CAPTION_LANGUAGE, CAPTION_BEAMS),
    role=DESCRIBER, abilities=frozenset({"describe"}),
    summary="a Show-Attend-and-Tell captioner (a CNN encoder and an attention GRU decoder), English and Chinese")
# Words -> picture: a prompt in English or Chinese, in the captions' closed vocabulary. The
# sampler's controls are the diffusion model's (the same DDIM steps and guidance scale, at a
# default of its own); the prompts are the request's own inputs, declared here once for the
# pipeline, UI and API; class guidance (composable) is its own.
MAX_PROMPT_CHARS = 120
PROMPT_EXAMPLES = ("a dark, wide coat", "a light, patterned T-shirt", "a picture of a slim dress", "a high sneaker",
                   "一件深色、宽的外套", "一双高帮的运动鞋", "一个浅色、带花纹的包")
CLASS_GUIDANCE = Control("class_guidance", 0.0, 0.0, 10.0, 0.1, "Class guidance (composable; 0 = off)",
                         "an extra guidance term towards the class named alone (\"a coat\"), beside the prompt's "
                         "(composable diffusion, Liu et al. 2022); where the prompt is the class alone (the class "
                         "picker) it simply adds to the guidance")
# Its default guidance was chosen on validation draws (the seen requests and the validation
# combinations, scripts/guidance_selection.py; README "The text-to-image model", held out twice).
PROMPT_GUIDANCE_DEFAULT = 4.0
TEXT_TO_IMAGE = Family(
    "text_to_image", "image", "aigc_demo.pipelines.text_to_image:TextToImagePipeline",
    controls=(SAMPLING_STEPS, replace(GUIDANCE, default=PROMPT_GUIDANCE_DEFAULT), CLASS_GUIDANCE),
    abilities=frozenset({"from_text"}),
    summary="a text-to-image diffusion model (a small text encoder and a cross-attention UNet; classifier-free "
            "guidance, DDIM), English and Chinese prompts")
FAMILIES = (DCGAN, VAE, DIFFUSION, WGAN_GP, CYCLEGAN, CAPTIONER, TEXT_TO_IMAGE)
# the controls of drawing from a description (the Image tab's section, /generate_image_from_text)
PROMPT_STEPS, PROMPT_GUIDANCE, PROMPT_CLASS_GUIDANCE = TEXT_TO_IMAGE.controls

# The arena shows humans' ranking of the image models beside this one (metrics/image.py).
RANKED_BY = RankingMetric("fid_fmnist", "FID-FMNIST", higher_is_better=False)
