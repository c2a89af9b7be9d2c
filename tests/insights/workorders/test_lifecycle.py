"""Every lifecycle move, allowed and refused (409 with the allowed moves), reopening, reassignment with history,
comments and the root cause, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.db import session_factory, transaction
from core.errors import Conflict, InvalidInput, NotFound
from core.tables import WorkOrderRow
from insights.workorders import lifecycle
from insights.workorders.lifecycle import MOVES, STATUSES, RootCause
from tests.insights.workorders.conftest import MONDAY, desk

DESK = desk()
# how to reach each status from open
PATHS = {"open": [], "in_progress": ["in_progress"], "waiting": ["waiting"], "resolved": ["resolved"],
         "verified": ["resolved", "verified"]}  # fmt: skip


def new(s: Session, kind: str = "service") -> WorkOrderRow:
    row = lifecycle.open_order(s, DESK, kind=kind, title="Kettle lid, call 13812345678", body="b", now=MONDAY)
    s.flush()
    return row


@pytest.mark.parametrize(("start", "to"), list(product(STATUSES, STATUSES)))
def test_every_move_is_allowed_or_refused_with_the_allowed_moves(engine: Engine, start: str, to: str) -> None:
    with transaction(session_factory(engine)) as s:
        row = new(s)
        for step in PATHS[start]:
            lifecycle.move(s, row.id, step, by="k", now=MONDAY)
        if to in MOVES[start]:
            lifecycle.move(s, row.id, to, by="k2", note="done, mail a@b.example", now=MONDAY + timedelta(hours=1))
            assert row.status == to
            last = row.events[-1]
            assert (last.by, last.before, last.after) == ("k2", start, to) and "a@b.example" not in (last.note or "")
            assert last.action == ("reopened" if (start, to) == ("resolved", "open") else "status")
        else:
            with pytest.raises(Conflict) as refused:
                lifecycle.move(s, row.id, to, by="k", now=MONDAY)
            assert refused.value.detail == {"status": start, "allowed": list(MOVES[start])}
            assert row.status == start


def test_stamps_reopening_and_a_late_resolution(engine: Engine) -> None:
    with transaction(session_factory(engine)) as s:
        row = new(s)
        assert "13812345678" not in row.title and row.team == "service-desk" and row.due_at is not None
        late = row.due_at + timedelta(hours=1)
        lifecycle.move(s, row.id, "resolved", by="k", now=late)
        assert row.resolved_at == late and row.breached_at == row.due_at  # resolved after its deadline
        lifecycle.move(s, row.id, "open", by="k", note="customer says it still leaks", now=late)
        assert row.resolved_at is None and row.status == "open"
        lifecycle.move(s, row.id, "resolved", by="k", now=late)
        lifecycle.move(s, row.id, "verified", by="lead", now=late)
        view = lifecycle.detail(row)
    assert view.moves == [] and view.verified_at is not None
    assert [e.action for e in view.events] == ["created", "status", "reopened", "status", "status"]
    assert view.events[0].note == "routed by default queue, normal"


def test_a_root_cause_review_resolves_only_with_its_root_cause(engine: Engine) -> None:
    with transaction(session_factory(engine)) as s:
        row = new(s, kind="process")
        with pytest.raises(Conflict, match="five whys") as refused:
            lifecycle.move(s, row.id, "resolved", by="k", now=MONDAY)
        assert refused.value.detail["missing"] == "root_cause"  # type: ignore[index]
        with pytest.raises(InvalidInput, match="process"):
            lifecycle.record_root_cause(s, new(s).id, RootCause(whys=["x"], fix="y"), by="k")
        cause = RootCause(whys=["seal thin", "supplier changed", "no intake check"], fix="gauge at intake, 13812345678")
        lifecycle.record_root_cause(s, row.id, cause, by="k", now=MONDAY)
        assert row.root_cause is not None and "13812345678" not in row.root_cause["fix"]
        lifecycle.move(s, row.id, "resolved", by="k", now=MONDAY)
        assert lifecycle.view(row).root_cause.whys[2] == "no intake check"  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        RootCause(whys=[str(i) for i in range(6)], fix="too many whys")


def test_reassignment_keeps_history_and_applies_the_new_teams_sla(engine: Engine) -> None:
    with transaction(session_factory(engine)) as s:
        row = lifecycle.open_order(s, DESK, kind="quality", product="crispair-5", title="t", body="b", now=MONDAY)
        s.flush()
        assert (row.team, row.priority, row.due_at) == ("quality-supplier", "high", MONDAY + timedelta(hours=6))
        lifecycle.assign(s, DESK, row.id, team="water-quality", by="lead", note="it is the filter", now=MONDAY)
        assert (row.team, row.assignee) == ("water-quality", "w-chen")
        # the clock keeps running from the opening; water-quality has no override for high: the default 8 h
        assert row.due_at == MONDAY + timedelta(hours=8)
        lifecycle.assign(s, DESK, row.id, assignee="w-liu", by="lead", now=MONDAY)
        with pytest.raises(InvalidInput, match="not in team water-quality"):
            lifecycle.assign(s, DESK, row.id, assignee="desk-1", by="lead")
        with pytest.raises(InvalidInput, match="unknown team"):
            lifecycle.assign(s, DESK, row.id, team="nobody", by="lead")
        lifecycle.comment(s, row.id, "called the supplier, 13812345678", by="w-liu", now=MONDAY)
        with pytest.raises(InvalidInput):
            lifecycle.comment(s, row.id, "  ", by="w-liu")
        lifecycle.move(s, row.id, "resolved", by="k", now=MONDAY)
        with pytest.raises(Conflict, match="reopen"):
            lifecycle.assign(s, DESK, row.id, team="qa", by="lead")
        events = lifecycle.detail(row).events
    assert [(e.action, e.before, e.after) for e in events[1:3]] == [
        ("assigned", "quality-supplier/q-li", "water-quality/w-chen"),
        ("assigned", "water-quality/w-chen", "water-quality/w-liu"),
    ]
    assert "13812345678" not in (events[3].note or "") and events[3].action == "comment"
    with session_factory(engine)() as s:
        assert [r.id for r in lifecycle.list_orders(s, team="water-quality", status="resolved")] == [row.id]
        assert lifecycle.list_orders(s, status="active") == []
        with pytest.raises(NotFound):
            lifecycle.move(s, "nope", "resolved", by="k")
        with pytest.raises(InvalidInput):
            lifecycle.list_orders(s, status="done")
