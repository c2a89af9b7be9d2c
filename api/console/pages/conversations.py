"""Conversations: the list and search (Chinese or English), one conversation's view (turns, the call's audio,
insights, summary, QA scores, the product hold), and what people do from it: pull the Andon cord (agent,
analyst), review the QA form (qa), dispute an item (agent)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.auth import Svc
from api.console.pages.lists import OptionalDay, midnight, paged
from api.console.render import page, redirect
from api.console.visit import CORD, DISPUTE, REVIEW, Agent, Puller, Qa, Reader, may
from api.routes.andon import complaint_issues, product_catalog
from api.routes.quality import scorecards
from api.routes.workorders import desk, send_outbox
from core.errors import NotFound
from core.tables import ConversationRow
from ingest.search import SearchFilters, search
from insights.andon import cord
from insights.classify.store import conversation_insights
from insights.quality import review as qa
from insights.quality.review import ItemVerdict
from insights.quality.store import conversation_scores
from insights.summaries.run import get_summary
from insights.workorders import holds

router = APIRouter(prefix="/console", include_in_schema=False)
AUDIO = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac", ".ogg": "audio/ogg", ".m4a": "audio/mp4"}
Channel = Literal["", "call", "chat", "work_order"]
HIDDEN_KINDS = frozenset({"qa_item", "qa_score", "qa_roles", "sentiment_turn"})


@router.get("/conversations")
async def conversations(
    request: Request,
    svc: Svc,
    visit: Reader,
    q: Annotated[str, Query(max_length=500)] = "",
    channel: Channel = "",
    language: Annotated[Literal["", "zh", "en"], Query()] = "",
    product: Annotated[str, Query(max_length=128)] = "",
    date_from: OptionalDay = None,
    date_to: OptionalDay = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    size = svc.settings.console.page_size
    filters = {
        "q": q,
        "channel": channel,
        "language": language,
        "product": product,
        "date_from": date_from,
        "date_to": date_to,
    }
    hits = []
    rows: list[ConversationRow] = []
    if q.strip():
        wanted = SearchFilters(
            channel=channel or None,
            product=product or None,
            language=language or None,
            date_from=date_from,
            date_to=date_to,
        )
        hits = await anyio.to_thread.run_sync(
            lambda: search(svc.turn_index(), svc.embedder(), q, k=min(100, offset + size + 1), filters=wanted)
        )
        hits = hits[offset:]
    else:
        query = select(ConversationRow).order_by(ConversationRow.started_at.desc(), ConversationRow.id)
        if channel:
            query = query.where(ConversationRow.channel == channel)
        if language:
            query = query.where(ConversationRow.language == language)
        if product:
            query = query.where(ConversationRow.product == product)
        if date_from:
            query = query.where(ConversationRow.started_at >= midnight(date_from))
        if date_to:
            query = query.where(ConversationRow.started_at < midnight(date_to) + timedelta(days=1))
        with svc.sessions() as session:
            rows = list(session.scalars(query.offset(offset).limit(size + 1)))
    listing = paged(hits if q.strip() else rows, offset, size, filters)
    return page(request, visit, "conversations.html.j2", pages=listing, searched=bool(q.strip()), f=filters)


def _recording(row: ConversationRow) -> Path | None:
    """The call's audio file, when it is still where ingest read it."""
    path = Path(row.source_uri)
    return path if row.channel == "call" and path.suffix.lower() in AUDIO and path.is_file() else None


@router.get("/open")
def open_by_id(visit: Reader, id: Annotated[str, Query(min_length=1, max_length=128)]) -> Response:
    return redirect(f"/console/conversations/{id.strip()}")


