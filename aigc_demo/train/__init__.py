"""Training scripts, one per modality: `python -m aigc_demo.train <modality> --model ...`."""
