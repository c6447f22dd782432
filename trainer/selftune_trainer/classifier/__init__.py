"""Classifier fine-tuning: one head per target on the base model's backbone.

`recipe.py` plugs into the shared training loop (loop.py); `predict.py` loads a
trained classifier for serving.
"""
