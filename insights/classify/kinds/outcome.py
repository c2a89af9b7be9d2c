"""Sales outcome (`outcome`: from metadata when the source has it, else inferred from how a sales conversation
ends) and, for a lost deal, every reason a customer turn names (`loss_reason`)."""

from __future__ import annotations

from collections.abc import Sequence

from core.records import Insight, Turn
from core.settings import Settings
from insights.classify import outcome
from insights.classify.kinds.base import Case, InsightKind, Predictions, registry

OUTCOME_TURNS = 6  # decisions are made at the end of a sales conversation


class OutcomeKind:
    name: str = "outcome"
    version: str = f"1/last-{OUTCOME_TURNS}-turns"
    tasks: tuple[str, ...] = ("outcome",)
    needs: tuple[str, ...] = ("intent",)  # with insights.sales_from_intent, a customer who came to buy makes a sale

    def select(self, case: Case) -> Sequence[Turn]:
        conv = case.conversation  # a sales conversation: `insights.scopes` keeps this kind to those
        if outcome.metadata_outcome(conv) is not None or not conv.turns:
            return []
        ending = "\n".join(t.text for t in conv.turns[-OUTCOME_TURNS:])
        return [Turn(index=conv.turns[-1].index, text=ending)]  # the ending, read as one text

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        known = outcome.metadata_outcome(case.conversation)
        if known is not None:
            return [case.record("outcome", known, 1.0, None, "metadata", "1")]
        evidence = case.turns[-1].index if case.turns else None
        return [case.predicted(p, "outcome", evidence) for _, p in predictions["outcome"]]


class LossReasonKind:
    name: str = "loss_reason"
    version: str = "1"
    tasks: tuple[str, ...] = ("loss_reason",)
    needs: tuple[str, ...] = ("outcome",)

    def select(self, case: Case) -> Sequence[Turn]:
        return case.turns if _lost(case) else []

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        if not _lost(case):
            return []
        classifier = predictions.classifier("loss_reason")
        turns = [(t.index, p) for t, p in predictions["loss_reason"]]
        by_turn = dict(turns)
        out = []
        for reason in outcome.loss_reasons(turns, classifier.taxonomy.fallback):
            p = by_turn.get(reason.turn_index) if reason.turn_index is not None else None
            model, version = (p.model, p.version) if p else (classifier.name, classifier.version)
            out.append(case.record("loss_reason", reason.label, reason.confidence, reason.turn_index, model, version))
        return out


def _lost(case: Case) -> bool:
    return any(r.label == "lost" for r in case.records("outcome"))


@registry.register("outcome", "sales outcome: won, lost or open, from metadata or the last turns of a sales talk")
def _outcome(settings: Settings) -> InsightKind:
    return OutcomeKind()


@registry.register("loss_reason", "why a deal was lost: every reason a customer turn names, with its turn")
def _loss_reason(settings: Settings) -> InsightKind:
    return LossReasonKind()
