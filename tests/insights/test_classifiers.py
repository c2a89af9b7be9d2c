"""Embedding-head classifiers: zero-shot from the taxonomy, trained from a CSV, `other` below the threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.errors import InvalidInput
from ingest.masking import mask_text
from insights.classify.classifiers import Classifier, HeadClassifier, fit_head_classifier, zero_shot_classifier
from insights.classify.files import read_text_file
from insights.classify.head import HybridHead, stratified_holdout, tune_threshold
from insights.classify.taxonomy import Label, Taxonomy, load_taxonomy
from insights.classify.training import load_trained, train_and_save
from tests.conftest import FakeEmbedder

TINY = Taxonomy(
    task="intent",
    labels=[
        Label(name="delivery", description="parcel delivery and tracking",
              examples={"en": ["where is my parcel", "tracking not updated", "courier never came"],
                        "zh": ["快递还没到", "物流不更新"]}),
        Label(name="refund", description="money back for a return",
              examples={"en": ["I want my money back", "refund my order please", "return and refund"],
                        "zh": ["我要退款", "退货退款"]}),
    ],
)  # fmt: skip


def test_zero_shot_learns_from_descriptions_and_examples(fake: FakeEmbedder) -> None:
    classifier = zero_shot_classifier(TINY, fake)
    assert isinstance(classifier, Classifier)
    assert not classifier.trained and classifier.version.startswith("zero-shot:")
    preds = classifier.classify(["where is my parcel", "我要退款"])
    assert [p.best for p in preds] == ["delivery", "refund"]
    assert all(0.0 <= p.confidence <= 1.0 and abs(sum(p.scores.values()) - 1) < 1e-6 for p in preds)


def test_below_the_threshold_the_label_is_other(fake: FakeEmbedder) -> None:
    confident = zero_shot_classifier(TINY, fake, threshold=0.0).classify(["where is my parcel"])[0]
    assert confident.label == "delivery"
    strict = zero_shot_classifier(TINY, fake, threshold=0.999).classify(["where is my parcel"])[0]
    assert strict.label == "other" and strict.best == "delivery"
    assert strict.confidence == confident.confidence


def test_threshold_is_tuned_for_the_target_precision() -> None:
    confidence = np.array([0.95, 0.9, 0.8, 0.6, 0.5, 0.3])
    correct = np.array([True, True, True, False, True, False])
    assert tune_threshold(confidence, correct, 0.75) == 0.5  # keeps 4 of 5 right above 0.5
    assert tune_threshold(confidence, correct, 1.0) == 0.8
    assert tune_threshold(confidence, np.ones(6, dtype=bool), 0.9) == 0.0  # all right: keep all
    assert tune_threshold(confidence, np.zeros(6, dtype=bool), 0.5) > 0.95  # nothing reaches it


def test_validation_split_is_stratified_and_keeps_singletons_in_training() -> None:
    labels = ["a"] * 10 + ["b"] * 5 + ["c"]
    train, val = stratified_holdout(labels)
    assert sorted(train + val) == list(range(16))
    assert sum(labels[i] == "a" for i in val) == 2 and sum(labels[i] == "b" for i in val) == 1
    assert 15 in train


def test_head_needs_two_labels_and_matching_lengths() -> None:
    with pytest.raises(InvalidInput, match="two labels"):
        HybridHead.fit(["a", "b"], ["x", "x"], None)
    with pytest.raises(InvalidInput, match="same length"):
        HybridHead.fit(["a", "b"], ["x"], None)


def test_head_without_embeddings_is_tfidf_only() -> None:
    head = HybridHead.fit(["refund please", "money back", "where is it", "tracking"], ["r", "r", "d", "d"], None)
    assert not head.dense
    assert head.predict_proba(["refund"], None).shape == (1, 2)


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def test_train_from_csv_save_and_load_with_taxonomy_version(tmp_path: Path, fake: FakeEmbedder) -> None:
    taxonomy = load_taxonomy("intent")
    rows = [(f"where is parcel {i}", "delivery") for i in range(12)] + [
        (f"please refund order {i}", "Return-Refund") for i in range(12)
    ]
    read = read_text_file(_csv(tmp_path / "train.csv", rows), mask_text, label_column="label", taxonomy=taxonomy)
    texts, labels = [r.text for r in read.rows], [r.label or "" for r in read.rows]
    assert set(labels) == {"delivery", "return_refund"}  # labels are normalised
    report = train_and_save(taxonomy, texts, labels, fake, tmp_path / "heads")
    assert report.rows == 24 and report.taxonomy_version == taxonomy.version
    loaded = load_trained(tmp_path / "heads", taxonomy, fake)
    assert isinstance(loaded, HeadClassifier) and loaded.trained
    assert loaded.version == report.version
    assert loaded.classify(["where is parcel 99"])[0].best == "delivery"
    # another embedder, or other labels, and the saved head is not used
    other = FakeEmbedder()
    other.name = "other"
    assert load_trained(tmp_path / "heads", taxonomy, other) is None
    renamed = taxonomy.model_copy(update={"labels": [*taxonomy.labels[:-1]], "fallback": "none_of_these"})
    assert load_trained(tmp_path / "heads", renamed, fake) is None


def test_unknown_labels_in_training_data_are_an_error(tmp_path: Path) -> None:
    path = _csv(tmp_path / "bad.csv", [("hello", "greeting"), ("hi", "greeting"), ("where", "delivery")])
    intent = load_taxonomy("intent")
    with pytest.raises(InvalidInput, match="'greeting' \\(2\\)") as err:
        read_text_file(path, mask_text, label_column="label", taxonomy=intent)
    assert "CXLOOP_INSIGHTS__TAXONOMY_DIR" in err.value.message and intent.source in err.value.message
    with pytest.raises(InvalidInput, match="missing column"):
        read_text_file(path, mask_text, label_column="category", taxonomy=intent)


def test_fit_adds_the_taxonomy_examples_to_the_rows(fake: FakeEmbedder) -> None:
    classifier = fit_head_classifier(TINY, ["parcel lost in transit"], ["delivery"], fake)
    assert classifier.trained
    assert classifier.classify(["快递还没到"])[0].best == "delivery"


def test_caching_embedder_survives_its_cache_filling_up(fake: FakeEmbedder) -> None:
    from insights.classify.classifiers import CachingEmbedder

    cache = CachingEmbedder(fake, max_items=3)
    first = cache.embed(["a", "b"])
    # "a" is cached, "c" and "d" are not: the cache overflows and is cleared mid-call
    again = cache.embed(["a", "c", "d"])
    assert again.shape == (3, fake.dim)
    assert np.allclose(again[0], first[0])
