"""Andon alerts in the store (SQLite and PostgreSQL): open with two work orders, update, acknowledge, close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.db import session_factory, transaction
from core.errors import Conflict, InvalidInput, NotFound
from core.settings import AndonSettings
from core.tables import AndonAlertRow, ConversationRow, InsightRow, WorkOrderRow
from insights.andon import alerts
from insights.workorders import lifecycle
from insights.workorders.lifecycle import RootCause

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def complaint(engine: Engine, cid: str, customer: str | None, days_ago: float, label: str = "kettle/defect") -> None:
    with transaction(session_factory(engine)) as s:
        s.add(
            ConversationRow(
                id=cid,
                channel="chat",
                source_uri="test",
                source_sha256="0" * 64,
                started_at=NOW - timedelta(days=days_ago),
                customer_key=customer,
            )
        )
        s.add(
            InsightRow(
                conversation_id=cid,
                kind="product_issue",
                label=label,
                confidence=0.9,
                evidence_turn=0,
                evidence_quote=f"complaint {cid}, call me on 13812345678",
                model_name="test",
                model_version="1",
            )
        )


def check(engine: Engine, now: datetime = NOW) -> alerts.AndonRun:
    with transaction(session_factory(engine)) as s:
        return alerts.check(s, AndonSettings(), now=now)


def test_alert_lifecycle(engine: Engine) -> None:
    complaint(engine, "c1", "k1", 5)
    complaint(engine, "c2", "k1", 4)  # same customer again: still one
    assert check(engine).opened == []
    complaint(engine, "c3", "k2", 3)
    complaint(engine, "other", "k3", 3, label="fan/defect")
    run = check(engine)
    assert len(run.opened) == 1 and run.updated == []
    alert = run.opened[0]
    assert (alert.product, alert.issue, alert.customers, alert.status) == ("kettle", "defect", 2, "open")
    assert alert.conversation_ids == ["c1", "c2", "c3"]
    assert all("13812345678" not in e.quote for e in alert.evidence)
    assert {(w.kind, w.team, w.assignee, w.priority) for w in alert.work_orders} == {
        ("quality", "quality-supplier", "q-li", "high"),
        ("process", "process-excellence", "p-zhou", "high"),
    }
    assert all(w.status == "open" and w.due_at is not None and w.product_on_hold for w in alert.work_orders)
    assert alert.hold is not None and alert.hold.product == "kettle" and alert.source == "rule"

    # re-running changes nothing; a new complaint joins the live alert
    assert check(engine).opened == [] and check(engine).updated == []
    complaint(engine, "c4", "k4", 1)
    run = check(engine)
    assert run.opened == [] and [a.customers for a in run.updated] == [3]

    with transaction(session_factory(engine)) as s:
        assert alerts.acknowledge(s, alert.id, by="key1", now=NOW).status == "acknowledged"
        with pytest.raises(Conflict, match="root cause") as refused:
            alerts.close(s, alert.id, by="key1", now=NOW)
        process = next(w for w in alert.work_orders if w.kind == "process")
        assert refused.value.detail == {"work_order_id": process.id, "missing": "root_cause"}
        cause = RootCause(whys=["the seal was too thin"], fix="seal thickness checked at intake")
        lifecycle.record_root_cause(s, process.id, cause, by="key1", now=NOW)
        closed = alerts.close(s, alert.id, by="key1", note="supplier fixed the seal; call 13812345678", now=NOW)
    assert closed.status == "closed" and closed.resolution == "fixed"
    assert "13812345678" not in (closed.close_note or "")
    assert closed.hold is not None and closed.hold.released_at is not None
    with session_factory(engine)() as s:
        assert all(w.status == "resolved" for w in map(lifecycle.view, lifecycle.list_orders(s)))
        with pytest.raises(InvalidInput):
            alerts.acknowledge(s, alert.id, by=None)
        with pytest.raises(NotFound):
            alerts.close(s, "nope", by=None)

    # complaints up to the closing never count again; a new burst after it opens a new alert
    assert check(engine, NOW + timedelta(hours=1)).opened == []
    later = NOW + timedelta(days=3)
    complaint(engine, "c5", "k5", -1)
    complaint(engine, "c6", "k6", -2)
    run = check(engine, later)
    assert len(run.opened) == 1 and run.opened[0].conversation_ids == ["c5", "c6"]
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(AndonAlertRow)) == 2
        assert s.scalar(select(func.count()).select_from(WorkOrderRow)) == 4
        assert [a.status for a in alerts.list_alerts(s, status="open")] == ["open"]
        assert [a.conversation_ids for a in alerts.list_alerts(s, live=True)] == [["c5", "c6"]]
        (follow,) = alerts.followups(s, now=later)
    assert follow.before.complaints == 4 and follow.after.complaints == 2
    assert follow.before.per_1000 > 0


def test_work_order_filters(engine: Engine) -> None:
    complaint(engine, "a", "k1", 1)
    complaint(engine, "b", "k2", 1)
    check(engine)
    with transaction(session_factory(engine)) as s:
        orders = lifecycle.list_orders(s, team="quality-supplier")
        assert len(orders) == 1
        lifecycle.move(s, orders[0].id, "resolved", by="k", now=NOW)
        assert [o.kind for o in lifecycle.list_orders(s, status="active")] == ["process"]
        with pytest.raises(InvalidInput):
            lifecycle.move(s, orders[0].id, "maybe", by="k")
        with pytest.raises(InvalidInput):
            alerts.list_alerts(s, status="sleeping")


def test_the_llm_brief_opens_the_work_orders_and_a_failing_model_changes_nothing(engine: Engine) -> None:
    from insights.andon.brief import chat_brief
    from insights.andon.rule import Burst

    class Chat:
        def __init__(self, answer: str | Exception) -> None:
            self.answer = answer

        def invoke(self, prompt: str) -> str:
            if isinstance(self.answer, Exception):
                raise self.answer
            return self.answer

    complaint(engine, "a", "k1", 1)
    complaint(engine, "b", "k2", 1)
    with transaction(session_factory(engine)) as s:
        brief = chat_brief(Chat("Two kettles stopped heating; call 13812345678."))
        run = alerts.check(s, AndonSettings(), now=NOW, brief=brief)
        bodies = [o.body for o in lifecycle.list_orders(s)]
    assert run.opened and all(b.startswith("Two kettles stopped heating") for b in bodies)
    assert not any("13812345678" in b for b in bodies)  # masked like everything else
    failing = chat_brief(Chat(RuntimeError("down")))
    assert failing(Burst("kettle", "defect", [])) is None
