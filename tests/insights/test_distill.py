"""Distillation: LLM labels of your own conversations train the heads; they accumulate, and your labels win."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from core.tables import LLMLabelRow
from insights.classify import llm_labels
from insights.classify.classifiers import Prediction
from insights.classify.config import heads_dir
from insights.classify.distill import distill, texts_for
from insights.classify.taxonomy import Taxonomy, load_taxonomy
from insights.classify.training import head_provenance, load_trained, train_and_save
from tests.conftest import FakeEmbedder
from tests.insights.conftest import LOST_DEAL, conversation, store

ANGRY = ["terrible service, I am furious", "this is awful and broken", "worst purchase ever, very angry"]
HAPPY = ["thank you so much, great help", "wonderful, it works perfectly now", "excellent support, very happy"]


class KeywordLabeler:
    """Stands in for the LLM labeler: negative for angry words, positive otherwise, 0.9 sure."""

    calls = 0

    def __init__(self, chat_model: Any, taxonomy: Taxonomy, **_: Any) -> None:
        self.taxonomy = taxonomy
        self.name = "llm-labels/fake"
        self.version = f"{taxonomy.version}:fake"

    def label(self, texts: Sequence[str]) -> list[Prediction]:
        KeywordLabeler.calls += len(texts)
        out = []
        for text in texts:
            bad = any(w in text for w in ("furious", "awful", "angry", "terrible"))
            label = "negative" if bad else "positive"
            out.append(Prediction(label, 0.9, label, {label: 0.9}, self.name, self.version))
        return out


@pytest.fixture
def fake_labeler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llm_labels, "LLMLabeler", KeywordLabeler)
    KeywordLabeler.calls = 0


def _corpus(n: int) -> list[Any]:
    texts = (ANGRY + HAPPY) * n
    return [conversation(f"C-{i}", [("customer", f"{t} #{i}"), ("agent", "ok")]) for i, t in enumerate(texts)]


def test_texts_follow_what_each_kind_reads() -> None:
    assert texts_for("loss_reason", LOST_DEAL) and texts_for("complaint_issue", LOST_DEAL) == []
    opening = conversation("X", [("customer", "hi"), ("customer", "my parcel has not arrived yet, where is it")])
    assert texts_for("intent", opening) == ["my parcel has not arrived yet, where is it"]


def test_llm_labels_train_a_distilled_head_and_accumulate(
    settings: Settings, sessions: sessionmaker[Session], fake_labeler: None
) -> None:
    store(sessions, _corpus(5))
    taxonomies = {"sentiment": load_taxonomy("sentiment")}
    embedder = FakeEmbedder()
    first = distill(settings, sessions, object(), embedder, taxonomies, sample=12)
    assert first.tasks["sentiment"].labelled == 12 and not first.tasks["sentiment"].trained  # < 20 labels
    second = distill(settings, sessions, object(), embedder, taxonomies, sample=12)
    assert second.tasks["sentiment"].labelled == 12 and second.tasks["sentiment"].trained  # the same 12 not again
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(LLMLabelRow)) == 24
    assert head_provenance(heads_dir(settings), "sentiment") == "llm"
    head = load_trained(heads_dir(settings), taxonomies["sentiment"], embedder)
    assert head is not None and head.version.startswith("distilled:")


def test_your_own_head_is_never_distilled_over(
    settings: Settings, sessions: sessionmaker[Session], fake_labeler: None
) -> None:
    store(sessions, _corpus(2))
    taxonomy = load_taxonomy("sentiment")
    embedder = FakeEmbedder()
    train_and_save(taxonomy, ANGRY + HAPPY, ["negative"] * 3 + ["positive"] * 3, embedder, heads_dir(settings))
    run = distill(settings, sessions, object(), embedder, {"sentiment": taxonomy}, sample=10)
    assert run.tasks["sentiment"].skipped and KeywordLabeler.calls == 0
    assert head_provenance(heads_dir(settings), "sentiment") == "user"


def test_the_budget_stops_labelling(settings: Settings, sessions: sessionmaker[Session], fake_labeler: None) -> None:
    store(sessions, _corpus(2))
    run = distill(
        settings,
        sessions,
        object(),
        FakeEmbedder(),
        {"sentiment": load_taxonomy("sentiment")},
        budget_s=0.0,
    )
    assert run.labelled == 0 and not run.budget_left
