"""Intent: why the customer came, read from the opening customer turn with some substance."""

from __future__ import annotations

from collections.abc import Sequence

from core.records import Insight, Turn
from core.settings import Settings
from insights.classify.kinds.base import Case, InsightKind, Predictions, registry
from insights.classify.turns import opening


class IntentKind:
    name: str = "intent"
    version: str = "1"
    tasks: tuple[str, ...] = ("intent",)
    needs: tuple[str, ...] = ()

    def select(self, case: Case) -> Sequence[Turn]:
        opener = opening(case.turns)
        return [opener] if opener is not None else []

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        return [case.predicted(p, "intent", turn.index) for turn, p in predictions["intent"]]


@registry.register("intent", "intent: why the customer came, from the opening turn with some substance")
def _intent(settings: Settings) -> InsightKind:
    return IntentKind()
