"""Every insight for a batch of conversations: intent, sentiment, outcome and loss reasons, product + issue.

Texts are classified batch-wide (one call per task), so embeddings are computed in large batches and each customer
turn is embedded once for every task that reads it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.language import cjk_count
from core.records import Conversation, Evidence, Insight, Turn
from ingest.masking import mask_text
from insights.classify import complaints, outcome, sentiment
from insights.classify.catalog import Catalog
from insights.classify.classifiers import Classifier, Prediction

PIPELINE = "insights-1"  # bump when this module's logic changes: every conversation is classified again
TASKS = ("intent", "sentiment", "complaint_issue", "outcome", "loss_reason")
KINDS = (
    "intent",
    "sentiment",
    "sentiment_turn",
    "sentiment_trajectory",
    "escalation",
    "outcome",
    "loss_reason",
    "product",
    "product_issue",
)
QUOTE_CHARS = 300
OUTCOME_TURNS = 6  # decisions are made at the end of a sales conversation
_WORD = re.compile(r"[A-Za-z0-9]+")


def quote(text: str) -> str:
    """Evidence as shown to people: masked (again: cheap insurance), trimmed."""
    masked = mask_text(text).strip()
    return masked if len(masked) <= QUOTE_CHARS else masked[: QUOTE_CHARS - 1] + "…"


def customer_turns(conversation: Conversation) -> list[Turn]:
    """The customer's turns; when speakers are unknown, every turn that is not the agent's or the system's."""
    turns = [t for t in conversation.turns if t.text.strip()]
    mine = [t for t in turns if t.speaker == "customer"]
    return mine or [t for t in turns if t.speaker == "unknown"] or [t for t in turns if t.speaker != "system"]


def _substantial(text: str) -> bool:
    return cjk_count(text) >= 6 or len(_WORD.findall(text)) >= 5


def opening(turns: Sequence[Turn]) -> Turn | None:
    """The turn that says why the customer came: the first one with some substance (not just "hello")."""
    return next((t for t in turns if _substantial(t.text)), turns[0] if turns else None)


