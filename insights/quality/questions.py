"""Question items answered by the chat model: yes / no / not applicable, with the turn that shows it.

Scoring writes a question item as `na` at once, so scoring every conversation stays fast. `answer_pending` then
asks the chat model, within a time budget, about every scored conversation whose question items have no answer
yet, newest first, and rewrites those items and the form's score. Each answer is also kept as a `qa_answer` record
(label `item:yes|no|na`, model = the chat model) beside the item, so an outcome says where it came from. A failed
call or an answer off the schema leaves the item `na` and is counted; the next run asks again. A changed
conversation is scored again from scratch (its answers go with its other insights) and asked again.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from core.db import transaction
from core.records import Conversation
from core.tables import ConversationRow, InsightRow
from ingest.ledger import from_row
from insights.classify.turns import quote, transcript
from insights.quality.score import Outcome, total
from insights.quality.scorecard import Item, Scorecard

log = logging.getLogger(__name__)
SYSTEM = (
    "You are a quality inspector (质检) in a contact center. Read the conversation: each line is a turn index in "
    "brackets, the speaker and the text. Answer the question about it with yes, no or not_applicable (the question "
    "does not arise in this conversation), and give the index of the one turn that shows your answer. Use only what "
    "the conversation says."
)


class QuestionAnswer(BaseModel):
    """The JSON the model must return."""

    answer: Literal["yes", "no", "not_applicable"]
    evidence_turn: int | None = Field(default=None, description="Index of the turn that shows the answer.")


class QuestionRun(BaseModel):
    conversations: int = 0  # with unanswered question items
    asked: int = 0
    answered: int = 0
    failed: int = 0
    llm_seconds: float = 0.0
    budget_left: bool = True


def ask(chat_model: Any, item: Item, conversation: Conversation) -> tuple[Outcome, str, int | None]:
    """(outcome, the model's answer, evidence turn) for one question item; raises when the call or answer fails."""
    from langchain_core.messages import HumanMessage, SystemMessage

    prompt = f"Question: {item.question}\n\nConversation:\n{transcript(conversation, numbered=True)}"
    reply = chat_model.with_structured_output(QuestionAnswer).invoke([SystemMessage(SYSTEM), HumanMessage(prompt)])
    answer = reply if isinstance(reply, QuestionAnswer) else QuestionAnswer.model_validate(reply)
    indexes = {t.index for t in conversation.turns}
    turn = answer.evidence_turn if answer.evidence_turn in indexes else None
    if answer.answer == "not_applicable":
        return "na", "na", turn
    return ("pass" if answer.answer == item.pass_on else "fail"), answer.answer, turn


def pending(
    session: Session, cards: Mapping[str, Scorecard], limit: int | None = None
) -> dict[str, dict[str, list[str]]]:
    """conversation id -> scorecard name -> its question items not answered yet; newest conversations first."""
    questions = {name: [i.id for i in card.items if i.kind == "question"] for name, card in cards.items()}
    models = [f"scorecard/{name}" for name, ids in questions.items() if ids]
    if not models:
        return {}
    answered = {
        (cid, model, label.rpartition(":")[0])
        for cid, model, label in session.execute(
            select(InsightRow.conversation_id, InsightRow.model_name, InsightRow.label).where(
                InsightRow.kind == "qa_answer", InsightRow.model_name.in_(models)
            )
        )
    }
    rows = session.execute(
        select(InsightRow.conversation_id, InsightRow.model_name, InsightRow.model_version)
        .join(ConversationRow, ConversationRow.id == InsightRow.conversation_id)
        .where(InsightRow.kind == "qa_score", InsightRow.model_name.in_(models))
        .order_by(ConversationRow.started_at.desc().nulls_last(), ConversationRow.id)
    )
    out: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for cid, model, version in rows:
        name = model.removeprefix("scorecard/")
        if version != cards[name].fingerprint:
            continue
        todo = [item for item in questions[name] if (cid, model, item) not in answered]
        if todo:
            if limit is not None and cid not in out and len(out) >= limit:
                break
            out[cid][name] = todo
    return dict(out)


def answer_pending(
    sessions: sessionmaker[Session],
    chat_model: Any,
    cards: Mapping[str, Scorecard],
    *,
    model_name: str,
    budget_s: float = float("inf"),
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> QuestionRun:
    """Ask the chat model every pending question (see the module doc) while `budget_s` lasts."""
    started = time.perf_counter()
    with sessions() as session:
        todo = pending(session, cards, limit)
    report = QuestionRun(conversations=len(todo))
    for cid, forms in todo.items():
        if time.perf_counter() - started >= budget_s:
            report.budget_left = False
            break
        with sessions() as session:
            row = session.scalars(
                select(ConversationRow).where(ConversationRow.id == cid).options(selectinload(ConversationRow.turns))
            ).one_or_none()
            if row is None:
                continue
            conversation = from_row(row)
        answers: dict[str, dict[str, tuple[Outcome, str, int | None]]] = {}
        for name, ids in forms.items():
            for item in (i for i in cards[name].items if i.id in ids):
                report.asked += 1
                t0 = time.perf_counter()
                try:
                    answers.setdefault(name, {})[item.id] = ask(chat_model, item, conversation)
                except Exception as exc:  # a failed call or an answer off the schema: the item stays `na`
                    log.warning("QA question %s on %s failed (%s)", item.id, cid, exc.__class__.__name__)
                    report.failed += 1
                else:
                    report.answered += 1
                report.llm_seconds += time.perf_counter() - t0
        with transaction(sessions) as session:
            for name, found in answers.items():
                _store(session, conversation, cards[name], found, model_name)
        if progress:
            progress(1)
    report.llm_seconds = round(report.llm_seconds, 3)
    return report


def _store(
    session: Session,
    conversation: Conversation,
    card: Scorecard,
    found: dict[str, tuple[Outcome, str, int | None]],
    model_name: str,
) -> None:
    """Rewrite the answered items, keep the answers, and score the form again."""
    model = f"scorecard/{card.name}"
    rows = list(
        session.scalars(
            select(InsightRow).where(
                InsightRow.conversation_id == conversation.id,
                InsightRow.model_name == model,
                InsightRow.model_version == card.fingerprint,
                InsightRow.kind.in_(("qa_item", "qa_score")),
            )
        )
    )
    texts = {t.index: t.text for t in conversation.turns}
    outcomes: dict[str, str] = {}
    for r in rows:
        if r.kind != "qa_item":
            continue
        item, _, outcome = r.label.rpartition(":")
        if item in found:
            outcome, answer, turn = found[item]
            r.label, r.confidence, r.evidence_turn = f"{item}:{outcome}", 1.0, turn
            r.evidence_quote = quote(texts[turn]) if turn is not None else None
            session.add(InsightRow(
                conversation_id=conversation.id, kind="qa_answer", label=f"{item}:{answer}", confidence=1.0,
                evidence_turn=turn, evidence_quote=r.evidence_quote, model_name=model,
                model_version=f"llm/{model_name}"[:64],
            ))  # fmt: skip
        outcomes[item] = outcome
    value, passed, fatal = total(card, outcomes)
    for r in rows:
        if r.kind == "qa_score":
            r.label, r.confidence = ("fatal" if fatal else "pass" if passed else "fail"), value / 100
