"""LLM labels: a chat model picks one lettered option per text, and the letter's probability is the confidence.

One forward pass per text (`choose`: no generated text, so no parsing and no invalid answers). The system prompt
lists the options and the text comes last, so llama.cpp reuses the processed prompt prefix from one text to the
next. A taxonomy with more than `k` labels is narrowed per text to the shortlist classifier's `k` best labels
(then the prefix differs per text); the fallback is an option whenever the taxonomy lists it.

Calibration (`calibrate=True`, "calibrate before use", Zhao et al. 2021): a small model prefers some letters whatever
the text says. Its letter probabilities for a few content-free texts (`CONTENT_FREE`) estimate that bias once per
option set; each text's probabilities are divided by it and renormalised. Only for a fixed option set (a narrowed
taxonomy's options change per text, and a prior per text would triple the cost).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from core.ml.llama import LETTERS  # the letters `choose` reads
from insights.classify.classifiers import Classifier, Prediction, zero_shot_classifier
from insights.classify.taxonomy import Label, Taxonomy

PROMPT_VERSION = "c1"
CONTENT_FREE = ("N/A", "", "[MASK]")  # texts that say nothing: what the model answers to them is its bias
MAX_TEXT_CHARS = 600
MAX_DESCRIPTION_CHARS = 160


class ChoosingModel(Protocol):
    def choose(self, messages: Sequence[BaseMessage], options: int) -> list[float]:
        """Probabilities of the letters A.. for `options` lettered choices."""
        ...


def short(description: str) -> str:
    """The first sentence of a description, at most MAX_DESCRIPTION_CHARS."""
    first = re.split(r"(?<=[.!?。！？])\s", description.strip(), maxsplit=1)[0]
    return first if len(first) <= MAX_DESCRIPTION_CHARS else first[: MAX_DESCRIPTION_CHARS - 1] + "…"


def system_prompt(task: str, options: Sequence[Label]) -> str:
    lines = [
        f"{LETTERS[i]}. {label.name.replace('_', ' ')}: {short(label.description)}" for i, label in enumerate(options)
    ]
    return (
        f"You label the {task.replace('_', ' ')} of one customer-service text (it may be Chinese or English).\n"
        "Options:\n" + "\n".join(lines) + "\n"
        "Answer with the letter of the one option that fits best, and nothing else."
    )


def user_prompt(text: str) -> str:
    return f"Text: {text.strip()[:MAX_TEXT_CHARS]}\nAnswer (one letter):"


class LLMLabeler:
    """Labels texts with a chat model's `choose`; `classify` is `label`, so it is a `Classifier` too."""

    def __init__(
        self,
        chat_model: ChoosingModel,
        taxonomy: Taxonomy,
        *,
        shortlist: Classifier | None = None,
        k: int = 8,
        calibrate: bool = False,
    ) -> None:
        if not 2 <= k < len(LETTERS):
            raise ValueError(f"k must be 2 to {len(LETTERS) - 1}, not {k}")
        self.chat_model = chat_model
        self.taxonomy = taxonomy
        self.k = k
        model_name = (
            getattr(chat_model, "packaged", None)
            or getattr(chat_model, "model_name", None)
            or type(chat_model).__name__
        )
        self.name = f"llm-labels/{model_name}"[:128]
        self.narrowed = self._candidates_count() > k
        self.calibrate = calibrate and not self.narrowed
        suffix = f":k{k}" if self.narrowed else ":cal" if self.calibrate else ""
        self.version = f"{taxonomy.version}:{PROMPT_VERSION}{suffix}"
        self._priors: dict[tuple[str, ...], list[float]] = {}
        self._fallback = taxonomy.get(taxonomy.fallback)  # an option only when the taxonomy lists it
        if self.narrowed and shortlist is None:
            shortlist = zero_shot_classifier(taxonomy, None)  # TF-IDF over descriptions and examples
        self.shortlist = shortlist

    def _candidates_count(self) -> int:
        return sum(1 for label in self.taxonomy.labels if label.name != self.taxonomy.fallback)

    def options(self, texts: Sequence[str]) -> list[list[Label]]:
        """The labels offered for each text, in taxonomy order, the fallback (when listed) last."""
        candidates = [label for label in self.taxonomy.labels if label.name != self.taxonomy.fallback]
        tail = [self._fallback] if self._fallback is not None else []
        if len(candidates) <= self.k or self.shortlist is None:
            return [candidates + tail for _ in texts]
        out: list[list[Label]] = []
        for p in self.shortlist.classify(texts):
            # a label the shortlist did not score ranks last; its own best label first
            def rank(label: Label, p: Prediction = p) -> tuple[float, float]:
                return (1.0 if label.name == p.best else 0.0, p.scores.get(label.name, float("-inf")))

            top = {label.name for label in sorted(candidates, key=rank, reverse=True)[: self.k]}
            out.append([label for label in candidates if label.name in top] + tail)
        return out

    def _choose(self, options: Sequence[Label], text: str) -> list[float]:
        messages = [SystemMessage(system_prompt(self.taxonomy.task, options)), HumanMessage(user_prompt(text))]
        return self.chat_model.choose(messages, len(options))

    def prior(self, options: Sequence[Label]) -> list[float]:
        """The model's mean letter probabilities over content-free texts for these options (computed once)."""
        key = tuple(label.name for label in options)
        if key not in self._priors:
            probs = [self._choose(options, text) for text in CONTENT_FREE]
            self._priors[key] = [float(sum(column)) / len(probs) for column in zip(*probs, strict=True)]
        return self._priors[key]

    def _prediction(self, options: Sequence[Label], probs: Sequence[float], version: str) -> Prediction:
        scores = {label.name: round(float(p), 4) for label, p in zip(options, probs, strict=True)}
        best = max(scores, key=lambda name: scores[name])
        return Prediction(best, scores[best], best, scores, self.name, version)

    def calibrated(self, predictions: Sequence[Prediction]) -> list[Prediction]:
        """Predictions of this labeler divided by the options' content-free prior (a narrowed set: as they are)."""
        if self.narrowed:
            return list(predictions)
        version = self.version if self.calibrate else f"{self.version}:cal"
        out = []
        for p in predictions:
            options = [self.taxonomy.get(name) for name in p.scores]
            labels = [label for label in options if label is not None]
            weighted = [
                p.scores[label.name] / max(q, 1e-6) for label, q in zip(labels, self.prior(labels), strict=True)
            ]
            total = sum(weighted) or 1.0
            out.append(self._prediction(labels, [w / total for w in weighted], version))
        return out

    def label(self, texts: Sequence[str]) -> list[Prediction]:
        out = [
            self._prediction(options, self._choose(options, text), self.version)
            for text, options in zip(texts, self.options(texts), strict=True)
        ]
        return self.calibrated(out) if self.calibrate else out

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        return self.label(texts)
