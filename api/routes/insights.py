"""Stored insights of one conversation (roles analyst and sales_lead). Evidence quotes are masked text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth import Svc, require_role
from core.errors import NotFound
from core.keys import Principal
from insights.classify.store import ConversationInsights, conversation_insights

router = APIRouter(prefix="/v1", tags=["insights"])
readers = require_role("analyst", "sales_lead")
ReadersKey = Annotated[Principal, Depends(readers)]


@router.get("/conversations/{conversation_id}/insights", response_model=ConversationInsights)
def get_conversation_insights(conversation_id: str, svc: Svc, _: ReadersKey) -> ConversationInsights:
    """Intent, sentiment (per turn, overall, trajectory, escalation), outcome, loss reasons, product and issue."""
    with svc.sessions() as session:
        found = conversation_insights(session, conversation_id)
    if found is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    return found
