"""Every insight for a batch of conversations, from the configured insight kinds (`insights.classify.kinds`).

Texts are classified batch-wide (one call per task and stage), so embeddings are computed in large batches and each
customer turn is embedded once for every task that reads it: the kinds of a stage say which turns they read in every
conversation of the batch, then each task classifies all of them at once, its largest selection first (the shared
embedding cache then holds the smaller selections' turns already).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.errors import ConfigError
from core.ml.base import Embedder
from core.records import Conversation, Insight, Turn
from core.settings import KindScope
from insights.classify import scope
from insights.classify.classifiers import Classifier, Prediction
from insights.classify.kinds.base import Case, InsightKind, Predictions, stages
from insights.classify.turns import customer_turns

PIPELINE = "insights-1"  # bump when this module's logic changes: every conversation is classified again

_Key = tuple[int, int, str]  # (conversation in the batch, turn index, text): one classification per task


@dataclass
class Analyzer:
    classifiers: dict[str, Classifier]
    kinds: Sequence[InsightKind]
    warnings: list[str] = field(default_factory=list)
    scopes: Mapping[str, KindScope] = field(default_factory=dict)  # kind -> the conversations it runs on
    sales_from_intent: bool = False
    embedder: Embedder | None = None  # shared with the kinds (Predictions.embedder)

    def __post_init__(self) -> None:
        self._stages = stages(self.kinds)
        missing = [task for task in self.tasks if task not in self.classifiers]
        if missing:
            raise ConfigError(f"no classifier for task {', '.join(missing)} (insight kinds need it)")

    @property
    def tasks(self) -> tuple[str, ...]:
        """The classifier tasks the kinds read, in the order the kinds are listed."""
        return tuple(dict.fromkeys(task for kind in self.kinds for task in kind.tasks))

    @property
    def version(self) -> str:
        """Changes whenever the kinds (their list, their own versions or their scopes), a taxonomy, a trained head,
        a threshold or this pipeline changes."""
        parts = [PIPELINE, *(f"kind:{kind.name}@{kind.version}" for kind in self.kinds)]
        parts += scope.describe({k: v for k, v in self.scopes.items() if k in self._names}, self.sales_from_intent)
        parts += [f"{task}={self.classifiers[task].name}@{self.classifiers[task].version}" for task in self.tasks]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def analyze(self, conversations: Sequence[Conversation]) -> list[Insight]:
        cases = [Case(c, customer_turns(c)) for c in conversations]
        made: dict[str, list[list[Insight]]] = {}
        for stage in self._stages:
            runs = {kind.name: [self._applies(kind, case) for case in cases] for kind in stage}
            selected = {kind.name: self._select(kind, cases, runs[kind.name]) for kind in stage}
            found = self._classify(stage, selected)
            for kind in stage:
                made[kind.name] = [
                    kind.produce(case, self._predictions(kind, ci, turns, found)) if runs[kind.name][ci] else []
                    for ci, (case, turns) in enumerate(zip(cases, selected[kind.name], strict=True))
                ]
            for ci, case in enumerate(cases):  # the next stages read this one's records
                case.insights.extend(r for kind in stage for r in made[kind.name][ci])
        return [r for ci in range(len(cases)) for kind in self.kinds for r in made[kind.name][ci]]

    @property
    def _names(self) -> set[str]:
        return {kind.name for kind in self.kinds}

    @staticmethod
    def _select(kind: InsightKind, cases: Sequence[Case], runs: Sequence[bool]) -> list[list[Turn]]:
        return [list(kind.select(c)) if kind.tasks and ok else [] for c, ok in zip(cases, runs, strict=True)]

    def _applies(self, kind: InsightKind, case: Case) -> bool:
        intent = next((r.label for r in case.records("intent")), None)
        return scope.applies(self.scopes.get(kind.name), case.conversation, intent, from_intent=self.sales_from_intent)

    def _predictions(
        self, kind: InsightKind, ci: int, turns: list[Turn], found: dict[str, dict[_Key, Prediction]]
    ) -> Predictions:
        rows = {task: [(t, found[task][(ci, t.index, t.text)]) for t in turns] for task in kind.tasks}
        return Predictions(rows, {task: self.classifiers[task] for task in kind.tasks}, self.embedder)

    def _classify(
        self, stage: Sequence[InsightKind], selected: dict[str, list[list[Turn]]]
    ) -> dict[str, dict[_Key, Prediction]]:
        """Every turn the stage's kinds selected, classified once per task, in one call per task."""
        rows: dict[str, dict[_Key, str]] = {}
        for kind in stage:
            for task in kind.tasks:
                texts = rows.setdefault(task, {})
                for ci, turns in enumerate(selected[kind.name]):
                    for t in turns:
                        texts.setdefault((ci, t.index, t.text), t.text)
        found: dict[str, dict[_Key, Prediction]] = {}
        for task in sorted(rows, key=lambda task: -len(rows[task])):
            keys = list(rows[task])
            predictions = self.classifiers[task].classify([rows[task][k] for k in keys])
            found[task] = dict(zip(keys, predictions, strict=True))
        return found
