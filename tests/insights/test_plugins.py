"""Insight kinds defined outside `insights/`: registered by name, listed in settings, run by the runner."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ConfigError
from core.records import Insight, Turn
from core.settings import InsightSettings, Settings
from core.tables import InsightRow
from insights.classify import build
from insights.classify.build import build_analyzer
from insights.classify.classifiers import Prediction
from insights.classify.kinds import base
from insights.classify.kinds.base import Case, InsightKind, Predictions, registry
from insights.classify.runner import classify_pending
from tests.conftest import FakeEmbedder
from tests.insights.conftest import COMPLAINT, LOST_DEAL, QUESTION, store

DEFAULT = InsightSettings().kinds


class AgentTone:
    """Reads the agent's turns for the task the sentiment kind reads the customer's for."""

    name: str = "agent_tone"
    version: str = "1"
    tasks: tuple[str, ...] = ("sentiment",)
    needs: tuple[str, ...] = ()

    def select(self, case: Case) -> Sequence[Turn]:
        return [t for t in case.conversation.turns if t.speaker == "agent"]

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        rows = predictions["sentiment"]
        if not rows:
            return []
        tone = Counter(p.label for _, p in rows).most_common(1)[0][0]
        return [case.record("agent_tone", tone, 1.0, rows[0][0].index, "toy", "1")]


class Urgency:
    """A task of its own: its taxonomy is `urgency.yaml` in the taxonomy folder."""

    name: str = "urgency"
    version: str = "1"
    tasks: tuple[str, ...] = ("urgency",)
    needs: tuple[str, ...] = ()

    def select(self, case: Case) -> Sequence[Turn]:
        return case.turns[-1:]

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        return [case.predicted(p, "urgency", turn.index) for turn, p in predictions["urgency"]]


class TurnCount:
    """No classifier at all; reads the intent kind's records."""

    name: str = "turn_count"
    version: str = "1"
    tasks: tuple[str, ...] = ()
    needs: tuple[str, ...] = ("intent",)

    def select(self, case: Case) -> Sequence[Turn]:
        raise AssertionError("a kind without tasks is not asked to select")

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        intent = case.records("intent")[0].label
        return [case.record("turn_count", f"{len(case.conversation.turns)}/{intent}", 1.0, None, "count", "1")]


@registry.register("agent_tone", "the agent's tone, with the customer's intent")
def _agent_tone(settings: Settings) -> InsightKind:
    return AgentTone()


@registry.register("urgency", "how urgent the customer's last turn is")
def _urgency(settings: Settings) -> InsightKind:
    return Urgency()


@registry.register("turn_count", "how many turns a conversation has")
def _turn_count(settings: Settings) -> InsightKind:
    return TurnCount()


URGENCY = {
    "task": "urgency",
    "labels": [
        {"name": "urgent", "description": "The customer needs help right now: angry, unacceptable, nobody helps."},
        {"name": "routine", "description": "A routine question: how often, when, which filter to replace."},
    ],
}


def with_kinds(settings: Settings, kinds: list[str], **config: Any) -> Settings:
    return settings.model_copy(update={"insights": InsightSettings(kinds=kinds, **config)})


def kinds_of(sessions: sessionmaker[Session]) -> dict[str, dict[str, list[InsightRow]]]:
    out: dict[str, dict[str, list[InsightRow]]] = {}
    with sessions() as s:
        for r in s.scalars(select(InsightRow).order_by(InsightRow.id)):
            out.setdefault(r.conversation_id, {}).setdefault(r.kind, []).append(r)
    return out


def test_a_kind_listed_in_settings_runs_and_one_taken_off_stops(
    settings: Settings, sessions: sessionmaker[Session], fake: FakeEmbedder, taxonomy_dir: Path
) -> None:
    (taxonomy_dir / "urgency.yaml").write_text(yaml.safe_dump(URGENCY), encoding="utf-8")
    store(sessions, [COMPLAINT, LOST_DEAL, QUESTION])
    plugged = with_kinds(settings, [*DEFAULT, "agent_tone", "urgency", "turn_count"], taxonomy_dir=taxonomy_dir)
    report = classify_pending(plugged, sessions, embedder=fake)
    assert report.classified == 3 and {"agent_tone", "urgency", "turn_count"} <= set(report.by_kind)
    assert "urgency" in report.models

    found = kinds_of(sessions)
    for conv in (COMPLAINT, LOST_DEAL, QUESTION):
        mine = found[conv.id]
        [tone] = mine["agent_tone"]
        assert tone.label in {"negative", "neutral", "positive"}
        assert tone.evidence_turn == next(t.index for t in conv.turns if t.speaker == "agent")
        assert {r.label for r in mine["urgency"]} <= {"urgent", "routine", "other"} and mine["urgency"]
        # it read the intent kind's record
        assert [r.label for r in mine["turn_count"]] == [f"{len(conv.turns)}/{mine['intent'][0].label}"]
        assert {"intent", "sentiment", "sentiment_turn", "product"} <= set(mine)  # the built-in kinds still run

    again = classify_pending(with_kinds(settings, DEFAULT, taxonomy_dir=taxonomy_dir), sessions, embedder=fake)
    assert again.classified == 3  # another list of kinds is another pipeline version
    assert not {"agent_tone", "urgency", "turn_count"} & {k for kinds in kinds_of(sessions).values() for k in kinds}


