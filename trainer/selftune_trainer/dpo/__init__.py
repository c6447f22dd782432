"""Preference fine-tuning (DPO): pairs of a preferred and a non-preferred answer to one prompt.

`data.py` encodes the pairs, `loss.py` holds the DPO objective and the answer
log-probabilities it compares, `recipe.py` plugs them into the shared training loop (loop.py).
"""
