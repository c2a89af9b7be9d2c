"""Andon alerts (role analyst): list, acknowledge, close as fixed or as a false alarm; the agent's cord (role agent);
the catalog with each product's hold (every role that meets products)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from pydantic import BaseModel, Field

from api.auth import CommittedSession, DbSession, Svc, require_role
from api.routes.workorders import desk, send_outbox
from api.services import Services
from core.keys import Principal
from insights.andon import alerts, cord
from insights.andon.alerts import AlertView
from insights.classify.catalog import Catalog, Product, load_catalog
from insights.classify.config import catalog_path
from insights.classify.taxonomy import load_taxonomy
from insights.workorders import holds
from insights.workorders.holds import HoldView

router = APIRouter(prefix="/v1", tags=["andon"])


def product_catalog(svc: Services) -> Catalog:
    return svc.part("catalog", lambda: load_catalog(catalog_path(svc.settings, svc.settings.insights)))


def complaint_issues(svc: Services) -> list[str]:
    """The complaint issues of the taxonomy, in its order, read once per app (the cord checks against them)."""
    return svc.part(
        "complaint_issues",
        lambda: [label.name for label in load_taxonomy("complaint_issue", svc.settings.insights.taxonomy_dir).labels],
    )


AnalystKey = Annotated[Principal, Depends(require_role("analyst"))]
AgentKey = Annotated[Principal, Depends(require_role("agent", "analyst"))]
AnyRole = Annotated[Principal, Depends(require_role("agent", "analyst", "sales_lead", "qa"))]


class CloseIn(BaseModel):
    resolution: Literal["fixed", "false_alarm"] = Field(
        default="fixed", description="fixed (needs the root cause on the process work order) | false_alarm"
    )
    note: str | None = Field(
        default=None,
        max_length=4000,
        description="What was fixed, or why it was a false alarm (required then); masked before storing.",
    )


class PullIn(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=128)
    product: str = Field(min_length=1, max_length=128, description="Catalog id or any of its names.")
    issue: str = Field(min_length=1, max_length=64, description="A complaint issue of the taxonomy, e.g. defect.")
    problem: str = Field(default="", max_length=1000, description="The problem in the agent's words (masked).")


class PullOut(BaseModel):
    opened: bool = Field(description="True when this pull opened the alert; False when it joined a live one.")
    alert: AlertView


class ProductView(Product):
    hold: HoldView | None = Field(default=None, description="Set while an open Andon alert holds it off sale.")


@router.get("/andon", response_model=list[AlertView])
def list_andon(
    *,
    status: Literal["open", "acknowledged", "closed"] | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=1000),
    session: DbSession,
    _: AnalystKey,
) -> list[AlertView]:
    """Andon alerts, newest first: product, issue, the specific problem, customers, masked evidence, the product
    hold, work orders."""
    return alerts.list_alerts(session, status=status, limit=limit)


@router.post("/andon/pull", response_model=PullOut)
def pull_cord(body: PullIn, svc: Svc, session: CommittedSession, who: AgentKey, tasks: BackgroundTasks) -> PullOut:
    """Pull the Andon cord on a conversation: joins the live alert for (product, issue), or opens one, with its
    routed work orders and the product on hold."""
    catalog = product_catalog(svc)
    alert, opened = cord.pull(
        session,
        desk(svc),
        body.conversation_id,
        product=body.product,
        issue=body.issue,
        problem=body.problem,
        by=who.key_id,
        catalog=catalog,
        issues=complaint_issues(svc),
    )
    tasks.add_task(send_outbox, svc)
    return PullOut(opened=opened, alert=alert)


@router.post("/andon/{alert_id}/acknowledge", response_model=AlertView)
def acknowledge(alert_id: str, session: DbSession, who: AnalystKey) -> AlertView:
    """Someone owns it now; the alert stays live until it is closed."""
    return alerts.acknowledge(session, alert_id, by=who.key_id)


@router.post(
    "/andon/{alert_id}/close",
    response_model=AlertView,
    responses={409: {"description": "Closing as fixed before the root cause is recorded."}},
)
def close(
    alert_id: str, body: CloseIn, svc: Svc, session: CommittedSession, who: AnalystKey, tasks: BackgroundTasks
) -> AlertView:
    """Closes the alert: resolves its work orders in hand and releases the product hold; the trend report then
    follows the complaint rate before and after."""
    closed = alerts.close(session, alert_id, by=who.key_id, note=body.note, resolution=body.resolution)
    tasks.add_task(send_outbox, svc)
    return closed


@router.get("/products", response_model=list[ProductView])
def products(svc: Svc, session: DbSession, _: AnyRole) -> list[ProductView]:
    """The catalog, each product with its hold while an open Andon alert keeps it off sale."""
    catalog = product_catalog(svc)
    held = holds.on_hold(session)
    listed = [ProductView(**p.model_dump(), hold=held.get(p.id)) for p in catalog.products]
    known = {p.id for p in catalog.products}
    return listed + [ProductView(id=pid, hold=h) for pid, h in held.items() if pid not in known]
