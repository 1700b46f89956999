"""AIGC Studio: small generative models trained by this project, shown, measured and compared."""

__version__ = "0.1.0"
