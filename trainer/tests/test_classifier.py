"""Classifier fine-tuning on selftune-tiny: two targets, learnable sentiment, saved model serves scores."""
import random

import pytest

from conftest import of, run_inprocess, write_jsonl
from selftune_trainer.classifier.predict import classify_batch, load_classifier
from selftune_trainer.errors import TrainerError
from selftune_trainer.spec import TrainSpec

GOOD = ["great", "wonderful", "lovely", "excellent", "superb", "happy"]
BAD = ["awful", "terrible", "horrible", "dreadful", "sad", "bad"]
THINGS = ["the food", "this film", "our trip", "the hotel", "that song", "my day"]
TOPICS = {"the food": "food", "the hotel": "travel", "our trip": "travel", "this film": "media", "that song": "media", "my day": "life"}


def sentiment_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        positive = rng.random() < 0.5
        thing = rng.choice(THINGS)
        word = rng.choice(GOOD if positive else BAD)
        rows.append({"text": f"{thing} was {word}", "labels": {"sentiment": "positive" if positive else "negative",
                                                                 "topic": [TOPICS[thing]]}})
    return rows


TARGETS = [
    {"name": "sentiment", "labels": ["negative", "positive"], "weight": 1.0, "loss_function": "single_class"},
    {"name": "topic", "labels": ["food", "life", "media", "travel"], "weight": 0.5, "loss_function": "multi_class"},
]


def classifier_spec(tiny_model, tmp_path, **overrides):
    out = tmp_path / "clf"
    out.mkdir(exist_ok=True)
    spec = {
        "job_id": "clf", "base_model_path": tiny_model, "output_dir": str(out), "task": "classifier",
        "classifier_targets": TARGETS,
        "training_files": [{"path": write_jsonl(tmp_path / "train.jsonl", sentiment_rows(96, 1)), "weight": 1.0}],
        "validation_files": [{"path": write_jsonl(tmp_path / "valid.jsonl", sentiment_rows(24, 2))}],
        "n_epochs": 4, "batch_size": 8, "learning_rate_multiplier": 1.0, "seed": 3,
    }
    spec.update(overrides)
    return spec


def test_classifier_learns_sentiment_and_serves_every_label(tiny_model, tmp_path):
    code, events = run_inprocess(classifier_spec(tiny_model, tmp_path))
    assert code == 0, [e for e in events if e["event"] in ("failed", "log")]
    checkpoints = of(events, "checkpoint")
    assert len(checkpoints) == 4 and all("full_valid_loss" in c["metrics"] for c in checkpoints)
    steps = of(events, "step")
    assert steps[-1]["train_loss"] < steps[0]["train_loss"]
    clf = load_classifier(events[-1]["path"], "cpu")
    held_out = sentiment_rows(40, 9)
    results = classify_batch(clf, [{"text": r["text"]} for r in held_out])
    hits = sum(max(res["sentiment"], key=res["sentiment"].get) == r["labels"]["sentiment"] for res, r in zip(results, held_out))
    assert hits / len(held_out) >= 0.8, hits
    assert set(results[0]) == {"sentiment", "topic"} and set(results[0]["topic"]) == {"food", "life", "media", "travel"}
    assert abs(sum(results[0]["sentiment"].values()) - 1) < 1e-5
    chat = classify_batch(clf, [{"messages": [{"role": "user", "content": "the food was great"}]}])
    assert set(chat[0]["sentiment"]) == {"negative", "positive"}



def test_classifier_spec_needs_targets(tiny_model, tmp_path):
    with pytest.raises(TrainerError, match="classifier_targets"):
        TrainSpec(**classifier_spec(tiny_model, tmp_path, classifier_targets=[]))


def test_unknown_label_is_an_error_naming_the_line(tiny_model, tmp_path):
    rows = sentiment_rows(12, 1) + [{"text": "meh", "labels": {"sentiment": "neutral"}}]
    spec = classifier_spec(tiny_model, tmp_path, training_files=[{"path": write_jsonl(tmp_path / "bad.jsonl", rows), "weight": 1.0}])
    with pytest.raises(TrainerError, match="line 13: label 'neutral'"):
        run_inprocess(spec)


def test_lora_classifier_is_served_on_the_base_given_not_the_path_it_was_trained_on(tiny_model, tmp_path):
    # The training machine's base path (a Ray node's work folder, another replica's data directory)
    # is gone where the model is served; the server names its own copy of the base.
    import shutil

    trained_on = tmp_path / "node-base"
    shutil.copytree(tiny_model, trained_on)
    code, events = run_inprocess(classifier_spec(str(trained_on), tmp_path, training_mode="lora", n_epochs=1))
    assert code == 0, [e for e in events if e["event"] in ("failed", "log")]
    shutil.rmtree(trained_on)
    with pytest.raises(Exception):
        load_classifier(events[-1]["path"], "cpu")
    clf = load_classifier(events[-1]["path"], "cpu", base_path=tiny_model)
    scores = classify_batch(clf, [{"text": "the food was great"}])[0]
    assert set(scores) == {"sentiment", "topic"} and abs(sum(scores["sentiment"].values()) - 1) < 1e-5
