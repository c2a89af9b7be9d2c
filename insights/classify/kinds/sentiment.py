"""Sentiment: every customer turn (`sentiment_turn`), the conversation's overall label (`sentiment`), its
start-to-end `sentiment_trajectory`, and the turn where it falls sharply into negative (`escalation`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.records import Insight, Turn
from core.settings import Settings
from insights.classify import sentiment
from insights.classify.kinds.base import Case, InsightKind, Predictions, registry


@dataclass
class SentimentKind:
    escalation_drop: float = 0.8
    name: str = "sentiment"
    version: str = field(init=False)
    tasks: tuple[str, ...] = ("sentiment",)
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.version = f"1/escalation-drop={self.escalation_drop}"

    def select(self, case: Case) -> Sequence[Turn]:
        return case.turns

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        turns = [(t.index, feeling) for t, feeling in predictions["sentiment"]]
        out = [case.predicted(p, "sentiment_turn", index) for index, p in turns]
        summary = sentiment.summarise(turns, escalation_drop=self.escalation_drop)
        if summary is None:
            return out
        model, version = turns[0][1].model, turns[0][1].version
        out.append(
            case.record("sentiment", summary.overall, summary.overall_confidence, summary.overall_turn, model, version)
        )
        confidence = round(min(1.0, abs(summary.change) / 2 + 0.5), 4) if summary.trajectory != "stable" else 1.0
        out.append(case.record("sentiment_trajectory", summary.trajectory, confidence, None, model, version))
        if summary.escalation_turn is not None:
            drop = round(min(1.0, summary.escalation_drop / 2), 4)
            out.append(case.record("escalation", "escalation", drop, summary.escalation_turn, model, version))
        return out


@registry.register("sentiment", "sentiment per customer turn, overall, its trajectory, and escalation")
def _sentiment(settings: Settings) -> InsightKind:
    return SentimentKind(escalation_drop=settings.insights.escalation_drop)
