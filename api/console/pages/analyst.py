"""The analyst's pages: the dashboard from the nightly report (charts), the full report, the Andon board
(acknowledge, close with the root cause or as a false alarm) and the knowledge gaps."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import Svc
from api.console.pages.lists import OptionalDays, paged
from api.console.render import HEADERS, page, redirect
from api.console.visit import Analyst
from api.routes.assist import assistant
from api.routes.workorders import send_outbox
from api.services import Services
from insights.andon import alerts
from insights.reports.render.pages import trend_charts, volume_change
from insights.reports.report import TrendReport
from knowledge.gaps import GapGroup, list_gaps

router = APIRouter(prefix="/console", include_in_schema=False)


def _latest(svc: Services) -> TrendReport | None:
    path = svc.settings.reports_dir / "latest.json"
    return TrendReport.model_validate_json(path.read_text(encoding="utf-8")) if path.is_file() else None


@router.get("/dashboard")
def dashboard(request: Request, svc: Svc, visit: Analyst) -> Response:
    report = _latest(svc)
    with svc.sessions() as session:
        live = alerts.list_alerts(session, live=True, limit=50)
    if report is None:
        return page(request, visit, "dashboard.html.j2", r=None, live=live)
    return page(
        request,
        visit,
        "dashboard.html.j2",
        r=report,
        live=live,
        charts=trend_charts(report),
        change=volume_change(report.conversations, report.previous_conversations),
        rising=[c for c in report.intent_changes if c.significant and c.direction == "rising"],
        falling=[c for c in report.intent_changes if c.significant and c.direction == "falling"],
    )


@router.get("/reports/trends")
def full_report(svc: Svc, _: Analyst) -> Response:
    """The nightly report's own self-contained page (what `GET /v1/reports/trends/page` serves to keys)."""
    from api.routes.reports import report_file

    return HTMLResponse(report_file(svc, None, "html"), headers=HEADERS)


Board = Literal["live", "open", "acknowledged", "closed"]


@router.get("/andon")
def board(
    request: Request,
    svc: Svc,
    visit: Analyst,
    status: Board = "live",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    size = svc.settings.console.page_size
    with svc.sessions() as session:
        found = alerts.list_alerts(
            session, status=None if status == "live" else status, live=status == "live", limit=offset + size + 1
        )
    return page(
        request, visit, "andon.html.j2", pages=paged(found[offset:], offset, size, {"status": status}), status=status
    )


@router.post("/andon/{alert_id}/acknowledge")
def acknowledge(alert_id: str, svc: Svc, visit: Analyst) -> Response:
    with svc.sessions() as session, session.begin():
        alerts.acknowledge(session, alert_id, by=visit.user.username)
    return redirect("/console/andon", ok="andon.acknowledged")


@router.post("/andon/{alert_id}/close")
def close(
    alert_id: str,
    svc: Svc,
    visit: Analyst,
    tasks: BackgroundTasks,
    resolution: Annotated[Literal["fixed", "false_alarm"], Form()],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    with svc.sessions() as session, session.begin():
        alerts.close(session, alert_id, by=visit.user.username, note=note or None, resolution=resolution)
    tasks.add_task(send_outbox, svc)
    return redirect("/console/andon?status=closed", ok="andon.closed")


def _gaps(svc: Services, days: int | None, product: str | None) -> list[GapGroup]:
    from datetime import UTC, datetime, timedelta

    since = datetime.now(UTC) - timedelta(days=days) if days else None
    name = assistant(svc).retriever.dense.embedder.name
    with svc.sessions() as session:
        return list_gaps(session, since=since, product=product, embedder_name=name, limit=200)


@router.get("/gaps")
async def gaps(
    request: Request,
    svc: Svc,
    visit: Analyst,
    days: OptionalDays = 30,
    product: Annotated[str, Query(max_length=128)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    size = svc.settings.console.page_size
    found = await anyio.to_thread.run_sync(_gaps, svc, days, product or None)
    listing = paged(found[offset:], offset, size, {"days": days, "product": product})
    return page(request, visit, "gaps.html.j2", pages=listing, days=days, product=product)
