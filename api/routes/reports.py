"""The nightly trend report (role analyst) and the loss-reason digest (roles sales_lead and analyst), as JSON and as
self-contained HTML pages.

The trend report is read from what the nightly flow wrote (`reports_dir`); the digest is built on request, so a
sales lead can pick the team and the period.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.auth import DbSession, Svc, require_role
from api.services import Services
from core.errors import InvalidInput, NotFound
from core.keys import Principal
from insights.reports.digest import LossDigest, build_loss_digest
from insights.reports.report import period_end

router = APIRouter(prefix="/v1", tags=["reports"])
analyst = require_role("analyst")
AnalystKey = Annotated[Principal, Depends(analyst)]
sales = require_role("sales_lead", "analyst")
SalesKey = Annotated[Principal, Depends(sales)]


def report_file(svc: Services, day: date | None, ext: str) -> str:
    name = f"trends-{day.isoformat()}.{ext}" if day else f"latest.{ext}"
    path = svc.settings.reports_dir / name
    if not path.is_file():
        when = f"for {day.isoformat()}" if day else "yet"
        raise NotFound(f"no trend report {when}: the nightly flow writes it (`cxloop flows run reports`)")
    return path.read_text(encoding="utf-8")


@router.get("/reports/trends")
def trends(
    *,
    day: date | None = Query(default=None, description="Last day the report covers; default the newest report."),
    svc: Svc,
    _: AnalystKey,
) -> dict[str, Any]:
    """Volumes, sentiment, rising/falling intents with p- and q-values, emerging topics, Andon alerts, gaps."""
    loaded: dict[str, Any] = json.loads(report_file(svc, day, "json"))
    return loaded


@router.get("/reports/trends/page", response_class=HTMLResponse)
def trends_page(*, day: date | None = Query(default=None), svc: Svc, _: AnalystKey) -> HTMLResponse:
    """The trend report as a page (charts embedded, no external resources)."""
    return HTMLResponse(report_file(svc, day, "html"))


def loss_digest(
    svc: Services, session: Session, team: str | None, days: int, end: date | None, rep: str | None = None
) -> LossDigest:
    tz = svc.settings.flows.timezone
    if end is None:
        end_at = period_end(datetime.now(UTC), tz)
    else:
        end_at = datetime(end.year, end.month, end.day, tzinfo=ZoneInfo(tz)) + timedelta(days=1)
    if end_at - timedelta(days=days) > datetime.now(UTC) + timedelta(days=1):
        raise InvalidInput("the period lies in the future")
    return build_loss_digest(session, end=end_at, period_days=days, team=team, rep=rep)


@router.get("/digests/loss-reasons", response_model=LossDigest)
def loss_reasons(
    *,
    team: str | None = Query(default=None, max_length=64, description="One team; default every team."),
    rep: str | None = Query(default=None, max_length=64, description="One rep (agent id); default every rep."),
    days: int = Query(default=7, ge=1, le=366, description="Length of the period (compared with the one before)."),
    end: date | None = Query(default=None, description="Last day of the period; default yesterday."),
    svc: Svc,
    session: DbSession,
    _: SalesKey,
) -> LossDigest:
    """Lost deals by reason per team and rep, change against the previous period, masked quotes, won-deal voices."""
    return loss_digest(svc, session, team, days, end, rep)


@router.get("/digests/loss-reasons/page", response_class=HTMLResponse)
def loss_reasons_page(
    *,
    team: str | None = Query(default=None, max_length=64),
    days: int = Query(default=7, ge=1, le=366),
    end: date | None = Query(default=None),
    svc: Svc,
    session: DbSession,
    _: SalesKey,
) -> HTMLResponse:
    """The loss-reason digest as a page."""
    from insights.reports.render.pages import render_digest_html

    return HTMLResponse(render_digest_html(loss_digest(svc, session, team, days, end)))
