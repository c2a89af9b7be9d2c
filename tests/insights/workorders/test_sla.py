"""The SLA sweep: a warning before the deadline, the team lead at the breach, the manager later, each once; the
webhook messages signed and retried through the outbox; attainment per team. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import Engine

from core.db import session_factory, transaction
from core.outbox import deliver
from core.settings import AndonSettings
from core.tables import OutboxRow, WorkOrderRow
from core.webhook import SIGNATURE_HEADER, sign
from insights.workorders import lifecycle
from insights.workorders.sla import attainment, sweep
from tests.flows.test_webhook import Receiver, receiver  # noqa: F401  (the fixture)
from tests.insights.workorders.conftest import MONDAY, desk

DESK = desk()  # urgent 4 h, warn at 75 %, manager after a further 50 %


def orders(engine: Engine) -> dict[str, str]:
    with transaction(session_factory(engine)) as s:
        urgent = lifecycle.open_order(s, DESK, kind="quality", product="aquapure-x3", title="leak", body="b",
                                      now=MONDAY)  # fmt: skip
        normal = lifecycle.open_order(s, DESK, kind="service", title="invoice", body="b", now=MONDAY)
        s.flush()
        return {"urgent": urgent.id, "normal": normal.id}


def messages(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    with session_factory(engine)() as s:
        return [(r.event, r.payload) for r in s.scalars(select(OutboxRow).order_by(OutboxRow.created_at, OutboxRow.id))]


def run(engine: Engine, hours: float) -> Any:
    with transaction(session_factory(engine)) as s:
        return sweep(s, DESK, now=MONDAY + timedelta(hours=hours))


def test_warn_breach_and_manager_each_once(engine: Engine) -> None:
    ids = orders(engine)
    # water-quality's urgent SLA is 2 h (its override): warn at 1.5 h, breach at 2 h, manager at 3 h
    assert run(engine, 1.0).model_dump(include={"warned", "breached", "to_manager"}) == {
        "warned": 0, "breached": 0, "to_manager": 0}  # fmt: skip
    assert run(engine, 1.6).warned == 1
    assert run(engine, 1.7).warned == 0  # once
    late = run(engine, 2.5)
    assert (late.warned, late.breached, late.to_manager) == (0, 1, 0)
    assert run(engine, 2.6).breached == 0
    assert run(engine, 3.1).to_manager == 1
    assert run(engine, 30).to_manager == 0
    with session_factory(engine)() as s:
        row = s.get(WorkOrderRow, ids["urgent"])
        assert row is not None and row.escalation == 2
        assert lifecycle.view(row).breached_at == MONDAY + timedelta(hours=2)
        assert [e.action for e in row.events] == ["created", "warned", "escalated", "escalated"]
    sent = [(event, p.get("level"), p["to"]["id"]) for event, p in messages(engine)]
    assert sent[:3] == [
        ("workorder.sla_warning", None, "w-chen"),
        ("workorder.escalated", 1, "sun-lead"),
        ("workorder.escalated", 2, "ops-manager"),
    ]


def test_resolved_work_orders_are_left_alone_and_attainment_counts_them(engine: Engine) -> None:
    ids = orders(engine)
    with transaction(session_factory(engine)) as s:
        lifecycle.move(s, ids["urgent"], "resolved", by="k", now=MONDAY + timedelta(hours=1))
    assert run(engine, 100).breached == 1  # only the normal one, 24 business hours = Wednesday 16:00
    with transaction(session_factory(engine)) as s:
        lifecycle.move(s, ids["normal"], "resolved", by="k", now=MONDAY + timedelta(days=3))
        teams = {t.team: t for t in attainment(s, DESK, start=MONDAY, end=MONDAY + timedelta(days=7))}
    assert (teams["water-quality"].resolved, teams["water-quality"].within_sla) == (1, 1)
    desk_team = teams["service-desk"]
    assert (desk_team.resolved, desk_team.within_sla, desk_team.attainment, desk_team.escalated) == (1, 0, 0.0, 1)


@pytest.fixture
def hook(receiver: tuple[Receiver, str]) -> Iterator[tuple[Receiver, AndonSettings]]:  # noqa: F811
    state, url = receiver
    yield state, AndonSettings(webhook_url=url, webhook_secret=SecretStr("s3cret"), webhook_attempts=2)


@pytest.mark.parametrize("receiver", [[503, 200, 500, 500, 200]], indirect=True)
def test_escalations_go_out_signed_and_retried(engine: Engine, hook: tuple[Receiver, AndonSettings]) -> None:
    state, config = hook
    orders(engine)
    run(engine, 3.1)  # the urgent one: breached (lead); the manager comes with the next sweep
    sessions = session_factory(engine)
    first = deliver(sessions, config, wait_max_s=0.01)
    assert [d.status for d in first] == ["sent"]  # 503, then 200
    run(engine, 3.2)
    second = deliver(sessions, config, wait_max_s=0.01)
    assert [d.status for d in second] == ["failed: HTTP 500"]  # both tries failed: still pending
    third = deliver(sessions, config, wait_max_s=0.01)
    assert [d.status for d in third] == ["sent"] and third[0].id == second[0].id
    bodies = [(h, json.loads(b)) for h, b in state.requests]
    assert [b["event"] for _, b in bodies] == ["workorder.escalated"] * 5
    assert [b["level"] for _, b in bodies] == [1, 1, 2, 2, 2]
    assert len({h["X-Cxloop-Delivery"] for h, _ in bodies[2:]}) == 1  # one delivery id across re-deliveries
    headers, raw = state.requests[-1]
    assert headers[SIGNATURE_HEADER] == sign(raw, "s3cret")
    assert deliver(sessions, config) == []  # nothing left