def test_plugged_kinds_leave_the_built_in_records_alone(settings: Settings, fake: FakeEmbedder) -> None:
    plain = build_analyzer(settings, embedder=fake).analyze([COMPLAINT, LOST_DEAL, QUESTION])
    plugged = build_analyzer(with_kinds(settings, [*DEFAULT, "agent_tone", "turn_count"]), embedder=fake)
    mine = plugged.analyze([COMPLAINT, LOST_DEAL, QUESTION])
    assert [i for i in mine if i.kind not in ("agent_tone", "turn_count")] == plain
    assert plugged.version != build_analyzer(settings, embedder=fake).version


def test_the_version_follows_each_kind_s_own(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, fake: FakeEmbedder
) -> None:
    def version(kinds: list[str], **config: Any) -> str:
        return build_analyzer(with_kinds(settings, kinds, **config), embedder=fake).version

    plugged = [*DEFAULT, "agent_tone"]
    first = version(plugged)
    assert first == version(plugged)
    assert first != version([*DEFAULT[1:], DEFAULT[0], "agent_tone"])  # the order is the records' order
    assert first != version(plugged, escalation_drop=0.5)  # the sentiment kind's own setting
    monkeypatch.setattr(AgentTone, "version", "2")
    assert first != version(plugged)


def test_each_task_is_classified_once_per_stage_for_the_whole_batch(settings: Settings, fake: FakeEmbedder) -> None:
    analyzer = build_analyzer(with_kinds(settings, [*DEFAULT, "agent_tone"]), embedder=fake)
    calls: dict[str, list[int]] = {}
    for task, classifier in analyzer.classifiers.items():
        real = classifier.classify

        def counted(texts: Sequence[str], task: str = task, real: Any = real) -> list[Prediction]:
            calls.setdefault(task, []).append(len(texts))
            return list(real(texts))

        classifier.classify = counted  # type: ignore[method-assign]
    conversations = [COMPLAINT, LOST_DEAL, QUESTION]
    analyzer.analyze(conversations)
    # the sentiment kind's customer turns and agent_tone's agent turns: one call, every turn once
    assert calls["sentiment"] == [sum(len(c.turns) for c in conversations)]
    assert all(len(sizes) == 1 for sizes in calls.values()), calls


def test_an_unknown_kind_lists_the_valid_ones(settings: Settings, fake: FakeEmbedder) -> None:
    with pytest.raises(ConfigError, match=r"unknown insight kind 'nope' in insights.kinds; valid kinds: ") as error:
        build_analyzer(with_kinds(settings, ["intent", "nope"]), embedder=fake)
    assert set(DEFAULT) | {"agent_tone"} <= set(str(error.value).split("valid kinds: ")[1].split(", "))


def test_kinds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("CXLOOP_INSIGHTS__KINDS", '["intent", "turn_count"]')
    fresh = Settings(_env_file=None, data_dir=settings.data_dir, demo_dir=settings.demo_dir)
    assert fresh.insights.kinds == ["intent", "turn_count"]
    monkeypatch.setenv("CXLOOP_INSIGHTS__KINDS", '["gone"]')
    gone = Settings(_env_file=None, data_dir=settings.data_dir)
    with pytest.raises(ConfigError, match="unknown insight kind 'gone'"):
        build_analyzer(gone, embedder=FakeEmbedder())


def test_a_kind_needs_the_kinds_it_reads(settings: Settings, fake: FakeEmbedder) -> None:
    with pytest.raises(ConfigError, match="'loss_reason' needs 'outcome'"):
        build_analyzer(with_kinds(settings, ["intent", "loss_reason"]), embedder=fake)
    with pytest.raises(ConfigError, match="listed twice"):
        build_analyzer(with_kinds(settings, ["intent", "intent"]), embedder=fake)
    with pytest.raises(ConfigError, match="'turn_count' needs 'intent'"):
        build_analyzer(with_kinds(settings, ["turn_count"]), embedder=fake)
    analyzer = build_analyzer(with_kinds(settings, ["turn_count", "intent"]), embedder=fake)
    assert analyzer.tasks == ("intent",) and set(analyzer.classifiers) == {"intent"}
    [count, intent] = analyzer.analyze([QUESTION])  # listed order, though intent runs first
    assert (count.kind, intent.kind) == ("turn_count", "intent")


def test_a_kind_of_another_distribution_is_found_by_its_entry_point(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, fake: FakeEmbedder
) -> None:
    class LateKind(TurnCount):
        name = "late_kind"

    def load() -> None:  # what importing the distribution's module does
        registry.register("late_kind", "registered when its entry point is loaded")(lambda _: LateKind())

    monkeypatch.setattr(base, "entry_points", lambda group: [SimpleNamespace(name="late", load=load)])
    analyzer = build_analyzer(with_kinds(settings, ["intent", "late_kind"]), embedder=fake)
    assert [i.kind for i in analyzer.analyze([QUESTION])] == ["intent", "turn_count"]


def test_the_check_command_still_sees_every_shipped_taxonomy() -> None:
    assert list(build.load_taxonomies(InsightSettings())) == [
        "intent", "sentiment", "complaint_issue", "outcome", "loss_reason",
    ]  # fmt: skip
