"""The customers section of the nightly report and the sales digest: price bands, what customers ask for, the
leads most likely to close, and (in the report) the customers most likely to leave."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from insights.customers import store
from insights.customers.scores import ScoreModel

TOP = 10


class CustomerSection(BaseModel):
    prices: list[store.PriceBand] = Field(default_factory=list)
    preferences: list[store.PreferenceCount] = Field(default_factory=list, description="Most asked first.")
    leads: list[store.Lead] = Field(default_factory=list, description="Open leads, most likely won first.")
    churn: list[store.ChurnRisk] = Field(default_factory=list, description="Riskiest customers first.")


def customer_section(
    session: Session, *, start: datetime, end: datetime, churn_model: ScoreModel | None = None
) -> CustomerSection:
    """Sales conversations started in [start, end); churn over service customers when a churn model is given."""
    prefs = store.preference_counts(session, start=start, end=end)
    prefs.sort(key=lambda p: -(p.wanted + p.rejected))
    return CustomerSection(
        prices=store.price_bands(session, start=start, end=end),
        preferences=prefs[: TOP * 2],
        leads=store.open_leads(session, limit=TOP),
        churn=[r for r in store.churn_risks(session, churn_model, limit=TOP)] if churn_model else [],
    )