@router.get("/conversations/{conversation_id}")
def conversation(request: Request, conversation_id: str, svc: Svc, visit: Reader) -> Response:
    with svc.sessions() as session:
        row = session.get(ConversationRow, conversation_id, options=[selectinload(ConversationRow.turns)])
        if row is None:
            raise NotFound(f"no conversation '{conversation_id}'")
        found = conversation_insights(session, conversation_id)
        # the QA section shows the scores; per-turn sentiment is too fine for this view
        insights = [i for i in (found.insights if found else []) if i.kind not in HIDDEN_KINDS]
        scores = conversation_scores(session, conversation_id, scorecards(svc)) or []
        hold = holds.on_hold(session, [row.product]).get(row.product) if row.product else None
        summary = get_summary(session, conversation_id)
        disputes = qa.disputes(session, conversation_id=conversation_id)
        return page(
            request,
            visit,
            "conversation.html.j2",
            c=row,
            turns=row.turns,
            insights=insights,
            scores=scores,
            hold=hold,
            summary=summary,
            audio=_recording(row) is not None,
            disputes=disputes,
            can_pull=may(visit, CORD),
            can_review=may(visit, REVIEW),
            can_dispute=may(visit, DISPUTE),
            products=product_catalog(svc).products,
            issues=complaint_issues(svc),
        )


@router.get("/conversations/{conversation_id}/audio")
def audio(conversation_id: str, svc: Svc, _: Reader) -> Response:
    with svc.sessions() as session:
        row = session.get(ConversationRow, conversation_id)
    path = _recording(row) if row is not None else None
    if path is None:
        raise NotFound(f"no recording kept for '{conversation_id}'")
    return FileResponse(path, media_type=AUDIO[path.suffix.lower()])


@router.post("/conversations/{conversation_id}/cord")
def pull_cord(
    conversation_id: str,
    svc: Svc,
    visit: Puller,
    tasks: BackgroundTasks,
    product: Annotated[str, Form(min_length=1, max_length=128)],
    issue: Annotated[str, Form(min_length=1, max_length=64)],
    problem: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    with svc.sessions() as session, session.begin():
        _, opened = cord.pull(
            session,
            desk(svc),
            conversation_id,
            product=product,
            issue=issue,
            problem=problem,
            by=visit.user.username,
            catalog=product_catalog(svc),
            issues=complaint_issues(svc),
        )
    tasks.add_task(send_outbox, svc)
    return redirect(f"/console/conversations/{conversation_id}", ok="cord.opened" if opened else "cord.joined")


@router.post("/conversations/{conversation_id}/review")
async def review(request: Request, conversation_id: str, svc: Svc, visit: Qa) -> Response:
    """One form per scorecard: `scorecard`, then per item `item:<id>` (agree | pass | fail | na) and
    `reason:<id>`."""
    form = await request.form()
    card = str(form.get("scorecard", ""))
    verdicts: dict[str, ItemVerdict] = {}
    with svc.sessions() as session:
        scores = {s.scorecard: s for s in conversation_scores(session, conversation_id) or []}
    if card not in scores:
        raise NotFound(f"conversation '{conversation_id}' has no score on '{card}'")
    for item in scores[card].items:
        choice = str(form.get(f"item:{item.item}", "agree"))
        if choice in ("pass", "fail", "na") and choice != item.outcome:
            reason = str(form.get(f"reason:{item.item}", "")).strip() or None
            verdicts[item.item] = ItemVerdict(outcome=choice, reason=reason)
    with svc.sessions() as session, session.begin():
        qa.review(session, conversation_id, card, verdicts, reviewer=visit.user.username, confirm_rest=True)
    return redirect(f"/console/conversations/{conversation_id}", ok="qa.reviewed_ok")


@router.post("/conversations/{conversation_id}/dispute")
def dispute(
    conversation_id: str,
    svc: Svc,
    visit: Agent,
    scorecard: Annotated[str, Form(max_length=128)],
    item: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    with svc.sessions() as session, session.begin():
        qa.dispute(session, conversation_id, scorecard, item, reason, raised_by=visit.user.username)
    return redirect(f"/console/conversations/{conversation_id}", ok="qa.disputed")
