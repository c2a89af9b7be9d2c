"""Work orders for conversations that fail a fatal QA item: one per conversation and scorecard, naming the items
and quoting their evidence (masked), for the QA lead to coach the agent or correct what was promised.

A fatal item a reviewer has overturned (`insights.quality.review`) opens nothing; a conversation that already has
a QA work order for that scorecard gets no second one, so the nightly run can call this every night.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.tables import ConversationRow, InsightRow, QaReviewRow, WorkOrderRow
from insights.quality.scorecard import Scorecard
from insights.workorders.desk import Desk
from insights.workorders.lifecycle import WorkOrderView, open_order
from insights.workorders.lifecycle import view as work_order_view


def open_fatal_work_orders(
    session: Session,
    cards: Mapping[str, Scorecard],
    *,
    desk: Desk,
    conversation_ids: Sequence[str] | None = None,
    note: str | None = None,
    assignee: str | None = None,
    by: str = "qa-rule",
    now: datetime | None = None,
) -> list[WorkOrderView]:
    """Open the missing work orders for fatal QA results (of `conversation_ids`, or of every conversation), routed
    by `desk` (kind `qa`); `assignee` names the person instead of the team's pool."""
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
    reviewed = {
        (r.conversation_id, r.scorecard, r.item): r.outcome
        for r in session.scalars(select(QaReviewRow).order_by(QaReviewRow.id))
    }
    existing = {
        (w.conversation_id, w.title.split(":", 1)[0])
        for w in session.scalars(select(WorkOrderRow).where(WorkOrderRow.kind == "qa"))
    }
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
        body = "\n".join(
            [
                f"Conversation {cid}, agent {agent}, failed fatal QA item(s):",
                *lines,
                *([f"Note: {note}"] if note else []),
            ]
        )
        order = open_order(
            session,
            desk,
            kind="qa",
            title=f"{card}: fatal {names} ({agent})",
            body=body,
            product=conversation.product if conversation is not None else None,
            channel=conversation.channel if conversation is not None else None,
            conversation_id=cid,
            by=by,
            now=now,
        )
        if assignee:
            order.assignee = assignee
        opened.append(order)
    session.flush()
    return [work_order_view(r) for r in opened]


def raise_work_order(
    session: Session,
    cards: Mapping[str, Scorecard],
    conversation_id: str,
    *,
    desk: Desk,
    assignee: str | None,
    note: str | None,
    by: str,
) -> WorkOrderView:
    """A QA reviewer raises the work order of one conversation by hand; it must have failed a fatal item."""
    opened = open_fatal_work_orders(
        session, cards, desk=desk, assignee=assignee, conversation_ids=[conversation_id], note=note, by=by
    )
    if opened:
        return opened[0]
    mine = session.scalars(
        select(WorkOrderRow).where(WorkOrderRow.kind == "qa", WorkOrderRow.conversation_id == conversation_id)
    ).first()
    if mine is not None:
        return work_order_view(mine)
    raise InvalidInput(f"conversation '{conversation_id}' failed no fatal QA item: there is nothing to raise")
