"""Sales outcome (from metadata when the source system has it, else inferred) and loss reasons with evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.records import Conversation
from insights.classify.classifiers import Prediction

OUTCOMES = ("won", "lost", "open")
SALES_HINTS = ("sales", "sale", "deal", "opportunity", "lead", "销售", "商机")
SALES_INTENT = "sales"


def metadata_outcome(conversation: Conversation) -> str | None:
    value = conversation.outcome or conversation.metadata.get("outcome")
    value = str(value).strip().lower() if value else None
    return value if value in OUTCOMES else None


def is_sales(conversation: Conversation, intent: str | None) -> bool:
    """A sales conversation: an outcome is recorded, the source says so, or the customer came to buy."""
    if metadata_outcome(conversation) is not None:
        return True
    for key in ("kind", "type", "category", "pipeline", "source", "stage"):
        value = str(conversation.metadata.get(key, "")).lower()
        if value and any(hint in value for hint in SALES_HINTS):
            return True
    return intent == SALES_INTENT


@dataclass(frozen=True)
class Reason:
    label: str
    confidence: float
    turn_index: int | None


def loss_reasons(turns: Sequence[tuple[int, Prediction]], fallback: str) -> list[Reason]:
    """Every reason some turn names confidently, each with its most confident turn, strongest first.

    When no turn names one, a single fallback reason without evidence: an honest "we could not tell".
    """
    best: dict[str, Reason] = {}
    for index, p in turns:
        if p.label == fallback:
            continue
        if p.label not in best or p.confidence > best[p.label].confidence:
            best[p.label] = Reason(p.label, p.confidence, index)
    if not best:
        top = max((p.scores.get(fallback, 0.0) for _, p in turns), default=0.0)
        return [Reason(fallback, round(top, 4), None)]
    return sorted(best.values(), key=lambda r: -r.confidence)
