"""Work orders (roles analyst and qa): list, one with its history, move through the lifecycle, reassign, comment,
record the root cause; the teams of the routing rules. Webhook messages a change queues (SLA, holds) are sent after
the response."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.auth import CommittedSession, DbSession, Svc, require_role
from api.services import Services
from core.keys import Principal
from core.outbox import deliver
from core.tables import WorkOrderRow
from insights.workorders import holds
from insights.workorders import lifecycle as wo
from insights.workorders.desk import Desk
from insights.workorders.lifecycle import RootCause, WorkOrderDetail, WorkOrderView
from insights.workorders.routing import Team

router = APIRouter(prefix="/v1", tags=["work orders"])
Worker = Annotated[Principal, Depends(require_role("analyst", "qa"))]
Status = Literal["open", "in_progress", "waiting", "resolved", "verified"]


def desk(svc: Services) -> Desk:
    """The routing rules and business calendar, loaded once per app."""
    return svc.part("desk", lambda: Desk.from_settings(svc.settings.workorders))


def send_outbox(svc: Services) -> None:
    """Deliver what the request queued (after its commit); what fails stays for the SLA sweep to retry."""
    if svc.settings.andon.webhook_url:
        deliver(svc.sessions, svc.settings.andon)


class MoveIn(BaseModel):
    status: Status
    note: str | None = Field(default=None, max_length=4000, description="Why (masked before storing).")


class AssignIn(BaseModel):
    team: str | None = Field(default=None, max_length=64, description="Another team (its pool picks the person).")
    assignee: str | None = Field(default=None, max_length=64, description="A person in the (new) team.")
    note: str | None = Field(default=None, max_length=4000)


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class TeamView(Team):
    id: str


@router.get("/work-orders", response_model=list[WorkOrderView])
def list_work_orders(
    *,
    status: Literal["active", "open", "in_progress", "waiting", "resolved", "verified"] | None = Query(default=None),
    team: str | None = Query(default=None, max_length=64),
    assignee: str | None = Query(default=None, max_length=64),
    kind: str | None = Query(default=None, max_length=16),
    overdue: bool = Query(default=False, description="Only work orders in hand past their SLA deadline."),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
    session: DbSession,
    _: Worker,
) -> list[WorkOrderView]:
    """Newest first, with team, priority, SLA deadline and escalation; `status=active` is open + in progress +
    waiting."""
    rows = wo.list_orders(
        session, status=status, team=team, assignee=assignee, kind=kind, overdue=overdue, limit=limit, offset=offset
    )
    held = holds.on_hold(session, {r.product for r in rows if r.product})
    return [wo.view(r, on_hold=r.product in held) for r in rows]


def _detail(session: DbSession, row: WorkOrderRow) -> WorkOrderDetail:
    return wo.detail(row, on_hold=bool(row.product and holds.on_hold(session, [row.product])))


@router.get("/work-orders/{order_id}", response_model=WorkOrderDetail)
def get_work_order(order_id: str, session: DbSession, _: Worker) -> WorkOrderDetail:
    """One work order with every change: who did what, when."""
    return _detail(session, wo.get_row(session, order_id))


@router.post(
    "/work-orders/{order_id}/status",
    response_model=WorkOrderDetail,
    responses={409: {"description": "Not allowed from the current status; `detail.allowed` lists the moves."}},
)
def move_work_order(order_id: str, body: MoveIn, session: CommittedSession, who: Worker) -> WorkOrderDetail:
    """open -> in_progress -> waiting -> resolved -> verified; resolved -> open reopens it."""
    return _detail(session, wo.move(session, order_id, body.status, by=who.key_id, note=body.note))


@router.post("/work-orders/{order_id}/assign", response_model=WorkOrderDetail)
def assign_work_order(
    order_id: str, body: AssignIn, svc: Svc, session: CommittedSession, who: Worker
) -> WorkOrderDetail:
    """Reassign to another team or person; the history keeps who had it before."""
    row = wo.assign(session, desk(svc), order_id, team=body.team, assignee=body.assignee, by=who.key_id, note=body.note)
    return _detail(session, row)


@router.post("/work-orders/{order_id}/comments", response_model=WorkOrderDetail)
def comment_work_order(order_id: str, body: CommentIn, session: CommittedSession, who: Worker) -> WorkOrderDetail:
    return _detail(session, wo.comment(session, order_id, body.text, by=who.key_id))


@router.put("/work-orders/{order_id}/root-cause", response_model=WorkOrderDetail)
def root_cause(order_id: str, body: RootCause, session: CommittedSession, who: Worker) -> WorkOrderDetail:
    """The five whys and the process fix, on an alert's process work order; closing the alert as fixed needs it."""
    return _detail(session, wo.record_root_cause(session, order_id, body, by=who.key_id))


@router.get("/teams", response_model=list[TeamView])
def teams(svc: Svc, _: Worker) -> list[TeamView]:
    """The teams of the routing rules: lead, manager, members, SLA overrides."""
    return [TeamView(id=name, **team.model_dump()) for name, team in desk(svc).routing.teams.items()]
