"""The runner: every insight kind stored with model and version, only new or changed conversations, idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.settings import Settings
from core.tables import ConversationRow, InsightRow, InsightStateRow
from insights.classify.runner import classify_pending
from insights.classify.store import complaint_counts, conversation_insights
from insights.classify.taxonomy import load_taxonomy
from tests.insights.conftest import COMPLAINT, LOST_DEAL, QUESTION, conversation, store


def rows(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with sessions() as s:
        return [
            (r.id, r.conversation_id, r.kind, r.label, r.confidence, r.evidence_turn, r.evidence_quote, r.created_at)
            for r in s.scalars(select(InsightRow).order_by(InsightRow.id))
        ]


def by_kind(sessions: sessionmaker[Session], cid: str) -> dict[str, list[InsightRow]]:
    out: dict[str, list[InsightRow]] = {}
    with sessions() as s:
        for r in s.scalars(select(InsightRow).where(InsightRow.conversation_id == cid)):
            out.setdefault(r.kind, []).append(r)
    return out


def test_every_kind_is_stored_with_model_and_version(
    settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any
) -> None:
    store(sessions, [COMPLAINT, LOST_DEAL, QUESTION])
    report = classify_pending(settings, sessions, analyzer=make_analyzer())
    assert (report.considered, report.classified, report.unchanged) == (3, 3, 0)
    assert set(report.models) == {"intent", "sentiment", "complaint_issue", "outcome", "loss_reason"}

    complaint = by_kind(sessions, "C-LEAK")
    assert {"intent", "sentiment", "sentiment_turn", "sentiment_trajectory", "product"} <= set(complaint)
    assert len(complaint["sentiment_turn"]) == 2  # the customer's turns only
    assert complaint["product"][0].label == "aquapure-x3"  # from the catalog, by alias
    assert complaint["product_issue"][0].label.startswith("aquapure-x3/")

    deal = by_kind(sessions, "S-LOST")
    assert [(r.label, r.model_name) for r in deal["outcome"]] == [("lost", "metadata")]
    reasons = {r.label: r for r in deal["loss_reason"]}
    assert set(reasons) <= set(load_taxonomy("loss_reason").names) and reasons
    assert all(r.evidence_turn in (1, 3) and r.evidence_quote for r in reasons.values())
    assert "product_issue" not in deal  # a prospect's objection is no product complaint
    for kinds in (complaint, deal):
        for r in (r for group in kinds.values() for r in group):
            assert r.model_name and r.model_version and 0.0 <= r.confidence <= 1.0
    assert report.insights == len(rows(sessions))


def test_rerun_changes_nothing(settings: Settings, any_sessions: sessionmaker[Session], make_analyzer: Any) -> None:
    store(any_sessions, [COMPLAINT, LOST_DEAL, QUESTION])
    analyzer = make_analyzer()
    classify_pending(settings, any_sessions, analyzer=analyzer)
    before = rows(any_sessions)
    again = classify_pending(settings, any_sessions, analyzer=make_analyzer())
    assert (again.considered, again.classified, again.insights) == (0, 0, 0)
    assert rows(any_sessions) == before


def test_only_a_changed_conversation_is_classified_again(
    settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any
) -> None:
    store(sessions, [COMPLAINT, LOST_DEAL, QUESTION])
    classify_pending(settings, sessions, analyzer=make_analyzer())
    untouched = [r for r in rows(sessions) if r[1] != "C-ASK"]
    store(sessions, [conversation("C-ASK", [("customer", "I was charged twice for one order.")], customer="cust-3")])
    report = classify_pending(settings, sessions, analyzer=make_analyzer())
    assert (report.considered, report.classified) == (1, 1)
    assert [r for r in rows(sessions) if r[1] != "C-ASK"] == untouched
    assert by_kind(sessions, "C-ASK")["intent"][0].label == "billing"


def test_an_edited_taxonomy_takes_effect(
    settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any, taxonomy_dir: Path
) -> None:
    store(sessions, [COMPLAINT, LOST_DEAL, QUESTION])
    classify_pending(settings, sessions, analyzer=make_analyzer())
    assert by_kind(sessions, "C-ASK")["intent"][0].label == "product_question"

    data = yaml.safe_load(Path(load_taxonomy("intent").source).read_text(encoding="utf-8"))
    for label in data["labels"]:
        if label["name"] == "product_question":
            label["name"] = "filter_care"  # a company renames a label
    (taxonomy_dir / "intents.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    edited = make_analyzer(taxonomy_dir=taxonomy_dir)
    report = classify_pending(settings, sessions, analyzer=edited)
    assert report.classified == 3  # a new pipeline version: everything again
    assert by_kind(sessions, "C-ASK")["intent"][0].label == "filter_care"
    with sessions() as s:
        assert {st.pipeline_version for st in s.scalars(select(InsightStateRow))} == {edited.version}


def test_below_the_threshold_labels_are_the_fallback(
    settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any
) -> None:
    store(sessions, [COMPLAINT, QUESTION])
    classify_pending(settings, sessions, analyzer=make_analyzer(threshold=0.9999))
    for cid in ("C-LEAK", "C-ASK"):
        kinds = by_kind(sessions, cid)
        assert kinds["intent"][0].label == "other"
        assert {r.label for r in kinds["sentiment_turn"]} == {"neutral"}  # sentiment's fallback
        assert "product_issue" not in kinds


def test_evidence_quotes_are_masked(settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any) -> None:
    # stored without ingest's masking on purpose: the quote must still never show the number
    raw = conversation(
        "C-RAW",
        [("customer", "This is unacceptable, my kettle is broken, call me on 13812345678 or mia@example.com")],
        customer="cust-9",
    )
    store(sessions, [raw])
    classify_pending(settings, sessions, analyzer=make_analyzer())
    quotes = [r.evidence_quote for group in by_kind(sessions, "C-RAW").values() for r in group if r.evidence_quote]
    assert quotes
    assert all("13812345678" not in q and "mia@example.com" not in q for q in quotes)
    assert any("[PHONE]" in q and "[EMAIL]" in q for q in quotes)


def test_conversation_replaced_during_the_run_is_left_for_the_next(
    settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any
) -> None:
    store(sessions, [COMPLAINT, QUESTION])
    analyzer = make_analyzer()
    real = analyzer.analyze

    def analyze_while_ingest_replaces(convs: Any) -> Any:
        out = real(convs)
        store(sessions, [conversation("C-ASK", [("customer", "Please cancel my order.")], customer="cust-3")])
        return out

    analyzer.analyze = analyze_while_ingest_replaces
    report = classify_pending(settings, sessions, analyzer=analyzer)
    assert (report.classified, report.changed_during_run) == (1, 1)
    assert "intent" not in by_kind(sessions, "C-ASK")
    analyzer.analyze = real
    assert classify_pending(settings, sessions, analyzer=analyzer).classified == 1
    assert by_kind(sessions, "C-ASK")["intent"][0].label == "cancellation"


def test_deleting_a_conversation_removes_its_state_and_reading_back(
    settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any
) -> None:
    store(sessions, [COMPLAINT])
    classify_pending(settings, sessions, analyzer=make_analyzer())
    with sessions() as s:
        found = conversation_insights(s, "C-LEAK")
        assert found is not None and found.classified_at is not None and found.insights
        assert conversation_insights(s, "nope") is None
    with transaction(sessions) as s:
        s.delete(s.get(ConversationRow, "C-LEAK"))
    with sessions() as s:
        assert s.get(InsightStateRow, "C-LEAK") is None and not rows(sessions)


def test_complaint_counts_distinct_customers_per_product_and_issue(
    settings: Settings, sessions: sessionmaker[Session], make_analyzer: Any
) -> None:
    leak = [("customer", "My AquaPure X3 purifier is leaking water from underneath, it stopped working after a week.")]
    day = datetime(2026, 11, 15, 10, tzinfo=UTC)
    convs = [
        conversation("L1", leak, customer="a", started=day),
        conversation("L2", leak, customer="a", started=day),  # the same customer twice
        conversation("L3", leak, customer="b", started=day),
        conversation("L4", leak, customer="c", started=datetime(2026, 12, 30, tzinfo=UTC)),  # outside the window
    ]
    store(sessions, convs)
    classify_pending(settings, sessions, analyzer=make_analyzer())
    with sessions() as s:
        counts = complaint_counts(s, start=datetime(2026, 11, 14, tzinfo=UTC), end=datetime(2026, 11, 21, tzinfo=UTC))
    top = counts[0]
    assert (top.product, top.customers, sorted(top.conversations)) == ("aquapure-x3", 2, ["L1", "L2", "L3"])
