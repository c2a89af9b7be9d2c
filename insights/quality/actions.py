"""Work orders for conversations that fail a fatal QA item: one per conversation and scorecard, naming the items
and quoting their evidence (masked), for the QA lead to coach the agent or correct what was promised.

A fatal item a reviewer has overturned (`insights.quality.review`) opens nothing; a conversation that already has
a QA work order for that scorecard gets no second one, so the nightly run can call this every night.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.tables import ConversationRow, InsightRow, QaReviewRow, WorkOrderRow
from ingest.masking import mask_text
from insights.andon.alerts import WorkOrderView, work_order_view
from insights.quality.scorecard import Scorecard


def open_fatal_work_orders(
    session: Session,
    cards: Mapping[str, Scorecard],
    *,
    assignee: str,
    conversation_ids: Sequence[str] | None = None,
    note: str | None = None,
) -> list[WorkOrderView]:
    """Open the missing work orders for fatal QA results (of `conversation_ids`, or of every conversation)."""
    query = select(InsightRow).where(InsightRow.kind.in_(("qa_score", "qa_item")))
    if conversation_ids is not None:
        query = query.where(InsightRow.conversation_id.in_(list(conversation_ids)))
    fatal: set[tuple[str, str]] = set()
    failed: dict[tuple[str, str], list[InsightRow]] = {}
    for row in session.scalars(query.order_by(InsightRow.id)):
        key = (row.conversation_id, row.model_name.removeprefix("scorecard/"))
        if row.kind == "qa_score" and row.label == "fatal":
            fatal.add(key)
        elif row.label.endswith(":fail"):
            failed.setdefault(key, []).append(row)
    if not fatal:
        return []
    reviewed = {(r.conversation_id, r.scorecard, r.item): r.outcome for r in
                session.scalars(select(QaReviewRow).order_by(QaReviewRow.id))}  # fmt: skip
    existing = {(w.conversation_id, w.title.split(":", 1)[0]) for w in
                session.scalars(select(WorkOrderRow).where(WorkOrderRow.kind == "qa"))}  # fmt: skip
    opened = []
    for cid, card in sorted(fatal):
        form = cards.get(card)
        severe = {i.id for i in form.items if i.severity == "fatal"} if form else set()
        items = [r for r in failed.get((cid, card), []) if r.label.rpartition(":")[0] in severe]
        items = [r for r in items if reviewed.get((cid, card, r.label.rpartition(":")[0]), "fail") == "fail"]
        if not items or (cid, card) in existing:
            continue
        conversation = session.get(ConversationRow, cid)
        agent = conversation.agent_id if conversation is not None and conversation.agent_id else "unknown agent"
        names = ", ".join(r.label.rpartition(":")[0] for r in items)
        lines = [f"{r.label.rpartition(':')[0]} (turn {r.evidence_turn}): {r.evidence_quote or ''}" for r in items]
        body = "\n".join([f"Conversation {cid}, agent {agent}, failed fatal QA item(s):", *lines,
                          *([f"Note: {note}"] if note else [])])  # fmt: skip
        order = WorkOrderRow(id=str(uuid.uuid4()), alert_id=None, conversation_id=cid, kind="qa", assignee=assignee,
                           title=f"{card}: fatal {names} ({agent})", body=mask_text(body), status="open")  # fmt: skip
        session.add(order)
        opened.append(order)
    session.flush()
    return [work_order_view(r) for r in opened]


def raise_work_order(
    session: Session, cards: Mapping[str, Scorecard], conversation_id: str, *, assignee: str, note: str | None
) -> WorkOrderView:
    """A QA reviewer raises the work order of one conversation by hand; it must have failed a fatal item."""
    opened = open_fatal_work_orders(session, cards, assignee=assignee, conversation_ids=[conversation_id], note=note)
    if opened:
        return opened[0]
    mine = session.scalars(
        select(WorkOrderRow).where(WorkOrderRow.kind == "qa", WorkOrderRow.conversation_id == conversation_id)
    ).first()
    if mine is not None:
        return work_order_view(mine)
    raise InvalidInput(f"conversation '{conversation_id}' failed no fatal QA item: there is nothing to raise")
