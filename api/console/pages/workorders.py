"""The work-order queue (analyst, qa): filters, one order with its history, and the moves people make on it:
status, reassignment, comments, the root cause (five whys and the fix)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from api.auth import Svc
from api.console.pages.lists import paged
from api.console.render import page, redirect
from api.console.visit import Worker
from api.routes.workorders import desk
from insights.workorders import holds
from insights.workorders import lifecycle as wo
from insights.workorders.lifecycle import RootCause

router = APIRouter(prefix="/console", include_in_schema=False)
Status = Literal["active", "open", "in_progress", "waiting", "resolved", "verified", "all"]


@router.get("/workorders")
def queue(
    request: Request,
    svc: Svc,
    visit: Worker,
    status: Status = "active",
    team: Annotated[str, Query(max_length=64)] = "",
    assignee: Annotated[str, Query(max_length=64)] = "",
    overdue: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    size = svc.settings.console.page_size
    with svc.sessions() as session:
        rows = wo.list_orders(
            session,
            status=None if status == "all" else status,
            team=team or None,
            assignee=assignee or None,
            overdue=overdue,
            limit=size + 1,
            offset=offset,
        )
        held = holds.on_hold(session, {r.product for r in rows if r.product})
        views = [wo.view(r, on_hold=r.product in held) for r in rows]
    filters = {"status": status, "team": team, "assignee": assignee, "overdue": overdue}
    return page(
        request,
        visit,
        "workorders.html.j2",
        pages=paged(views, offset, size, filters),
        f=filters,
        teams=sorted(desk(svc).routing.teams),
    )


@router.get("/workorders/{order_id}")
def order(request: Request, order_id: str, svc: Svc, visit: Worker) -> Response:
    with svc.sessions() as session:
        row = wo.get_row(session, order_id)
        detail = wo.detail(row, on_hold=bool(row.product and holds.on_hold(session, [row.product])))
    teams = desk(svc).routing.teams
    return page(request, visit, "workorder.html.j2", o=detail, teams=teams)


@router.post("/workorders/{order_id}/status")
def move(
    order_id: str,
    svc: Svc,
    visit: Worker,
    status: Annotated[Literal["open", "in_progress", "waiting", "resolved", "verified"], Form()],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    with svc.sessions() as session, session.begin():
        wo.move(session, order_id, status, by=visit.user.username, note=note or None)
    return redirect(f"/console/workorders/{order_id}", ok="wo.moved")


@router.post("/workorders/{order_id}/assign")
def assign(
    order_id: str,
    svc: Svc,
    visit: Worker,
    team: Annotated[str, Form(max_length=64)] = "",
    assignee: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    with svc.sessions() as session, session.begin():
        wo.assign(
            session,
            desk(svc),
            order_id,
            team=team or None,
            assignee=assignee or None,
            by=visit.user.username,
            note=note or None,
        )
    return redirect(f"/console/workorders/{order_id}", ok="wo.assigned")


@router.post("/workorders/{order_id}/comment")
def comment(
    order_id: str, svc: Svc, visit: Worker, text: Annotated[str, Form(min_length=1, max_length=4000)]
) -> Response:
    with svc.sessions() as session, session.begin():
        wo.comment(session, order_id, text, by=visit.user.username)
    return redirect(f"/console/workorders/{order_id}", ok="wo.commented")


@router.post("/workorders/{order_id}/root-cause")
def root_cause(
    order_id: str,
    svc: Svc,
    visit: Worker,
    fix: Annotated[str, Form(min_length=1, max_length=4000)],
    why1: Annotated[str, Form(min_length=1, max_length=1000)],
    why2: Annotated[str, Form(max_length=1000)] = "",
    why3: Annotated[str, Form(max_length=1000)] = "",
    why4: Annotated[str, Form(max_length=1000)] = "",
    why5: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    whys = [w.strip() for w in (why1, why2, why3, why4, why5) if w.strip()]
    with svc.sessions() as session, session.begin():
        wo.record_root_cause(session, order_id, RootCause(whys=whys, fix=fix), by=visit.user.username)
    return redirect(f"/console/workorders/{order_id}", ok="wo.root_cause_saved")
