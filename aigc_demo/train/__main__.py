"""python -m aigc_demo.train {image,text,audio,music} --model NAME [options]  (--help for each)"""

import argparse

from . import audio, image, music, text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m aigc_demo.train", description=__doc__)
    sub = parser.add_subparsers(dest="modality", required=True)
    image.add_arguments(sub.add_parser("image", help="Fashion-MNIST models (classifier, dcgan, vae, diffusion, wgan_gp, cyclegan, captioner, text_to_image)"))
    text.add_arguments(sub.add_parser("text", help="fortunes language models (gpt, lstm)"))
    audio.add_arguments(sub.add_parser("audio", help="spoken-digit models (classifier)"))
    music.add_arguments(sub.add_parser("music", help="folk-tune language model (folk_gpt), chorale model (bach_chorale)"))
    args = parser.parse_args(argv)
    {"image": image.main, "text": text.main, "audio": audio.main, "music": music.main}[args.modality](args)


if __name__ == "__main__":
    main()
