"""The manual Andon cord joins a live alert or opens one; the product is held and released (announced once);
false alarms are counted per rule, product line and manager's area, never per agent. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from core.db import session_factory, transaction
from core.errors import InvalidInput, NotFound
from core.settings import AndonSettings
from core.tables import ConversationRow, OutboxRow, TurnRow
from insights.andon import alerts, cord
from insights.classify.catalog import Catalog, Product
from insights.workorders import holds, lifecycle
from insights.workorders.desk import Desk
from insights.workorders.lifecycle import RootCause
from insights.workorders.report import build_manager_section
from tests.insights.test_alerts import NOW, complaint

DESK = Desk.from_settings()
CATALOG = Catalog([
    Product(id="kettle", name_en="HeatWave kettle", aliases=["热水壶"], line="kitchen"),
    Product(id="fan", name_en="CoolBreeze fan", line="air"),
])  # fmt: skip


def call(engine: Engine, cid: str, customer: str) -> None:
    with transaction(session_factory(engine)) as s:
        s.add(ConversationRow(id=cid, channel="call", source_uri="t", source_sha256="0" * 64,
                              started_at=NOW - timedelta(hours=1), customer_key=customer))  # fmt: skip
        s.add(TurnRow(conversation_id=cid, idx=0, speaker="customer", text="热水壶盖子关不上，电话 13812345678"))


def events(engine: Engine) -> list[str]:
    """The queued webhook events, sorted (messages queued in one transaction share their time)."""
    with session_factory(engine)() as s:
        return sorted(r.event for r in s.scalars(select(OutboxRow)))


def test_a_pull_joins_the_live_alert(engine: Engine) -> None:
    complaint(engine, "c1", "k1", 3)
    complaint(engine, "c2", "k2", 2)
    with transaction(session_factory(engine)) as s:
        (alert,) = alerts.check(s, AndonSettings(), now=NOW, desk=DESK).opened
    call(engine, "call-9", "k9")
    with transaction(session_factory(engine)) as s:
        joined, opened = cord.pull(s, DESK, "call-9", product="热水壶", issue="defect", problem="lid, 13812345678",
                                   by="agent-key", catalog=CATALOG, issues={"defect"}, now=NOW)  # fmt: skip
    assert not opened and joined.id == alert.id and joined.customers == 3
    assert "call-9" in joined.conversation_ids and "13812345678" not in str(joined.evidence)
    assert len(joined.work_orders) == 2  # no new work orders: the alert's own carry on
    with transaction(session_factory(engine)) as s:
        with pytest.raises(InvalidInput, match="unknown product 'toaster'; the catalog has kettle, fan"):
            cord.pull(s, DESK, "call-9", product="toaster", issue="defect", by="a", catalog=CATALOG)
        with pytest.raises(InvalidInput, match="unknown issue 'meh'"):
            cord.pull(s, DESK, "call-9", product="kettle", issue="meh", by="a", issues={"defect"})
        with pytest.raises(NotFound):
            cord.pull(s, DESK, "nope", product="kettle", issue="defect", by="a")


def test_a_pull_opens_an_alert_holds_the_product_and_the_rule_joins_it(engine: Engine) -> None:
    call(engine, "call-1", "k1")
    with transaction(session_factory(engine)) as s:
        alert, opened = cord.pull(s, DESK, "call-1", product="kettle", issue="defect", problem="the lid",
                                  by="agent-key", now=NOW)  # fmt: skip
    assert opened and alert.source == "manual" and alert.customers == 1 and alert.problem == "the lid"
    assert alert.hold is not None and alert.hold.held_by == "agent-key"
    assert all(w.product_on_hold for w in alert.work_orders) and alert.evidence[0].quote.startswith("热水壶")
    assert "13812345678" not in alert.evidence[0].quote
    # the rule's burst for the same (product, issue) continues the agent's alert instead of opening another
    complaint(engine, "c1", "k2", 1)
    complaint(engine, "c2", "k3", 1)
    with transaction(session_factory(engine)) as s:
        run = alerts.check(s, AndonSettings(), now=NOW + timedelta(hours=1), desk=DESK)
    assert run.opened == [] and [a.id for a in run.updated] == [alert.id]
    assert events(engine) == ["andon.opened", "product.hold"]


def test_hold_and_release_announce_the_product_once(engine: Engine) -> None:
    call(engine, "call-1", "k1")
    call(engine, "call-2", "k2")
    with transaction(session_factory(engine)) as s:
        one, _ = cord.pull(s, DESK, "call-1", product="kettle", issue="defect", by="a", now=NOW)
        two, _ = cord.pull(s, DESK, "call-2", product="kettle", issue="damaged_on_arrival", by="a", now=NOW)
        assert list(holds.on_hold(s)) == ["kettle"]
    with transaction(session_factory(engine)) as s:
        alerts.close(s, one.id, by="mgr", resolution="false_alarm", note="the customer had not pressed the lid",
                     now=NOW + timedelta(days=1))  # fmt: skip
        assert list(holds.on_hold(s)) == ["kettle"]  # the other alert still holds it
        process = next(w for w in two.work_orders if w.kind == "process")
        lifecycle.record_root_cause(s, process.id, RootCause(whys=["packing foam"], fix="new foam"), by="mgr")
        closed = alerts.close(s, two.id, by="mgr", now=NOW + timedelta(days=2))
        assert holds.on_hold(s) == {} and closed.hold is not None and closed.hold.released_by == "mgr"
    assert events(engine) == sorted(
        ["product.hold", "andon.opened", "andon.opened", "andon.closed", "andon.closed", "product.released"]
    )  # one hold, one release for two alerts
    with transaction(session_factory(engine)) as s, pytest.raises(InvalidInput, match="false alarm needs a note"):
        call(engine, "call-3", "k3")
        three, _ = cord.pull(s, DESK, "call-3", product="fan", issue="defect", by="a", now=NOW)
        alerts.close(s, three.id, by="mgr", resolution="false_alarm")


def test_the_bad_andon_rate_is_per_rule_line_and_area_never_per_agent(engine: Engine) -> None:
    outcomes = [("kettle", "false_alarm"), ("kettle", "fixed"), ("fan", "false_alarm"), ("fan", "false_alarm")]
    for i, (product, resolution) in enumerate(outcomes):
        call(engine, f"call-{i}", f"k{i}")
        with transaction(session_factory(engine)) as s:
            alert, _ = cord.pull(s, DESK, f"call-{i}", product=product, issue="defect", by=f"agent-{i}", now=NOW)
            if resolution == "fixed":
                process = next(w for w in alert.work_orders if w.kind == "process")
                lifecycle.record_root_cause(s, process.id, RootCause(whys=["w"], fix="f"), by="m")
            alerts.close(s, alert.id, by="m", resolution=resolution, note="checked", now=NOW + timedelta(hours=i))
    with session_factory(engine)() as s:
        section = build_manager_section(s, DESK, CATALOG, end=NOW + timedelta(days=1), period_days=7)
    assert [(r.group, r.closed, r.false_alarms, r.rate) for r in section.by_rule] == [("agent's cord", 4, 3, 0.75)]
    assert [(r.group, r.rate) for r in section.by_line] == [("air", 1.0), ("kitchen", 0.5)]
    assert [(r.group, r.rate) for r in section.by_area] == [("ops-manager", 0.75)]
    assert "agent-" not in section.model_dump_json()
    assert section.on_hold == [] and {t.team for t in section.sla} == {"quality-supplier", "process-excellence"}
    assert datetime(2026, 1, 1, tzinfo=UTC) < section.start
