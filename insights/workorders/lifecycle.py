"""A work order's life: open (routed) -> in progress -> waiting -> resolved -> verified, or reopened; every change,
comment, reassignment and the root-cause record is an event with who and when.

A move the current status does not allow is a `Conflict` whose detail lists the allowed moves. The SLA clock runs
from opening to resolved and is not paused while waiting; a reassignment keeps the clock and applies the new
team's SLA hours.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, InvalidInput, NotFound
from core.tables import AndonAlertRow, WorkOrderEventRow, WorkOrderRow, as_utc
from ingest.masking import mask_text
from insights.workorders.desk import Desk
from insights.workorders.routing import ACTIVE, pick_assignee

STATUSES = ("open", "in_progress", "waiting", "resolved", "verified")
MOVES: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "waiting", "resolved"),
    "in_progress": ("waiting", "resolved"),
    "waiting": ("in_progress", "resolved"),
    "resolved": ("verified", "open"),  # open again = reopened
    "verified": (),
}
SYSTEM = "system"


class EventView(BaseModel):
    at: datetime
    by: str
    action: str = Field(
        description="created | assigned | status | reopened | comment | root_cause | warned | escalated"
    )
    before: str | None = None
    after: str | None = None
    note: str | None = None


class RootCause(BaseModel):
    whys: list[str] = Field(min_length=1, max_length=5, description="The five whys, first to last (at least one).")
    fix: str = Field(min_length=1, description="The process change that keeps it from happening again.")
    by: str | None = None
    at: datetime | None = None


class WorkOrderView(BaseModel):
    id: str
    alert_id: str | None = Field(description="The Andon alert that opened it, if any.")
    conversation_id: str | None = Field(default=None, description="The conversation it is about (QA, manual).")
    kind: str = Field(
        description="quality (check and hold stock with the supplier) | process (root-cause review) | "
        "qa (a fatal QA item on one conversation) | ..."
    )
    product: str | None = None
    issue: str | None = None
    team: str
    assignee: str
    priority: str
    title: str
    body: str
    status: str
    moves: list[str] = Field(description="The statuses it can move to now.")
    created_at: datetime
    due_at: datetime | None = Field(default=None, description="Resolve by then (business hours of its SLA).")
    warned_at: datetime | None = None
    breached_at: datetime | None = Field(default=None, description="When the SLA was breached (its due time).")
    escalation: int = Field(default=0, description="0 none, 1 team lead told, 2 manager told.")
    resolved_at: datetime | None = None
    verified_at: datetime | None = None
    root_cause: RootCause | None = None
    product_on_hold: bool = False


class WorkOrderDetail(WorkOrderView):
    events: list[EventView]


def _utc(at: datetime | None) -> datetime:
    return as_utc(at or datetime.now(UTC))


def _maybe(at: datetime | None) -> datetime | None:
    return _utc(at) if at is not None else None


def view(row: WorkOrderRow, *, on_hold: bool = False) -> WorkOrderView:
    return WorkOrderView(
        id=row.id,
        alert_id=row.alert_id,
        conversation_id=row.conversation_id,
        kind=row.kind,
        product=row.product,
        issue=row.issue,
        team=row.team,
        assignee=row.assignee,
        priority=row.priority,
        title=row.title,
        body=row.body,
        status=row.status,
        moves=list(MOVES.get(row.status, ())),
        created_at=_utc(row.created_at),
        due_at=_maybe(row.due_at),
        warned_at=_maybe(row.warned_at),
        breached_at=_maybe(row.breached_at),
        escalation=row.escalation or 0,
        resolved_at=_maybe(row.resolved_at),
        verified_at=_maybe(row.verified_at),
        root_cause=RootCause.model_validate(row.root_cause) if row.root_cause else None,
        product_on_hold=on_hold,
    )


def detail(row: WorkOrderRow, *, on_hold: bool = False) -> WorkOrderDetail:
    events = [
        EventView(at=_utc(e.at), by=e.by, action=e.action, before=e.before, after=e.after, note=e.note)
        for e in row.events
    ]
    return WorkOrderDetail(**view(row, on_hold=on_hold).model_dump(), events=events)


def _event(
    row: WorkOrderRow,
    action: str,
    by: str,
    now: datetime,
    before: str | None = None,
    after: str | None = None,
    note: str | None = None,
) -> None:
    row.events.append(WorkOrderEventRow(at=now, by=by, action=action, before=before, after=after, note=note))


def open_order(
    session: Session,
    desk: Desk,
    *,
    kind: str,
    title: str,
    body: str,
    product: str | None = None,
    issue: str | None = None,
    channel: str | None = None,
    conversation_id: str | None = None,
    alert: AndonAlertRow | None = None,
    by: str = SYSTEM,
    now: datetime | None = None,
) -> WorkOrderRow:
    """Route a new work order (team, assignee, priority), set its SLA deadlines and add it to the session."""
    now = _utc(now)
    route = desk.routing.route(kind=kind, product=product, issue=issue, channel=channel)
    team = desk.routing.teams[route.team]
    assignee = route.assignee or pick_assignee(session, team)
    when = desk.deadlines(route.team, route.priority, now)
    row = WorkOrderRow(
        id=str(uuid.uuid4()),
        alert_id=alert.id if alert is not None else None,
        conversation_id=conversation_id,
        kind=kind,
        product=product,
        issue=issue,
        team=route.team,
        assignee=assignee,
        priority=route.priority,
        title=mask_text(title),
        body=mask_text(body),
        status="open",
        created_at=now,
        updated_at=now,
        warn_at=when.warn_at,
        due_at=when.due_at,
        manager_at=when.manager_at,
        escalation=0,
    )
    rule = f"rule {route.rule + 1}" if route.rule is not None else "default queue"
    _event(row, "created", by, now, after=f"{route.team}/{assignee}", note=f"routed by {rule}, {route.priority}")
    if alert is not None:
        alert.work_orders.append(row)
    else:
        session.add(row)
    return row


def get_row(session: Session, order_id: str) -> WorkOrderRow:
    row = session.get(WorkOrderRow, order_id)
    if row is None:
        raise NotFound(f"no work order {order_id!r}")
    return row


def move(
    session: Session, order_id: str, to: str, *, by: str, note: str | None = None, now: datetime | None = None
) -> WorkOrderRow:
    """Change the status; refused with the allowed moves when the current status does not lead to `to`."""
    if to not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, not {to!r}")
    row = get_row(session, order_id)
    allowed = MOVES[row.status]
    if to not in allowed:
        moves = ", ".join(allowed) if allowed else "none (it is final)"
        raise Conflict(
            f"work order {order_id} is {row.status}: it cannot move to {to}; allowed moves: {moves}",
            detail={"status": row.status, "allowed": list(allowed)},
        )
    if to == "resolved" and row.kind == "process" and not row.root_cause:
        raise Conflict(
            f"work order {order_id} is a root-cause review: record the five whys and the process fix before "
            "resolving it",
            detail={"status": row.status, "allowed": list(allowed), "missing": "root_cause"},
        )
    _set_status(row, to, by=by, note=note, now=_utc(now))
    session.flush()
    return row


def _set_status(row: WorkOrderRow, to: str, *, by: str, note: str | None, now: datetime) -> None:
    before = row.status
    row.status, row.updated_at = to, now
    if to == "resolved":
        row.resolved_at = now
        due = _maybe(row.due_at)
        if due is not None and now > due and row.breached_at is None:
            row.breached_at = due
    elif to == "verified":
        row.verified_at = now
    elif before == "resolved" and to == "open":
        row.resolved_at = None
    action = "reopened" if before == "resolved" and to == "open" else "status"
    _event(row, action, by, now, before=before, after=to, note=mask_text(note) if note else None)


def resolve_with_alert(row: WorkOrderRow, *, by: str, note: str, now: datetime) -> None:
    """Closing its Andon alert resolves a work order still in hand (no root-cause check: the alert's close did it)."""
    if row.status in ACTIVE:
        _set_status(row, "resolved", by=by, note=note, now=_utc(now))


def assign(
    session: Session,
    desk: Desk,
    order_id: str,
    *,
    team: str | None = None,
    assignee: str | None = None,
    by: str,
    note: str | None = None,
    now: datetime | None = None,
) -> WorkOrderRow:
    """Move it to another team (its pool picks the assignee unless one is named) or another person in its team."""
    row = get_row(session, order_id)
    if row.status not in ACTIVE:
        raise Conflict(
            f"work order {order_id} is {row.status}: reopen it before reassigning",
            detail={"status": row.status, "allowed": list(MOVES[row.status])},
        )
    now = _utc(now)
    new_team = desk.routing.team(team or row.team)
    name = team or row.team
    if assignee is not None and assignee not in (*new_team.members, new_team.lead):
        raise InvalidInput(f"{assignee!r} is not in team {name}; its members: {', '.join(new_team.members)}")
    before = f"{row.team}/{row.assignee}"
    if name != row.team:
        when = desk.deadlines(name, row.priority, _utc(row.created_at))
        row.warn_at, row.due_at, row.manager_at = when.warn_at, when.due_at, when.manager_at
        row.team, row.assignee = name, assignee or pick_assignee(session, new_team)
    elif assignee is not None:
        row.assignee = assignee
    row.updated_at = now
    _event(
        row,
        "assigned",
        by,
        now,
        before=before,
        after=f"{row.team}/{row.assignee}",
        note=mask_text(note) if note else None,
    )
    session.flush()
    return row


def comment(session: Session, order_id: str, text: str, *, by: str, now: datetime | None = None) -> WorkOrderRow:
    if not text.strip():
        raise InvalidInput("a comment needs some text")
    row = get_row(session, order_id)
    _event(row, "comment", by, _utc(now), note=mask_text(text.strip()))
    session.flush()
    return row


def record_root_cause(
    session: Session, order_id: str, cause: RootCause, *, by: str, now: datetime | None = None
) -> WorkOrderRow:
    """The five whys and the process fix, on the alert's root-cause (`process`) work order."""
    row = get_row(session, order_id)
    if row.kind != "process":
        raise InvalidInput(
            f"work order {order_id} is a {row.kind} work order; the root cause goes on the alert's "
            "process (root-cause review) work order"
        )
    whys = [mask_text(w.strip()) for w in cause.whys if w.strip()]
    if not whys or not cause.fix.strip():
        raise InvalidInput("a root cause needs at least one why and the process fix")
    now = _utc(now)
    row.root_cause = {"whys": whys, "fix": mask_text(cause.fix.strip()), "by": by, "at": now.isoformat()}
    row.updated_at = now
    _event(row, "root_cause", by, now, note=f"{len(whys)} why(s); fix: {row.root_cause['fix'][:200]}")
    session.flush()
    return row


def list_orders(
    session: Session,
    *,
    status: str | None = None,
    team: str | None = None,
    assignee: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[WorkOrderRow]:
    """Newest first. `status` may be `active` (open, in progress or waiting); `overdue` keeps active past due."""
    query = select(WorkOrderRow).order_by(WorkOrderRow.created_at.desc(), WorkOrderRow.id)
    if status == "active":
        query = query.where(WorkOrderRow.status.in_(ACTIVE))
    elif status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"status must be active or one of {', '.join(STATUSES)}, not {status!r}")
        query = query.where(WorkOrderRow.status == status)
    filters: dict[str, Any] = {"team": team, "assignee": assignee, "kind": kind}
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(WorkOrderRow, column) == value)
    if overdue:
        query = query.where(WorkOrderRow.status.in_(ACTIVE), WorkOrderRow.due_at <= _utc(now))
    return list(session.scalars(query.limit(limit).offset(offset)))
