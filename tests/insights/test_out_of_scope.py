"""Out-of-scope: the threshold chosen on validation rows labelled `other`, per-task thresholds, and a threshold
change that re-labels on the next run."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.settings import InsightSettings, Settings
from insights.classify.classifiers import fit_head_classifier
from insights.classify.head import in_scope_and_recall, out_of_scope_threshold
from insights.classify.runner import classify_pending
from insights.classify.taxonomy import Label, Taxonomy
from insights.classify.training import train_and_save
from tests.conftest import FakeEmbedder
from tests.insights.conftest import COMPLAINT, QUESTION, store
from tests.insights.test_runner import by_kind

TOPICS = Taxonomy(
    task="intent",
    labels=[
        Label(name="delivery", description="parcel delivery and tracking"),
        Label(name="refund", description="money back for a return"),
        Label(name="billing", description="invoices and charges"),
    ],
)
WORDS = {
    "delivery": ["parcel", "courier", "tracking", "shipment", "arrive"],
    "refund": ["refund", "money", "return", "reimburse", "back"],
    "billing": ["invoice", "charged", "bill", "payment", "fee"],
    "other": ["weather", "football", "music", "holiday", "recipe", "garden", "movie", "traffic"],
}


def rows(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Texts of a few topic words and filler; `other` rows talk about anything else."""
    rng = random.Random(seed)
    filler = ["please", "hello", "today", "again", "quick", "question", "thanks", "my", "the", "about"]
    texts, labels = [], []
    for i in range(n):
        label = ("delivery", "refund", "billing", "other")[i % 4]
        words = rng.sample(WORDS[label], 2) + rng.sample(filler, 4)
        if label != "other" and rng.random() < 0.3:  # some in-scope rows borrow an off-topic word
            words.append(rng.choice(WORDS["other"]))
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


def test_the_threshold_catches_the_most_other_rows_the_in_scope_accuracy_allows() -> None:
    confidence = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    best = np.array(["a", "a", "b", "b", "a", "b", "a", "b"])
    truth = np.array(["a", "a", "b", "b", "other", "b", "other", "other"])
    # no threshold: in-scope 5/5 right; dropping below 0.4 would cost row 5 (0.4, right)
    assert out_of_scope_threshold(confidence, best, truth, "other", max_drop=0.0) == pytest.approx(0.4)
    assert in_scope_and_recall(confidence, best, truth, "other", 0.4) == (1.0, 2 / 3)
    # allowed to give up one in-scope row in five: the threshold rises past the 0.5 `other` row and catches it
    assert out_of_scope_threshold(confidence, best, truth, "other", max_drop=0.2) == pytest.approx(0.6)
    assert in_scope_and_recall(confidence, best, truth, "other", 0.6) == (0.8, 1.0)
    assert out_of_scope_threshold(confidence, best, np.array(["a"] * 8), "other", max_drop=0.1) == 0.0


def test_training_rows_with_other_choose_the_out_of_scope_rule(fake: FakeEmbedder) -> None:
    texts, labels = rows(240, seed=1)
    head = fit_head_classifier(TOPICS, texts, labels, fake).head
    assert head.tuning.rule == "out-of-scope" and head.tuning.other_rows >= 10
    assert head.tuning.other_recall is not None and head.tuning.in_scope_accuracy is not None
    without = [(t, y) for t, y in zip(texts, labels, strict=True) if y != "other"]
    precision = fit_head_classifier(TOPICS, [t for t, _ in without], [y for _, y in without], fake).head
    assert precision.tuning.rule == "precision" and precision.tuning.other_rows == 0


def test_the_training_report_says_when_out_of_scope_could_not_be_learned(fake: FakeEmbedder, tmp_path: Any) -> None:
    texts, labels = rows(240, seed=2)
    with_other = train_and_save(TOPICS, texts, labels, fake, tmp_path)
    summary = "\n".join(with_other.summary())
    assert "out-of-scope rule" in summary and "'other' recall" in summary and "note:" not in summary
    inside = [(t, y) for t, y in zip(texts, labels, strict=True) if y != "other"]
    without = train_and_save(TOPICS, [t for t, _ in inside], [y for _, y in inside], fake, tmp_path)
    assert without.fallback_rows == 0 and "precision rule" in "\n".join(without.summary())
    assert "0 training row(s) are labelled 'other'" in "\n".join(without.summary())


def test_per_task_thresholds_win_over_the_global_one() -> None:
    config = InsightSettings(threshold=0.3, thresholds={"intent": 0.7})
    assert config.threshold_for("intent") == 0.7 and config.threshold_for("sentiment") == 0.3
    assert InsightSettings().threshold_for("intent") is None


def test_the_threshold_is_part_of_the_version(fake: FakeEmbedder) -> None:
    a = fit_head_classifier(TOPICS, [], [], fake, threshold=0.2)
    b = fit_head_classifier(TOPICS, [], [], fake, threshold=0.6)
    assert a.version != b.version and a.version.endswith(":t0.2")


def test_changing_a_threshold_relabels_on_the_next_run_without_force(
    settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any
) -> None:
    store(sessions, [COMPLAINT, QUESTION])
    classify_pending(settings, sessions, analyzer=make_analyzer())
    assert by_kind(sessions, "C-ASK")["intent"][0].label != "other"
    assert classify_pending(settings, sessions, analyzer=make_analyzer()).classified == 0
    strict = classify_pending(settings, sessions, analyzer=make_analyzer(thresholds={"intent": 0.9999}))
    assert strict.classified == 2
    assert by_kind(sessions, "C-ASK")["intent"][0].label == "other"
    assert by_kind(sessions, "C-LEAK")["sentiment"][0].label != "other"  # other tasks keep their own threshold
