"""Andon alerts and their work orders (role analyst): list, acknowledge, close; list and update work orders."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.auth import DbSession, require_role
from core.keys import Principal
from insights.andon import alerts
from insights.andon.alerts import AlertView, WorkOrderView

router = APIRouter(prefix="/v1", tags=["andon"])
analyst = require_role("analyst")
AnalystKey = Annotated[Principal, Depends(analyst)]


class CloseIn(BaseModel):
    note: str | None = Field(default=None, max_length=4000, description="What was fixed (masked before storing).")


class WorkOrderIn(BaseModel):
    status: Literal["open", "done"]


@router.get("/andon", response_model=list[AlertView])
def list_andon(
    *,
    status: Literal["open", "acknowledged", "closed"] | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=1000),
    session: DbSession,
    _: AnalystKey,
) -> list[AlertView]:
    """Andon alerts, newest first: product, issue, the specific problem, customers, masked evidence, work orders."""
    return alerts.list_alerts(session, status=status, limit=limit)


@router.post("/andon/{alert_id}/acknowledge", response_model=AlertView)
def acknowledge(alert_id: str, session: DbSession, who: AnalystKey) -> AlertView:
    """Someone owns it now; the alert stays live until it is closed."""
    return alerts.acknowledge(session, alert_id, by=who.key_id)


@router.post("/andon/{alert_id}/close", response_model=AlertView)
def close(alert_id: str, body: CloseIn, session: DbSession, who: AnalystKey) -> AlertView:
    """Closes the alert and its work orders; the trend report then follows the complaint rate before and after."""
    return alerts.close(session, alert_id, by=who.key_id, note=body.note)


@router.get("/work-orders", response_model=list[WorkOrderView])
def list_work_orders(
    *,
    status: Literal["open", "done"] | None = Query(default=None),
    assignee: str | None = Query(default=None, max_length=64),
    limit: int = Query(default=200, ge=1, le=1000),
    session: DbSession,
    _: AnalystKey,
) -> list[WorkOrderView]:
    """Work orders opened by Andon alerts, newest first."""
    return alerts.list_work_orders(session, status=status, assignee=assignee, limit=limit)


@router.post("/work-orders/{order_id}", response_model=WorkOrderView)
def update_work_order(order_id: str, body: WorkOrderIn, session: DbSession, _: AnalystKey) -> WorkOrderView:
    """Mark a work order done (or open again)."""
    return alerts.set_work_order_status(session, order_id, body.status)