@dataclass
class Analyzer:
    classifiers: dict[str, Classifier]
    catalog: Catalog
    escalation_drop: float = 0.8
    catalog_version: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def version(self) -> str:
        """Changes whenever a taxonomy, a trained head, the catalog or this pipeline changes."""
        parts = [PIPELINE, self.catalog_version, str(self.escalation_drop)]
        parts += [f"{task}={self.classifiers[task].name}@{self.classifiers[task].version}" for task in TASKS]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def analyze(self, conversations: Sequence[Conversation]) -> list[Insight]:
        plans = [(c, customer_turns(c)) for c in conversations]
        flat = [(ci, t) for ci, (_, turns) in enumerate(plans) for t in turns]
        feelings = self.classifiers["sentiment"].classify([t.text for _, t in flat])
        per_conv: list[list[tuple[Turn, Prediction]]] = [[] for _ in plans]
        for (ci, turn), feeling in zip(flat, feelings, strict=True):
            per_conv[ci].append((turn, feeling))

        openers = {i: t for i, (_, turns) in enumerate(plans) if (t := opening(turns)) is not None}
        intent_preds = self.classifiers["intent"].classify([t.text for t in openers.values()])
        intents = dict(zip(openers, intent_preds, strict=True))
        outcomes = self._outcomes(plans, intents)  # only sales conversations have one
        losses = self._per_turn("loss_reason", plans, [i for i, (label, _) in outcomes.items() if label == "lost"])
        # a prospect weighing a price is no product complaint: sales talks are left out
        service = [i for i in range(len(plans)) if i not in outcomes and plans[i][1]]
        issue_turns = self._per_turn("complaint_issue", plans, service)

        out: list[Insight] = []
        for i, (conv, turns) in enumerate(plans):
            make = _Maker(conv.id, {t.index: t.text for t in conv.turns}, out)
            if i in intents:
                make(intents[i], "intent", openers[i].index)
            self._sentiment(make, per_conv[i])
            if i in outcomes:
                label, inferred = outcomes[i]
                if inferred is None:
                    make.raw("outcome", label, 1.0, None, "metadata", "1")
                else:
                    make(inferred, "outcome", turns[-1].index if turns else None)
            if i in losses:
                self._loss_reasons(make, losses[i])
            self._product_issue(make, conv, turns, issue_turns.get(i, []))
        return out

    def _per_turn(
        self, task: str, plans: list[tuple[Conversation, list[Turn]]], which: list[int]
    ) -> dict[int, list[tuple[int, Prediction]]]:
        """Each customer turn of the chosen conversations, classified for `task`."""
        rows = [(i, t) for i in which for t in plans[i][1]]
        preds = self.classifiers[task].classify([t.text for _, t in rows])
        found: dict[int, list[tuple[int, Prediction]]] = {i: [] for i in which}
        for (i, turn), p in zip(rows, preds, strict=True):
            found[i].append((turn.index, p))
        return found

    def _outcomes(
        self, plans: list[tuple[Conversation, list[Turn]]], intents: dict[int, Prediction]
    ) -> dict[int, tuple[str, Prediction | None]]:
        found: dict[int, tuple[str, Prediction | None]] = {}
        infer: list[int] = []
        for i, (conv, _) in enumerate(plans):
            known = outcome.metadata_outcome(conv)
            if known is not None:
                found[i] = (known, None)
            elif conv.turns and outcome.is_sales(conv, intents[i].label if i in intents else None):
                infer.append(i)
        texts = ["\n".join(t.text for t in plans[i][0].turns[-OUTCOME_TURNS:]) for i in infer]
        for i, p in zip(infer, self.classifiers["outcome"].classify(texts), strict=True):
            found[i] = (p.label, p)
        return found

    def _loss_reasons(self, make: _Maker, turns: list[tuple[int, Prediction]]) -> None:
        classifier = self.classifiers["loss_reason"]
        by_turn = dict(turns)
        for reason in outcome.loss_reasons(turns, classifier.taxonomy.fallback):
            p = by_turn.get(reason.turn_index) if reason.turn_index is not None else None
            model, version = (p.model, p.version) if p else (classifier.name, classifier.version)
            make.raw("loss_reason", reason.label, reason.confidence, reason.turn_index, model, version)

    def _sentiment(self, make: _Maker, rows: list[tuple[Turn, Prediction]]) -> None:
        turns = [(t.index, feeling) for t, feeling in rows]
        for index, p in turns:
            make(p, "sentiment_turn", index)
        summary = sentiment.summarise(turns, escalation_drop=self.escalation_drop)
        if summary is None:
            return
        model, version = turns[0][1].model, turns[0][1].version
        make.raw("sentiment", summary.overall, summary.overall_confidence, summary.overall_turn, model, version)
        confidence = round(min(1.0, abs(summary.change) / 2 + 0.5), 4) if summary.trajectory != "stable" else 1.0
        make.raw("sentiment_trajectory", summary.trajectory, confidence, None, model, version)
        if summary.escalation_turn is not None:
            make.raw("escalation", "escalation", round(min(1.0, summary.escalation_drop / 2), 4),
                     summary.escalation_turn, model, version)  # fmt: skip

    def _product_issue(
        self,
        make: _Maker,
        conv: Conversation,
        turns: list[Turn],
        issue_turns: list[tuple[int, Prediction]],
    ) -> None:
        found = complaints.find_product(conv, self.catalog, turns)
        if found is not None:
            model = "catalog" if found.source == "text" else "metadata"
            version = self.catalog_version or "1"
            make.raw("product", found.product_id, found.confidence, found.turn_index, model, version)
        classifier = self.classifiers["complaint_issue"]
        issue = complaints.conversation_issue(issue_turns, classifier.taxonomy.fallback)
        if issue is None:
            return
        p = dict(issue_turns)[issue.turn_index]
        label = complaints.product_issue_label(found.product_id if found else None, issue.label)
        version = f"{p.version}+{self.catalog_version}"[:64]
        make.raw("product_issue", label, issue.confidence, issue.turn_index, p.model, version)


class _Maker:
    """Builds the Insight records of one conversation, quoting evidence turns masked."""

    def __init__(self, conversation_id: str, texts: dict[int, str], out: list[Insight]) -> None:
        self.conversation_id = conversation_id
        self.texts = texts
        self.out = out

    def __call__(self, p: Prediction, kind: str, turn_index: int | None) -> None:
        self.raw(kind, p.label, p.confidence, turn_index, p.model, p.version)

    def raw(self, kind: str, label: str, confidence: float, turn_index: int | None, model: str, version: str) -> None:
        evidence = None
        if turn_index is not None and turn_index in self.texts:
            evidence = Evidence(turn_index=turn_index, quote=quote(self.texts[turn_index]))
        self.out.append(
            Insight(
                conversation_id=self.conversation_id,
                kind=kind,
                label=label,
                confidence=float(confidence),
                evidence=evidence,
                model_name=model[:128],
                model_version=version[:64],
            )
        )
