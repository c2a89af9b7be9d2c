"""Customers: open leads, price bands and preferences (sales lead, analyst), customers likely to leave (analyst),
and one customer's journey across channels (agent, analyst, sales lead)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from api.auth import Svc
from api.console.render import page
from api.console.visit import READ, Sales, may, visitor
from api.routes.customers import churn_model
from api.services import Services
from core.errors import NotFound
from core.settings import Role
from core.web_sessions import Visit
from insights.customers import store

router = APIRouter(prefix="/console", include_in_schema=False)
CHURN: tuple[Role, ...] = ("analyst",)  # who sees customers likely to leave
JourneyReader = Annotated[Visit, Depends(visitor("agent", "analyst", "sales_lead"))]


def _lists(svc: Services, sees_churn: bool) -> dict[str, Any]:
    with svc.sessions() as session:
        return {
            "leads": store.open_leads(session, limit=25),
            "bands": store.price_bands(session),
            "prefs": sorted(store.preference_counts(session), key=lambda p: -(p.wanted + p.rejected))[:20],
            "churn": store.churn_risks(session, churn_model(svc), limit=25) if sees_churn else [],
        }


@router.get("/customers")
async def customers(request: Request, svc: Svc, visit: Sales) -> Response:
    sees_churn = may(visit, CHURN)
    found = await anyio.to_thread.run_sync(_lists, svc, sees_churn)
    return page(request, visit, "customers.html.j2", can_read=may(visit, READ), sees_churn=sees_churn, **found)


def _journey(svc: Services, key: str) -> store.Journey:
    with svc.sessions() as session:
        found = store.journey(session, key, churn_model(svc))
    if found is None:
        raise NotFound(f"no conversations for customer '{key}'")
    return found


@router.get("/customers/{customer_key}")
async def journey(
    request: Request, svc: Svc, visit: JourneyReader, customer_key: Annotated[str, Path(max_length=64)]
) -> Response:
    found = await anyio.to_thread.run_sync(_journey, svc, customer_key)
    return page(request, visit, "journey.html.j2", j=found, can_read=may(visit, READ))
