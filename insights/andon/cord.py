"""The manual Andon cord: an agent who hears a customer report a problem other customers have reported pulls it on
the conversation, naming the product and the problem.

The pull joins the live alert for that (product, issue) with the conversation as new evidence, or opens one (with
its routed work orders and the product hold) at once: the agent's judgment is the second customer. Who pulled is
kept on the alert for the audit, never in any rate: wrong alarms are counted per rule, product line and manager's
area (`insights.workorders.report`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.tables import AndonAlertRow, ConversationRow, as_utc
from ingest.masking import mask_text
from insights.andon.alerts import AlertView, open_alert, view
from insights.andon.rule import Burst, ComplaintEvent
from insights.classify.catalog import Catalog
from insights.workorders.desk import Desk

MAX_PROBLEM = 200


def pull(
    session: Session,
    desk: Desk,
    conversation_id: str,
    *,
    product: str,
    issue: str,
    problem: str = "",
    by: str,
    catalog: Catalog | None = None,
    issues: Collection[str] | None = None,
    now: datetime | None = None,
) -> tuple[AlertView, bool]:
    """(the alert, whether this pull opened it). `catalog` and `issues` check the names when given."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conversation = session.get(ConversationRow, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id!r}")
    if catalog is not None and len(catalog):
        resolved = catalog.resolve(product)
        if resolved is None:
            known = ", ".join(p.id for p in catalog.products)
            raise InvalidInput(f"unknown product {product!r}; the catalog has {known}")
        product = resolved
    if issues is not None and issue not in issues:
        raise InvalidInput(f"unknown issue {issue!r}; valid issues: {', '.join(sorted(issues))}")
    problem = " ".join(mask_text(problem).split())[:MAX_PROBLEM]
    started = conversation.started_at or now
    event = ComplaintEvent(
        conversation_id=conversation.id,
        product=product,
        issue=issue,
        customer_key=conversation.customer_key,
        at=started if started.tzinfo else started.replace(tzinfo=UTC),
        channel=conversation.channel,
        quote=_customer_quote(conversation) or problem,
        problem=problem,
    )
    live = _live(session, product, issue)
    if live is None:
        row = open_alert(session, desk, Burst(product, issue, [event], problem), now=now, source="manual", by=by)
        return view(row), True
    if conversation.id not in live.conversation_ids:
        live.conversation_ids = sorted({*live.conversation_ids, conversation.id})
        entry = {
            "conversation_id": event.conversation_id,
            "channel": event.channel,
            "at": event.at.isoformat(),
            "quote": mask_text(event.quote),
        }
        live.evidence = [*live.evidence, entry][-50:]
        live.customers = _customers(session, live.conversation_ids)
        live.last_seen = max(as_utc(live.last_seen), event.at)
    session.flush()
    return view(live), False


def _live(session: Session, product: str, issue: str) -> AndonAlertRow | None:
    return session.scalars(
        select(AndonAlertRow)
        .where(AndonAlertRow.product == product, AndonAlertRow.issue == issue, AndonAlertRow.status != "closed")
        .order_by(AndonAlertRow.opened_at.desc())
    ).first()


def _customers(session: Session, ids: list[str]) -> int:
    keys = session.scalars(select(ConversationRow.customer_key).where(ConversationRow.id.in_(ids))).all()
    return len({k for k in keys if k}) or 1


def _customer_quote(conversation: ConversationRow) -> str:
    said = [t.text for t in conversation.turns if t.speaker == "customer" and t.text.strip()]
    return mask_text(max(said, key=len)[:300]) if said else ""
