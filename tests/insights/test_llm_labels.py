"""LLM labels: lettered options, the letter's probability as confidence, a shortlist for large taxonomies."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage

from insights.classify.classifiers import Prediction
from insights.classify.llm_labels import CONTENT_FREE, MAX_TEXT_CHARS, LLMLabeler
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


class BiasedChooser(FixedChooser):
    """Prefers option A by `bias` on content-free texts; on real texts returns `probs`."""

    def __init__(self, probs: Sequence[float], prior: Sequence[float]) -> None:
        super().__init__(probs)
        self.prior_probs = list(prior)

    def choose(self, messages: Sequence[BaseMessage], options: int) -> list[float]:
        text = str(messages[-1].content)
        if any(f"Text: {cf}\n" in text for cf in CONTENT_FREE):
            self.calls.append((list(messages), options))
            return self.prior_probs[:options]
        return super().choose(messages, options)


def test_calibration_divides_by_the_content_free_prior_once_per_option_set() -> None:
    taxonomy = taxonomy_from_labels("bench", ["accepted", "refused"])
    model = BiasedChooser([0.6, 0.4], prior=[0.8, 0.2])
    labeler = LLMLabeler(model, taxonomy, calibrate=True)
    first, second = labeler.label(["one", "two"])
    assert second.scores == first.scores
    # 0.6/0.8 = 0.75 against 0.4/0.2 = 2.0: refused, with 2.0/2.75
    assert (first.label, first.confidence) == ("refused", round(2.0 / 2.75, 4))
    assert first.scores == {"accepted": round(0.75 / 2.75, 4), "refused": round(2.0 / 2.75, 4)}
    assert len(model.calls) == 2 + len(CONTENT_FREE)  # the prior is asked for once
    assert labeler.version.endswith(":cal") and first.version == labeler.version


def test_calibrated_turns_raw_predictions_into_the_calibrated_ones() -> None:
    taxonomy = taxonomy_from_labels("bench", ["accepted", "refused"])
    model = BiasedChooser([0.6, 0.4], prior=[0.8, 0.2])
    raw_labeler = LLMLabeler(model, taxonomy)
    (raw,) = raw_labeler.label(["one"])
    assert raw.label == "accepted" and not raw_labeler.version.endswith(":cal")
    (cal,) = raw_labeler.calibrated([raw])
    assert cal.label == "refused" and cal.version == f"{raw_labeler.version}:cal"


def test_a_narrowed_taxonomy_is_never_calibrated() -> None:
    taxonomy = _many(10)
    model = BiasedChooser([0.1, 0.2, 0.7], prior=[0.9, 0.05, 0.05])
    labeler = LLMLabeler(model, taxonomy, shortlist=FixedShortlist(taxonomy, {"topic_5": 0.9}), k=2, calibrate=True)
    (p,) = labeler.label(["a"])
    assert not labeler.calibrate and labeler.version.endswith(":k2") and p.confidence == 0.7
    assert len(model.calls) == 1


@pytest.mark.integration
def test_the_packaged_small_model_gives_valid_sentiment_labels(model_cache: Path) -> None:
    from core.ml.llama import LlamaChatModel

    sentiment = load_taxonomy("sentiment")
    model = LlamaChatModel(packaged="qwen2.5-0.5b", cache_dir=model_cache, threads=1, batch_threads=1)
    labeler = LLMLabeler(model, sentiment, calibrate=True)
    texts = ["太好了，非常感谢，问题终于解决了！", "This is terrible, I am furious, nothing works."]
    predictions = labeler.label(texts)
    assert all(p.label in sentiment.names and 0 < p.confidence <= 1 for p in predictions)
    assert labeler.name == "llm-labels/qwen2.5-0.5b"
