"""The sales lead's page: the loss-reason digest with filters by team, rep and period."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import distinct, select

from api.auth import Svc
from api.console.pages.lists import OptionalDay
from api.console.render import page
from api.console.visit import Sales
from api.routes.reports import loss_digest
from api.services import Services
from core.tables import ConversationRow
from insights.reports.digest import LossDigest
from insights.reports.render import charts
from insights.reports.render.pages import last_day

router = APIRouter(prefix="/console", include_in_schema=False)
PERIODS = (7, 14, 30, 90)


def _build(
    svc: Services, team: str | None, rep: str | None, days: int, end: date | None
) -> tuple[LossDigest, list[str], list[str]]:
    with svc.sessions() as session:
        teams = [t for t in session.scalars(select(distinct(ConversationRow.team)).limit(500)) if t]
        reps = [r for r in session.scalars(select(distinct(ConversationRow.agent_id)).limit(2000)) if r]
        return loss_digest(svc, session, team, days, end, rep), sorted(teams), sorted(reps)


@router.get("/digest")
async def digest(
    request: Request,
    svc: Svc,
    visit: Sales,
    team: Annotated[str, Query(max_length=64)] = "",
    rep: Annotated[str, Query(max_length=64)] = "",
    days: Annotated[int, Query(ge=1, le=366)] = 7,
    end: OptionalDay = None,
) -> Response:
    if not team and visit.user.role == "sales_lead" and "team" not in request.query_params:
        team = visit.user.team or ""  # a sales lead starts on their own team
    found, teams, reps = await anyio.to_thread.run_sync(_build, svc, team or None, rep or None, days, end)
    rows = [(line.reason, line.lost, line.previous) for line in found.overall.reasons]
    chart = charts.paired_bars("loss_reasons", "Lost deals by reason: this period against the previous", rows)
    scopes = [found.overall] + ([] if found.team else found.teams)
    return page(
        request,
        visit,
        "digest.html.j2",
        d=found,
        chart=chart if rows else None,
        scopes=scopes,
        last=last_day(found.end),
        teams=teams,
        reps=reps,
        periods=PERIODS,
        f={"team": team, "rep": rep, "days": days, "end": end},
    )
