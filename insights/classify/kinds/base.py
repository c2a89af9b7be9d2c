"""The `InsightKind` protocol, what a kind sees of a conversation (`Case`) and of the classifiers (`Predictions`),
and the registry of kinds by name (`insights.kinds` in settings lists the ones that run, in order).

A kind registers itself from any module::

    @registry.register("my_kind", "what it finds")
    def _my_kind(settings: Settings) -> InsightKind:
        return MyKind(...)

The built-in kinds are the modules of this package (each is imported with it); a kind in another distribution
registers on import too, and is found through the `cxloop.insight_kinds` entry-point group when its name is listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from typing import Protocol

from core.errors import ConfigError
from core.ml.base import Embedder
from core.ml.registry import Registry
from core.records import Conversation, Evidence, Insight, Turn
from core.settings import Settings
from insights.classify.classifiers import Classifier, Prediction
from insights.classify.turns import quote

ENTRY_POINTS = "cxloop.insight_kinds"


@dataclass
class Case:
    """One conversation as every kind sees it: the customer's turns, and the records of the kinds it needs."""

    conversation: Conversation
    turns: list[Turn]  # the customer's turns (`turns.customer_turns`)
    insights: list[Insight] = field(default_factory=list)  # made by the kinds of earlier stages

    def records(self, kind: str) -> list[Insight]:
        """The records of one record kind (`Insight.kind`) made so far."""
        return [i for i in self.insights if i.kind == kind]

    def record(
        self, kind: str, label: str, confidence: float, turn_index: int | None, model: str, version: str
    ) -> Insight:
        """An `Insight` of this conversation; its evidence is the turn, quoted masked."""
        evidence = None
        if turn_index is not None and turn_index in self._texts:
            evidence = Evidence(turn_index=turn_index, quote=quote(self._texts[turn_index]))
        return Insight(
            conversation_id=self.conversation.id,
            kind=kind,
            label=label,
            confidence=float(confidence),
            evidence=evidence,
            model_name=model[:128],
            model_version=version[:64],
        )

    def predicted(self, p: Prediction, kind: str, turn_index: int | None) -> Insight:
        """A prediction as an `Insight`: its label, confidence, model and version."""
        return self.record(kind, p.label, p.confidence, turn_index, p.model, p.version)

    @cached_property
    def _texts(self) -> dict[int, str]:
        return {t.index: t.text for t in self.conversation.turns}


@dataclass(frozen=True)
class Predictions:
    """What the classifiers said about the turns a kind selected in one conversation, task by task."""

    rows: Mapping[str, list[tuple[Turn, Prediction]]]
    classifiers: Mapping[str, Classifier]
    embedder: Embedder | None = None  # the one the classifiers share (cached), for kinds that compare meanings

    def __getitem__(self, task: str) -> list[tuple[Turn, Prediction]]:
        """Each selected turn with its prediction for `task`, in the order `select` gave them."""
        return self.rows[task]

    def classifier(self, task: str) -> Classifier:
        """The classifier of `task` (its taxonomy's fallback, name and version for records no turn speaks for)."""
        return self.classifiers[task]


class InsightKind(Protocol):
    """One kind of insight: the turns it reads of a conversation, and the records it makes of their predictions.

    The analyzer runs a batch stage by stage, a kind after the kinds it `needs`. In each stage it asks every kind to
    `select` turns in every conversation, classifies the selected turns of the whole batch in one call per task (a
    turn two kinds select for one task is classified once), then asks every kind to `produce` its records. A kind
    with no `tasks` is not asked to select; its `produce` gets no predictions.
    """

    name: str  # its name in the registry and in `insights.kinds`
    version: str  # changes when its logic or its own configuration does: every conversation is classified again
    tasks: tuple[str, ...]  # the classifier tasks (taxonomies) its selected turns are classified for
    needs: tuple[str, ...]  # kinds whose records it reads from `case.insights`: listed too, and run before it

    def select(self, case: Case) -> Sequence[Turn]:
        """The turns to classify for each of `tasks`; several turns joined into one keep the index they stand for."""
        ...

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        """The conversation's records of this kind (an `Insight.kind` of its own, or several)."""
        ...


registry: Registry[InsightKind] = Registry("insight kind")


def build_kinds(names: Sequence[str], settings: Settings) -> list[InsightKind]:
    """The listed kinds, in order; each factory reads its own configuration from `settings`."""
    if any(name not in registry.names() for name in names):
        _load_entry_points()
    unknown = [name for name in names if name not in registry.names()]
    if unknown:
        raise ConfigError(
            f"unknown insight kind{'s' if len(unknown) > 1 else ''} {', '.join(repr(n) for n in unknown)} in "
            f"insights.kinds; valid kinds: {', '.join(registry.names())}"
        )
    kinds = [registry.create(name, settings) for name in names]
    for name, kind in zip(names, kinds, strict=True):
        if kind.name != name:
            raise ConfigError(f"insight kind registered as '{name}' calls itself '{kind.name}'")
    return kinds


def stages(kinds: Sequence[InsightKind]) -> list[list[InsightKind]]:
    """The kinds grouped so that every kind comes after the kinds it needs; listed order within a stage."""
    by_name: dict[str, InsightKind] = {}
    for kind in kinds:
        if kind.name in by_name:
            raise ConfigError(f"insight kind '{kind.name}' is listed twice in insights.kinds")
        by_name[kind.name] = kind
    for kind in kinds:
        missing = [n for n in kind.needs if n not in by_name]
        if missing:
            raise ConfigError(
                f"insight kind '{kind.name}' needs {', '.join(repr(n) for n in missing)}: list it in insights.kinds"
            )
    depth: dict[str, int] = {}

    def level(kind: InsightKind, path: tuple[str, ...]) -> int:
        if kind.name in path:
            raise ConfigError(f"insight kinds need each other in a circle: {' -> '.join([*path, kind.name])}")
        if kind.name not in depth:
            depth[kind.name] = 1 + max((level(by_name[n], (*path, kind.name)) for n in kind.needs), default=-1)
        return depth[kind.name]

    out: list[list[InsightKind]] = []
    for kind in kinds:
        d = level(kind, ())
        out.extend([] for _ in range(d + 1 - len(out)))
        out[d].append(kind)
    return [stage for stage in out if stage]


def _load_entry_points() -> None:
    """Import the modules other distributions name in the entry-point group: they register their kinds."""
    for point in entry_points(group=ENTRY_POINTS):
        point.load()
