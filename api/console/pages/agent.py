"""The agent's pages: ask the knowledge base (answer, citations, "not in the knowledge base", rating), the cited
section, and the agent's own conversations."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.auth import Svc
from api.console.pages.lists import paged
from api.console.render import page, redirect
from api.console.visit import Agent, Reader
from api.routes.assist import assistant, log_outcome, wait_for_log
from api.services import Services
from core.errors import NotFound
from core.tables import ChunkRow, ConversationRow
from knowledge.assist import Outcome
from knowledge.feedback import record_feedback

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/assist")
def ask_page(request: Request, visit: Agent) -> Response:
    return page(request, visit, "assist.html.j2", result=None, question="", product="", language="")


def _answer(svc: Services, question: str, product: str | None, language: str | None) -> Outcome:
    helper = assistant(svc)
    outcome = helper.answer(question, product=product, language=language)
    log_outcome(svc, outcome, None, helper.retriever.dense.embedder.name)
    return outcome


@router.post("/assist")
async def ask(
    request: Request,
    svc: Svc,
    visit: Agent,
    question: Annotated[str, Form(min_length=1, max_length=2000)],
    product: Annotated[str, Form(max_length=128)] = "",
    language: Annotated[Literal["", "zh", "en"], Form()] = "",
) -> Response:
    outcome = await anyio.to_thread.run_sync(_answer, svc, question, product or None, language or None)
    result = outcome.result
    # the question is shown back as stored: masked
    return page(
        request, visit, "assist.html.j2", result=result, question=result.query, product=product, language=language
    )


@router.post("/assist/{answer_id}/rate")
def rate(
    answer_id: str,
    svc: Svc,
    _: Agent,
    rating: Annotated[Literal["helpful", "wrong", "not_used"], Form()],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    wait_for_log(svc, answer_id)
    with svc.sessions() as session, session.begin():
        embedder = svc.embedder() if rating == "wrong" else None
        record_feedback(session, answer_id, rating, comment=comment or None, embedder=embedder)
    return redirect("/console/assist", ok=f"rating.{rating}")


@router.get("/knowledge/chunks/{chunk_id}")
def cited_section(request: Request, chunk_id: str, svc: Svc, visit: Reader) -> Response:
    with svc.sessions() as session:
        chunk = session.get(ChunkRow, chunk_id)
        if chunk is None:
            raise NotFound(f"no section '{chunk_id}' in the knowledge base (re-indexed since?)")
        doc = chunk.document
        return page(request, visit, "chunk.html.j2", chunk=chunk, document=doc)


@router.get("/mine")
def my_conversations(request: Request, svc: Svc, visit: Agent, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    size = svc.settings.console.page_size
    rows: list[ConversationRow] = []
    if visit.user.agent_id:
        with svc.sessions() as session:
            query = (
                select(ConversationRow)
                .where(ConversationRow.agent_id == visit.user.agent_id)
                .order_by(ConversationRow.started_at.desc(), ConversationRow.id)
                .offset(offset)
                .limit(size + 1)
            )
            rows = list(session.scalars(query))
    return page(request, visit, "mine.html.j2", pages=paged(rows, offset, size))
