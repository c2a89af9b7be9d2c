"""Conversation sentiment from per-turn predictions: overall, start-to-end trajectory, and escalation.

A turn's score is P(positive) - P(negative), from -1 to 1, so a confident "negative" and a hesitant one differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from insights.classify.classifiers import Prediction

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
MOVE = 0.3  # a start-to-end change smaller than this is "stable"
NEGATIVE_SCORE = -0.25  # a turn at or below this reads as negative


def turn_score(p: Prediction) -> float:
    if p.scores:
        return p.scores.get(POSITIVE, 0.0) - p.scores.get(NEGATIVE, 0.0)
    sign = {POSITIVE: 1.0, NEGATIVE: -1.0}.get(p.label, 0.0)
    return sign * p.confidence


@dataclass(frozen=True)
class Summary:
    overall: str
    overall_confidence: float
    overall_turn: int  # the turn that speaks most for the overall label
    trajectory: str  # improving | stable | worsening
    start: float
    end: float
    escalation_turn: int | None  # set when the sentiment falls sharply into negative
    escalation_drop: float

    @property
    def change(self) -> float:
        return self.end - self.start


def summarise(turns: Sequence[tuple[int, Prediction]], *, escalation_drop: float = 0.8) -> Summary | None:
    """`turns`: (turn index, prediction) for the customer's turns, in order."""
    if not turns:
        return None
    scores = [turn_score(p) for _, p in turns]
    labels = sorted({label for _, p in turns for label in p.scores} | {NEGATIVE, NEUTRAL, POSITIVE})
    mean = {label: sum(p.scores.get(label, 0.0) for _, p in turns) / len(turns) for label in labels}
    if not any(p.scores for _, p in turns):
        mean = {label: sum(p.label == label for _, p in turns) / len(turns) for label in labels}
    overall = max(mean, key=lambda k: mean[k])
    if overall == NEGATIVE:
        pick = min(range(len(turns)), key=lambda i: scores[i])
    elif overall == POSITIVE:
        pick = max(range(len(turns)), key=lambda i: scores[i])
    else:
        pick = min(range(len(turns)), key=lambda i: abs(scores[i]))
    # thirds smooth out one odd turn; with one or two turns, start and end are the turns themselves
    k = max(1, len(scores) // 3)
    start, end = sum(scores[:k]) / k, sum(scores[-k:]) / k
    change = end - start
    trajectory = "improving" if change >= MOVE else "worsening" if change <= -MOVE else "stable"
    escalation_turn, worst = None, 0.0
    high = scores[0]
    for i in range(1, len(scores)):
        drop = high - scores[i]
        if drop >= escalation_drop and scores[i] <= NEGATIVE_SCORE and drop > worst:
            escalation_turn, worst = turns[i][0], drop
        high = max(high, scores[i])
    return Summary(
        overall=overall,
        overall_confidence=round(mean[overall], 4),
        overall_turn=turns[pick][0],
        trajectory=trajectory,
        start=round(start, 4),
        end=round(end, 4),
        escalation_turn=escalation_turn,
        escalation_drop=round(worst, 4),
    )
