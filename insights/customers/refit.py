"""The lead score refit on this install's own closed deals, kept where the `lead_score` kind loads it.

Each won or lost sales conversation (its outcome as the source system recorded it) is scored on its open half,
the first half of its turns, as it read while the deal was still open; the signals and the wording are then fitted
(`scores.fit`). Below `scores.MIN_FIT` deals of either outcome the packaged priors stay and nothing is written.
Churn has no such step: no source records who left, so the churn score stays on its priors unless a fitted model
is placed at its path (see the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.tables import ConversationRow
from insights.customers import prices
from insights.customers.scores import MIN_FIT, ScoreModel, fit, lead_priors
from insights.customers.signals import lead_signals, values


@dataclass(frozen=True)
class Refit:
    won: int
    lost: int
    fitted: bool
    path: Path | None  # where the fitted model was written; None when the priors stay

    def as_dict(self) -> dict[str, object]:
        return {"won": self.won, "lost": self.lost, "fitted": self.fitted, "path": str(self.path or "")}


T = TypeVar("T")


def open_half(turns: Sequence[T]) -> list[T]:
    """The first half of a conversation's turns (at least one): what a lead looked like while it was open."""
    return list(turns[: max(1, (len(turns) + 1) // 2)])


def refit_lead(session: Session, path: Path) -> Refit:
    """Fit the lead score on the closed deals in the store and save it at `path` (when there are enough)."""
    convs = session.scalars(
        select(ConversationRow)
        .where(ConversationRow.outcome.in_(("won", "lost")))
        .options(selectinload(ConversationRow.turns))
        .order_by(ConversationRow.id)
    ).all()
    rows, outcomes, texts = [], [], []
    for conv in convs:
        turns = open_half([(t.idx, t.speaker, t.text) for t in sorted(conv.turns, key=lambda t: t.idx)])
        rows.append(values(lead_signals(turns, prices.mentions(turns))))
        outcomes.append(int(conv.outcome == "won"))
        texts.append(" ".join(text for _, _, text in turns))
    won = sum(outcomes)
    lost = len(outcomes) - won
    if won < MIN_FIT or lost < MIN_FIT:
        return Refit(won, lost, False, None)
    model: ScoreModel = fit(lead_priors(), rows, outcomes, texts)
    model.save(path)
    return Refit(won, lost, True, path)
