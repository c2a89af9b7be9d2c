"""QA (质检): a conversation's scores with evidence (qa, analyst), review and sampling (qa), agents' disputes
(agent raises, qa settles), and the machine's agreement with the reviewers per item (qa, analyst)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.auth import DbSession, Svc, require_role
from api.routes.workorders import desk
from core.errors import NotFound
from core.keys import Principal
from insights.quality import review as qa
from insights.quality.actions import raise_work_order
from insights.quality.digest import QaDigest, build_qa_digest
from insights.quality.review import DisputeView, ItemAgreement, ItemVerdict, ReviewView
from insights.quality.scorecard import Scorecard, scorecards_by_name
from insights.quality.store import StoredScore, conversation_scores
from insights.workorders.lifecycle import WorkOrderView


def scorecards(svc: Svc) -> dict[str, Scorecard]:
    """The configured scorecards, read once per API process (the forms the nightly run scores with)."""
    return svc.part("scorecards", lambda: scorecards_by_name(svc.settings.quality.scorecard_dir))


router = APIRouter(prefix="/v1/quality", tags=["quality"])
ReaderKey = Annotated[Principal, Depends(require_role("qa", "analyst"))]
QaKey = Annotated[Principal, Depends(require_role("qa"))]
AgentKey = Annotated[Principal, Depends(require_role("agent", "qa"))]


class ReviewIn(BaseModel):
    scorecard: str = Field(max_length=128)
    items: dict[str, ItemVerdict] = Field(default_factory=dict, description="Item id -> verdict; others agree.")
    confirm_rest: bool = Field(default=True, description="Record every item not named as agreeing with the machine.")


class DisputeIn(BaseModel):
    scorecard: str = Field(max_length=128)
    item: str = Field(max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


class RaiseIn(BaseModel):
    note: str | None = Field(default=None, max_length=2000, description="For the assignee (masked before storing).")
    assignee: str | None = Field(default=None, max_length=64, description="A person; default: the routed team's pool.")


class ResolveIn(BaseModel):
    decision: Literal["upheld", "rejected"]
    reason: str = Field(min_length=1, max_length=2000)
    outcome: Literal["pass", "fail", "na"] | None = Field(default=None, description="When upheld: the new outcome.")


@router.get("/conversations/{conversation_id}", response_model=list[StoredScore])
def get_conversation_scores(conversation_id: str, svc: Svc, session: DbSession, _: ReaderKey) -> list[StoredScore]:
    """Score (0-100), pass / fail / fatal, and per item pass / fail / na with the deciding turn, quoted masked; a
    reviewed item shows the reviewer's verdict, and the form its reviewed score."""
    cards = scorecards(svc)
    found = conversation_scores(session, conversation_id, cards)
    if found is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    return found


@router.get("/conversations/{conversation_id}/reviews", response_model=list[ReviewView])
def get_reviews(conversation_id: str, session: DbSession, _: ReaderKey) -> list[ReviewView]:
    """Every verdict on the conversation, oldest first: reviews and upheld disputes, none ever replaced."""
    return qa.reviews(session, conversation_id)


@router.post("/conversations/{conversation_id}/reviews", response_model=list[ReviewView])
def post_review(conversation_id: str, body: ReviewIn, session: DbSession, who: QaKey) -> list[ReviewView]:
    """Review one scorecard of a scored conversation; a verdict that differs from the machine's needs a reason."""
    return qa.review(
        session, conversation_id, body.scorecard, body.items, reviewer=who.key_id, confirm_rest=body.confirm_rest
    )


@router.get("/sample", response_model=list[str])
def get_sample(
    *,
    n: int = Query(default=20, ge=1, le=500),
    scorecard: str | None = Query(default=None, max_length=128),
    result: Literal["pass", "fail", "fatal"] | None = Query(default=None),
    session: DbSession,
    _: QaKey,
) -> list[str]:
    """Up to n scored conversations nobody has reviewed yet, drawn at random."""
    return qa.sample(session, n, scorecard=scorecard, result=result)


@router.post("/conversations/{conversation_id}/disputes", response_model=DisputeView)
def post_dispute(conversation_id: str, body: DisputeIn, session: DbSession, who: AgentKey) -> DisputeView:
    """An agent disputes one item's result, with a reason; QA settles it."""
    return qa.dispute(session, conversation_id, body.scorecard, body.item, body.reason, raised_by=who.key_id)


@router.get("/disputes", response_model=list[DisputeView])
def get_disputes(
    *,
    status: Literal["open", "upheld", "rejected"] | None = Query(default=None),
    limit: int = Query(default=200, ge=1, le=1000),
    session: DbSession,
    _: QaKey,
) -> list[DisputeView]:
    """Disputes, newest first."""
    return qa.disputes(session, status=status, limit=limit)


@router.post("/disputes/{dispute_id}", response_model=DisputeView)
def post_resolution(dispute_id: int, body: ResolveIn, session: DbSession, who: QaKey) -> DisputeView:
    """Uphold (the item's outcome changes, kept as an override) or reject a dispute, with a reason."""
    return qa.resolve(
        session,
        dispute_id,
        upheld=body.decision == "upheld",
        reason=body.reason,
        resolved_by=who.key_id,
        outcome=body.outcome,
    )


@router.get("/agreement", response_model=list[ItemAgreement])
def get_agreement(
    *, scorecard: str | None = Query(default=None, max_length=128), session: DbSession, _: ReaderKey
) -> list[ItemAgreement]:
    """Per item: how many reviewed, the share where the machine agrees with the reviewer, Cohen's kappa."""
    return qa.agreement(session, scorecard=scorecard)


@router.get("/digest", response_model=QaDigest)
def get_digest(
    *,
    team: str | None = Query(default=None, max_length=64, description="One team (default: every team)."),
    days: int | None = Query(default=None, ge=1, le=366, description="Period length (default reports.period_days)."),
    svc: Svc,
    session: DbSession,
    _: ReaderKey,
) -> QaDigest:
    """QA per agent and team over the last `days` up to now, against the period before: scores, most-missed items,
    best and worst conversations, the mean score per day."""
    cards = scorecards(svc)
    period = days or svc.settings.reports.period_days
    return build_qa_digest(session, end=datetime.now(UTC), period_days=period, team=team, cards=cards)


@router.post("/conversations/{conversation_id}/work-order", response_model=WorkOrderView)
def post_work_order(conversation_id: str, body: RaiseIn, svc: Svc, session: DbSession, who: QaKey) -> WorkOrderView:
    """Raise the work order of a conversation that failed a fatal item (the nightly run opens these too); the one
    already open is returned when there is one."""
    cards = scorecards(svc)
    return raise_work_order(
        session, cards, conversation_id, desk=desk(svc), assignee=body.assignee, note=body.note, by=who.key_id
    )
