"""QA (质检) results of one conversation (roles qa and analyst): each scorecard's score and its items' evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth import Svc, require_role
from core.errors import NotFound
from core.keys import Principal
from insights.quality.store import StoredScore, conversation_scores

router = APIRouter(prefix="/v1/quality", tags=["quality"])
QaKey = Annotated[Principal, Depends(require_role("qa", "analyst"))]


@router.get("/conversations/{conversation_id}", response_model=list[StoredScore])
def get_conversation_scores(conversation_id: str, svc: Svc, _: QaKey) -> list[StoredScore]:
    """Score (0-100), pass / fail / fatal, and per item pass / fail / na with the deciding turn, quoted masked."""
    with svc.sessions() as session:
        found = conversation_scores(session, conversation_id)
    if found is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    return found
