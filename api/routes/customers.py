"""Customers and sales: one customer's journey with churn risk (agent, analyst, sales_lead), the churn-risk list
(analyst), open leads by score, price bands and preferences per product and segment (sales_lead, analyst)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import DbSession, Svc, require_role
from core.errors import NotFound
from core.keys import Principal
from insights.classify.config import score_model_path
from insights.customers import store
from insights.customers.scores import ScoreModel, churn_priors, load_model

router = APIRouter(prefix="/v1", tags=["customers"])
JourneyKey = Annotated[Principal, Depends(require_role("agent", "analyst", "sales_lead"))]
ChurnKey = Annotated[Principal, Depends(require_role("analyst"))]
SalesKey = Annotated[Principal, Depends(require_role("sales_lead", "analyst"))]


def churn_model(svc: Svc) -> ScoreModel:
    return svc.part("churn_model", lambda: load_model(score_model_path(svc.settings, "churn"), churn_priors()))


@router.get("/customers/{customer_key}/journey", response_model=store.Journey)
def get_journey(customer_key: str, svc: Svc, session: DbSession, _: JourneyKey) -> store.Journey:
    """The customer's conversations across channels, oldest first, each with its stage (enquiry, purchase,
    delivery, use, complaint, repeat, churn), the open alerts and work orders that touched them, and the churn risk
    with its top signals. The key is the masked customer key (never a phone number)."""
    found = store.journey(session, customer_key, churn_model(svc))
    if found is None:
        raise NotFound(f"no conversations for customer '{customer_key}'")
    return found


@router.get("/customers/churn", response_model=list[store.ChurnRisk])
def get_churn(
    *,
    limit: int = Query(default=50, ge=1, le=500),
    days: int = Query(default=90, ge=1, le=366, description="Customers with a contact in this many days."),
    svc: Svc,
    session: DbSession,
    _: ChurnKey,
) -> list[store.ChurnRisk]:
    """Service customers most likely to leave first: a probability and the signals that raised it."""
    return store.churn_risks(session, churn_model(svc), limit=limit, days=days)


@router.get("/sales/leads", response_model=list[store.Lead])
def get_leads(
    *,
    limit: int = Query(default=50, ge=1, le=500),
    include_closed: bool = Query(default=False, description="Also won and lost deals (to check the score)."),
    session: DbSession,
    _: SalesKey,
) -> list[store.Lead]:
    """Open sales conversations by the probability they are won, with the top signals and the price range."""
    return store.open_leads(session, limit=limit, include_closed=include_closed)


@router.get("/sales/prices", response_model=list[store.PriceBand])
def get_prices(
    *, days: int | None = Query(default=None, ge=1, le=366), session: DbSession, _: SalesKey
) -> list[store.PriceBand]:
    """Per product and segment: customers' price ceilings (quartiles) and the deals lost above them."""
    start = datetime.now(UTC) - timedelta(days=days) if days else None
    return store.price_bands(session, start=start)


@router.get("/sales/preferences", response_model=list[store.PreferenceCount])
def get_preferences(
    *, days: int | None = Query(default=None, ge=1, le=366), session: DbSession, _: SalesKey
) -> list[store.PreferenceCount]:
    """Per product and segment: how many conversations asked for or rejected each feature."""
    start = datetime.now(UTC) - timedelta(days=days) if days else None
    return store.preference_counts(session, start=start)
