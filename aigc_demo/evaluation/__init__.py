"""Measuring models and data, for the evaluate command and for the app.

- records.py: what metrics.json holds, one builder per modality;
- live.py: measure a model now (generators that report progress), through the same builders,
  and the metric classifiers a checkpoints tree holds, loaded once per process;
- scoring.py: your own images, clips or texts scored as the models are; the BLEU calculator;
- copies.py: "is it copying?": fresh samples beside their nearest training data.

Everything here takes plain arguments and returns plain dicts; validation of what a user
sent happens here too, with `InputError` messages meant for them.
"""
