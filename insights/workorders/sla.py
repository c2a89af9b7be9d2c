"""The SLA sweep: warn before a work order's deadline, escalate to the team lead at the breach and to the manager
a while later, each once, through the webhook outbox; and SLA attainment per team for the report.

The deadlines are computed in business time when a work order opens or changes team (`Desk.deadlines`), so the
sweep is three indexed queries and bulk writes, whatever the number of work orders.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Row, and_, case, func, insert, select, update
from sqlalchemy.orm import Session

from core.tables import OutboxRow, WorkOrderEventRow, WorkOrderRow, as_utc
from insights.workorders.desk import Desk
from insights.workorders.routing import ACTIVE

COLUMNS = (
    WorkOrderRow.id,
    WorkOrderRow.kind,
    WorkOrderRow.title,
    WorkOrderRow.team,
    WorkOrderRow.assignee,
    WorkOrderRow.priority,
    WorkOrderRow.product,
    WorkOrderRow.issue,
    WorkOrderRow.status,
    WorkOrderRow.created_at,
    WorkOrderRow.due_at,
    WorkOrderRow.alert_id,
)


class SweepRun(BaseModel):
    now: datetime
    warned: int = Field(default=0, description="Warnings sent to the assignee before the deadline.")
    breached: int = Field(default=0, description="Breaches escalated to the team lead.")
    to_manager: int = Field(default=0, description="Breaches still open escalated to the manager.")
    backfilled: int = Field(default=0, description="Work orders that had no deadlines yet (from before SLAs).")
    seconds: float = 0.0


def _message(row: Row[Any], **extra: Any) -> dict[str, Any]:
    order = {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "team": row.team,
        "assignee": row.assignee,
        "priority": row.priority,
        "product": row.product,
        "issue": row.issue,
        "status": row.status,
        "alert_id": row.alert_id,
        "created_at": as_utc(row.created_at).isoformat(),
        "due_at": as_utc(row.due_at).isoformat() if row.due_at else None,
    }
    return {"work_order": order, **extra}


def sweep(session: Session, desk: Desk, *, now: datetime | None = None) -> SweepRun:
    """Act on every work order whose warning, breach or manager time has come since the last sweep."""
    started = time.perf_counter()
    now = as_utc(now or datetime.now(UTC))
    run = SweepRun(now=now, backfilled=_backfill(session, desk))
    active = WorkOrderRow.status.in_(ACTIVE)
    events: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []

    def note(rows: Sequence[Row[Any]], action: str, after: str | None, text: str, event: str, extra: Any) -> None:
        for r in rows:
            events.append(
                {
                    "work_order_id": r.id,
                    "at": now,
                    "by": "sla",
                    "action": action,
                    "before": None,
                    "after": after or extra(r)["to"]["id"],
                    "note": text,
                }
            )
            messages.append(
                {
                    "id": str(uuid.uuid4()),
                    "event": event,
                    "payload": _message(r, **extra(r)),
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                }
            )

    teams = desk.routing.teams
    warn = session.execute(
        select(*COLUMNS).where(
            active, WorkOrderRow.warned_at.is_(None), WorkOrderRow.warn_at <= now, WorkOrderRow.due_at > now
        )
    ).all()
    note(
        warn,
        "warned",
        None,
        "SLA deadline approaching",
        "workorder.sla_warning",
        lambda r: {"to": {"role": "assignee", "id": r.assignee}},
    )
    breach = session.execute(
        select(*COLUMNS).where(active, WorkOrderRow.escalation == 0, WorkOrderRow.due_at <= now)
    ).all()
    note(
        breach,
        "escalated",
        None,
        "SLA breached: escalated to the team lead",
        "workorder.escalated",
        lambda r: {"level": 1, "to": {"role": "team_lead", "id": _person(teams, r.team, "lead")}},
    )
    manager = session.execute(
        select(*COLUMNS).where(active, WorkOrderRow.escalation == 1, WorkOrderRow.manager_at <= now)
    ).all()
    note(
        manager,
        "escalated",
        None,
        "still open after the breach: escalated to the manager",
        "workorder.escalated",
        lambda r: {"level": 2, "to": {"role": "manager", "id": _person(teams, r.team, "manager")}},
    )
    updates = (
        [{"id": r.id, "warned_at": now} for r in warn]
        + [{"id": r.id, "escalation": 1, "breached_at": r.due_at} for r in breach]
        + [{"id": r.id, "escalation": 2} for r in manager]
    )
    for chunk in _chunks(updates):
        # one statement per shape: bulk UPDATE by primary key groups rows by the columns they set
        for keys in {tuple(sorted(u)) for u in chunk}:
            session.execute(update(WorkOrderRow), [u for u in chunk if tuple(sorted(u)) == keys])
    for chunk in _chunks(events):
        session.execute(insert(WorkOrderEventRow), chunk)
    for chunk in _chunks(messages):
        session.execute(insert(OutboxRow), chunk)
    run.warned, run.breached, run.to_manager = len(warn), len(breach), len(manager)
    run.seconds = round(time.perf_counter() - started, 3)
    return run


def _person(teams: dict[str, Any], team: str, role: str) -> str:
    return str(getattr(teams[team], role)) if team in teams else "unrouted"


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _backfill(session: Session, desk: Desk) -> int:
    """Deadlines for active work orders from before SLAs (team from the routing rules, clock from their opening)."""
    rows = list(
        session.scalars(select(WorkOrderRow).where(WorkOrderRow.status.in_(ACTIVE), WorkOrderRow.due_at.is_(None)))
    )
    for row in rows:
        if not row.team or row.team not in desk.routing.teams:
            route = desk.routing.route(kind=row.kind, product=row.product, issue=row.issue)
            row.team, row.priority = route.team, route.priority
        when = desk.deadlines(row.team, row.priority, as_utc(row.created_at))
        row.warn_at, row.due_at, row.manager_at = when.warn_at, when.due_at, when.manager_at
    session.flush()
    return len(rows)


class TeamSla(BaseModel):
    team: str
    name: str = ""
    opened: int = Field(description="Work orders opened in the period.")
    resolved: int = Field(description="Resolved in the period.")
    within_sla: int = Field(description="Of those, resolved by their deadline.")
    attainment: float | None = Field(description="within_sla / resolved; None when nothing was resolved.")
    active: int = Field(description="In hand at the end of the period.")
    overdue: int = Field(description="In hand and past their deadline at the end of the period.")
    escalated: int = Field(description="Escalated in the period (to the lead or the manager).")


def attainment(session: Session, desk: Desk, *, start: datetime, end: datetime) -> list[TeamSla]:
    """Per team: resolved in [start, end) and how many by their deadline; what is in hand and overdue at `end`."""
    start, end = as_utc(start), as_utc(end)
    w = WorkOrderRow
    resolved_in = and_(w.resolved_at >= start, w.resolved_at < end)
    in_hand = and_(w.created_at < end, (w.resolved_at.is_(None)) | (w.resolved_at >= end))
    one = case
    query = select(
        w.team,
        func.sum(one((and_(w.created_at >= start, w.created_at < end), 1), else_=0)),
        func.sum(one((resolved_in, 1), else_=0)),
        func.sum(one((and_(resolved_in, w.resolved_at <= w.due_at), 1), else_=0)),
        func.sum(one((in_hand, 1), else_=0)),
        func.sum(one((and_(in_hand, w.due_at <= end), 1), else_=0)),
    ).group_by(w.team)
    escalations = (
        select(w.team, func.count(func.distinct(WorkOrderEventRow.work_order_id)))
        .join(w, w.id == WorkOrderEventRow.work_order_id)
        .where(WorkOrderEventRow.action == "escalated", WorkOrderEventRow.at >= start, WorkOrderEventRow.at < end)
        .group_by(w.team)
    )
    escalated: dict[str, int] = {t: int(n) for t, n in session.execute(escalations)}
    out = []
    for team, opened, resolved, within, active, overdue in session.execute(query):
        if not any((opened, resolved, active)):
            continue
        known = desk.routing.teams.get(team)
        out.append(
            TeamSla(
                team=team or "(unrouted)",
                name=(known.name_en or known.name_zh) if known else "",
                opened=int(opened or 0),
                resolved=int(resolved or 0),
                within_sla=int(within or 0),
                attainment=round(int(within or 0) / int(resolved), 3) if resolved else None,
                active=int(active or 0),
                overdue=int(overdue or 0),
                escalated=int(escalated.get(team, 0)),
            )
        )
    return sorted(out, key=lambda t: (t.attainment if t.attainment is not None else 2.0, t.team))
