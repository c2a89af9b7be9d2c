"""LLM labels: lettered options, the letter's probability as confidence, a shortlist for large taxonomies."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage

from insights.classify.classifiers import Prediction
from insights.classify.llm_labels import MAX_TEXT_CHARS, LLMLabeler
from insights.classify.taxonomy import Label, Taxonomy, load_taxonomy, taxonomy_from_labels


class FixedChooser:
    """Returns fixed probabilities (the first `options` of them, renormalised) and records every prompt."""

    model_name = "fixed"

    def __init__(self, probs: Sequence[float]) -> None:
        self.probs = list(probs)
        self.calls: list[tuple[list[BaseMessage], int]] = []

    def choose(self, messages: Sequence[BaseMessage], options: int) -> list[float]:
        self.calls.append((list(messages), options))
        head = self.probs[:options]
        return [p / sum(head) for p in head]


class FixedShortlist:
    """A shortlist classifier with the same scores for every text."""

    name = "fixed-shortlist"
    version = "1"

    def __init__(self, taxonomy: Taxonomy, scores: dict[str, float]) -> None:
        self.taxonomy = taxonomy
        self.scores = scores

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        best = max(self.scores, key=lambda k: self.scores[k])
        return [Prediction(best, self.scores[best], best, dict(self.scores)) for _ in texts]


def _many(n: int) -> Taxonomy:
    labels = [Label(name=f"topic_{i}", description=f"About topic number {i}.") for i in range(n)]
    return Taxonomy(task="intent", labels=[*labels, Label(name="other", description="Nothing above fits.")])


def test_label_and_confidence_come_from_the_chosen_letter() -> None:
    sentiment = load_taxonomy("sentiment")  # negative, neutral (the fallback), positive
    model = FixedChooser([0.1, 0.2, 0.7])
    labeler = LLMLabeler(model, sentiment)
    (p,) = labeler.label(["x" * 2000])
    system, user = (str(m.content) for m in model.calls[0][0])
    # the fallback is listed, so it is an option, and the last one
    assert "A. negative:" in system and "B. positive:" in system and "C. neutral:" in system
    assert model.calls[0][1] == 3
    assert (p.label, p.best, p.confidence) == ("neutral", "neutral", 0.7)
    assert p.scores == {"negative": 0.1, "positive": 0.2, "neutral": 0.7}
    assert (p.model, labeler.name) == ("llm-labels/fixed", "llm-labels/fixed")
    assert p.version == labeler.version and labeler.version.startswith(sentiment.version)
    assert "x" * MAX_TEXT_CHARS in user and "x" * (MAX_TEXT_CHARS + 1) not in user


def test_system_prompt_is_the_same_for_every_text_of_a_small_taxonomy() -> None:
    model = FixedChooser([0.6, 0.3, 0.1])
    LLMLabeler(model, load_taxonomy("sentiment")).label(["good", "bad"])
    assert model.calls[0][0][0].content == model.calls[1][0][0].content
    assert model.calls[0][0][1].content != model.calls[1][0][1].content


def test_an_unlisted_fallback_is_no_option() -> None:
    taxonomy = taxonomy_from_labels("bench", ["accepted", "refused"])  # fallback `other`, not listed
    model = FixedChooser([0.3, 0.7])
    (p,) = LLMLabeler(model, taxonomy).label(["text"])
    assert model.calls[0][1] == 2 and "other" not in str(model.calls[0][0][0].content)
    assert (p.label, p.confidence) == ("refused", 0.7)


def test_shortlist_narrows_a_large_taxonomy_to_k_plus_the_fallback() -> None:
    taxonomy = _many(12)
    scores = {f"topic_{i}": 0.01 for i in range(12)} | {"topic_9": 0.5, "topic_2": 0.3, "topic_7": 0.1}
    model = FixedChooser([0.1, 0.2, 0.6, 0.1])
    labeler = LLMLabeler(model, taxonomy, shortlist=FixedShortlist(taxonomy, scores), k=3)
    (p,) = labeler.label(["my text"])
    system = str(model.calls[0][0][0].content)
    assert model.calls[0][1] == 4  # the top 3, in taxonomy order, then the fallback
    assert "A. topic 2:" in system and "B. topic 7:" in system and "C. topic 9:" in system and "D. other:" in system
    assert "topic 0" not in system
    assert (p.label, p.confidence) == ("topic_9", 0.6)
    assert set(p.scores) == {"topic_2", "topic_7", "topic_9", "other"}
    assert labeler.version.endswith(":k3")


def test_a_shortlist_missing_scores_still_gives_k_options_with_its_best_first() -> None:
    taxonomy = _many(10)
    model = FixedChooser([0.25] * 4)
    labeler = LLMLabeler(model, taxonomy, shortlist=FixedShortlist(taxonomy, {"topic_5": 0.9}), k=3)
    options = labeler.options(["a"])[0]
    assert len(options) == 4 and "topic_5" in {o.name for o in options} and options[-1].name == "other"


def test_without_a_shortlist_a_large_taxonomy_is_narrowed_by_tfidf() -> None:
    taxonomy = _many(10)
    labeler = LLMLabeler(FixedChooser([0.5, 0.5, 0.5]), taxonomy, k=2)
    assert [len(o) for o in labeler.options(["about topic number 3", "number 8"])] == [3, 3]


@pytest.mark.integration
def test_the_packaged_small_model_gives_valid_sentiment_labels(model_cache: Path) -> None:
    from core.ml.llama import LlamaChatModel

    sentiment = load_taxonomy("sentiment")
    model = LlamaChatModel(packaged="qwen2.5-0.5b", cache_dir=model_cache, threads=1, batch_threads=1)
    labeler = LLMLabeler(model, sentiment)
    texts = ["太好了，非常感谢，问题终于解决了！", "This is terrible, I am furious, nothing works."]
    predictions = labeler.label(texts)
    assert all(p.label in sentiment.names and 0 < p.confidence <= 1 for p in predictions)
    assert labeler.name == "llm-labels/qwen2.5-0.5b"
