"""Agent assist: answers with citations (`POST /v1/assist`), the streaming variant, and feedback (role agent)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.auth import DbSession, Svc, require_role
from api.services import Services
from core.keys import Principal
from core.tables import AssistLogRow
from knowledge.assist import Assistant, AssistResult, Outcome, assistant_for
from knowledge.context import Turn, parse_context
from knowledge.feedback import log_answer, record_feedback

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["assist"])
agent = require_role("agent")
AgentKey = Annotated[Principal, Depends(agent)]


def assistant(svc: Svc) -> Assistant:
    """The app's one assistant, held by its runtime (the BM25 snapshot and the loaded models)."""
    return assistant_for(svc)


AppAssistant = Annotated[Assistant, Depends(assistant)]


def warm(svc: Services) -> None:
    """Load what the first question would need (models, the BM25 snapshot, the vector index, jieba): at start."""
    try:
        assistant(svc).answer("warm up 预热", use_llm=False)
    except Exception:  # a broken store or model shows on the first question, as an error the caller can read
        log.exception("could not load the assistant at start; the first question will try again")


class AssistIn(BaseModel):
    question: str | None = Field(default=None, max_length=2000, description="What the agent asks.")
    context: list[Turn] | str | None = Field(
        default=None,
        description="The last turns of the live call (a list of {speaker, text}, or lines like 'customer: ...'); "
        "used as the query when no question is given.",
    )
    product: str | None = Field(default=None, max_length=128, description="Only documents for this product.")
    language: Literal["zh", "en"] | None = Field(default=None, description="Only documents in this language.")
    use_llm: bool = Field(default=True, description="Use the configured chat model, when there is one.")

    def turns(self) -> list[Turn] | None:
        if self.context is None:
            return None
        turns = parse_context(self.context) if isinstance(self.context, str) else self.context
        return turns[-50:]


class FeedbackIn(BaseModel):
    rating: Literal["helpful", "wrong", "not_used"]
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackOut(BaseModel):
    id: str
    feedback: str


def log_outcome(svc: Services, outcome: Outcome, api_key_id: str | None, embedder_name: str) -> None:
    """Log one answer. The agent is waiting, the log is not: the deferred writer commits it (the answer's id is
    made up front, so the response can name the row before it exists)."""
    svc.writer.submit(lambda session: log_answer(session, outcome, api_key_id=api_key_id, embedder_name=embedder_name))


@router.post("/assist", response_model=AssistResult)
def assist(
    *,
    body: AssistIn,
    svc: Svc,
    helper: AppAssistant,
    who: AgentKey,
) -> AssistResult:
    outcome = helper.answer(
        body.question, context=body.turns(), product=body.product, language=body.language, use_llm=body.use_llm
    )
    log_outcome(svc, outcome, who.key_id, helper.retriever.dense.embedder.name)
    return outcome.result


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.post(
    "/assist/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "citations, then answer, then done"}},
)
def assist_stream(
    *,
    body: AssistIn,
    svc: Svc,
    helper: AppAssistant,
    who: AgentKey,
) -> StreamingResponse:
    turns = body.turns()
    embedder_name = helper.retriever.dense.embedder.name
    # run retrieval before the response starts, so bad input still gets a proper 422 instead of a broken stream
    events = helper.stream(
        body.question,
        context=turns,
        product=body.product,
        language=body.language,
        on_done=lambda outcome: log_outcome(svc, outcome, who.key_id, embedder_name),
    )
    first = next(events)

    def body_iter() -> Iterator[str]:
        yield _sse(*first)
        for event in events:
            yield _sse(*event)

    return StreamingResponse(
        body_iter(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.post("/assist/{answer_id}/feedback", response_model=FeedbackOut)
def feedback(
    answer_id: str,
    body: FeedbackIn,
    session: DbSession,
    svc: Svc,
    _: AgentKey,
) -> FeedbackOut:
    wait_for_log(svc, answer_id)
    embedder = svc.embedder() if body.rating == "wrong" else None
    row = record_feedback(session, answer_id, body.rating, comment=body.comment, embedder=embedder)
    return FeedbackOut(id=row.id, feedback=body.rating)


def wait_for_log(svc: Services, answer_id: str, *, patience_s: float = 1.0) -> None:
    """The answer's log row may still be queued: in this process (the write barrier drained it before this
    request), or in another worker process, whose writer commits within milliseconds. Wait that long for an id we
    could have issued (a UUID) before calling it unknown."""
    try:
        uuid.UUID(answer_id)
    except ValueError:
        return
    deadline = time.monotonic() + patience_s
    while True:
        with svc.sessions() as session:
            if session.get(AssistLogRow, answer_id) is not None or time.monotonic() > deadline:
                return
        time.sleep(0.05)
