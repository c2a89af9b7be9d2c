"""Andon alerts and their work orders in the store: open them from bursts, acknowledge, close, follow up.

The rule itself is `insights.andon.rule.find_bursts`; this module feeds it the stored `product_issue` insights and keeps
one alert per (product, issue) that is not closed; an agent's cord (`insights.andon.cord`) joins or opens the same
alerts. A new alert opens two routed work orders and puts its product on hold (`insights.workorders`).

Closing an alert as fixed needs the root cause on its process work order; closing it as a false alarm needs the
reason. Either way it resolves the work orders still in hand and releases the hold; complaints up to the moment of
closing never count again, so only a new burst after the fix opens a new alert.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict, InvalidInput, NotFound
from core.outbox import enqueue
from core.settings import AndonSettings
from core.tables import AndonAlertRow, ConversationRow, InsightRow, as_utc
from ingest.masking import mask_text
from insights.andon.rule import Burst, ComplaintEvent, assign_problems, find_bursts
from insights.classify.complaints import split_product_issue
from insights.workorders import holds
from insights.workorders.desk import Desk
from insights.workorders.holds import HoldView
from insights.workorders.lifecycle import WorkOrderView, open_order, resolve_with_alert
from insights.workorders.lifecycle import view as work_order_view

STATUSES = ("open", "acknowledged", "closed")
RESOLUTIONS = ("fixed", "false_alarm")
MAX_EVIDENCE = 50
RULE = "andon-rule"


class EvidenceItem(BaseModel):
    conversation_id: str
    channel: str
    at: datetime
    quote: str


class AlertView(BaseModel):
    id: str
    product: str
    issue: str
    problem: str = Field(description="The specific problem: the most central customer quote of its cluster.")
    status: str
    customers: int
    conversation_ids: list[str]
    evidence: list[EvidenceItem]
    first_seen: datetime
    last_seen: datetime
    opened_at: datetime
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    close_note: str | None = None
    notify_status: str | None = None
    source: str = Field(default="rule", description="rule (the burst rule) | manual (an agent pulled the cord)")
    resolution: str | None = Field(default=None, description="fixed | false_alarm, once closed")
    hold: HoldView | None = Field(default=None, description="The product hold this alert placed.")
    work_orders: list[WorkOrderView]


class AndonRun(BaseModel):
    opened: list[AlertView] = Field(default_factory=list)
    updated: list[AlertView] = Field(default_factory=list)
    events: int = 0


def complaint_events(
    session: Session, *, start: datetime, end: datetime, min_confidence: float = 0.0
) -> list[ComplaintEvent]:
    """Every stored complaint (a `product_issue` insight) of conversations started in [start, end)."""
    query = (
        select(
            InsightRow.label,
            InsightRow.confidence,
            InsightRow.evidence_quote,
            ConversationRow.id,
            ConversationRow.customer_key,
            ConversationRow.started_at,
            ConversationRow.channel,
        )
        .join(ConversationRow, ConversationRow.id == InsightRow.conversation_id)
        .where(
            InsightRow.kind == "product_issue",
            InsightRow.confidence >= min_confidence,
            ConversationRow.started_at >= start,
            ConversationRow.started_at < end,
        )
    )
    events = []
    for label, confidence, quote, cid, customer, started, channel in session.execute(query):
        product, issue = split_product_issue(label)
        events.append(ComplaintEvent(cid, product, issue, customer, as_utc(started), channel, quote or "", confidence))
    return events


def check(
    session: Session,
    config: AndonSettings,
    *,
    now: datetime | None = None,
    embed: Callable[[list[str]], Any] | None = None,
    brief: Callable[[Burst], str | None] | None = None,
    desk: Desk | None = None,
) -> AndonRun:
    """Apply the rule to the last `lookback_days` of complaints; open new alerts, add evidence to live ones.

    With `embed` (the insights embedder), each (product, issue) is split into specific problems first
    (`insights.andon.rule.assign_problems`); without it the issue label alone decides what is "the same".
    With `brief` (`insights.andon.brief.chat_brief`), a new alert's work orders open with the LLM's two sentences.
    `desk` routes the work orders (default: the packaged routing rules and business hours).
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    desk = desk or Desk.from_settings()
    events = complaint_events(
        session, start=now - timedelta(days=config.lookback_days), end=now, min_confidence=config.min_confidence
    )
    closed = _last_closed(session)
    fresh = [e for e in events if e.at > closed.get((e.product, e.issue), datetime.min.replace(tzinfo=UTC))]
    if embed is not None:
        fresh = assign_problems(fresh, embed, min_customers=config.min_customers)
    bursts = find_bursts(fresh, min_customers=config.min_customers, window=timedelta(days=config.window_days))
    run = AndonRun(events=len(events))
    for burst in bursts:
        live = _live_alert(session, burst)
        if live is None:
            row = open_alert(session, desk, burst, now=now, brief=brief(burst) if brief is not None else None)
            run.opened.append(view(row))
        elif _merge(live, burst):
            run.updated.append(view(live))
    session.flush()
    return run


def _live_alert(session: Session, burst: Burst) -> AndonAlertRow | None:
    """The alert this burst continues: same (product, issue) and problem, sharing a conversation with it, or one an
    agent pulled for that (product, issue)."""
    ids = {e.conversation_id for e in burst.events}
    for row in session.scalars(
        select(AndonAlertRow).where(
            AndonAlertRow.product == burst.product,
            AndonAlertRow.issue == burst.issue,
            AndonAlertRow.status != "closed",
        )
    ):
        if row.problem == burst.problem or ids & set(row.conversation_ids) or row.source == "manual":
            return row
    return None


def _last_closed(session: Session) -> dict[tuple[str, str], datetime]:
    rows = session.execute(
        select(AndonAlertRow.product, AndonAlertRow.issue, func.max(AndonAlertRow.closed_at))
        .where(AndonAlertRow.status == "closed")
        .group_by(AndonAlertRow.product, AndonAlertRow.issue)
    )
    return {(p, i): as_utc(at) for p, i, at in rows if at is not None}


def _evidence(events: list[ComplaintEvent]) -> list[dict[str, str]]:
    return [
        {
            "conversation_id": e.conversation_id,
            "channel": e.channel,
            "at": e.at.isoformat(),
            "quote": mask_text(e.quote),
        }
        for e in events[:MAX_EVIDENCE]
    ]


def open_alert(
    session: Session,
    desk: Desk,
    burst: Burst,
    *,
    now: datetime,
    brief: str | None = None,
    source: str = "rule",
    by: str | None = None,
) -> AndonAlertRow:
    """A new alert with its two routed work orders; its product goes on hold; `andon.opened` is queued."""
    row = AndonAlertRow(
        id=str(uuid.uuid4()),
        product=burst.product,
        issue=burst.issue,
        problem=burst.problem,
        status="open",
        customers=len(burst.customers),
        conversation_ids=sorted({e.conversation_id for e in burst.events}),
        evidence=_evidence(burst.events),
        first_seen=burst.first_seen,
        last_seen=burst.last_seen,
        opened_at=now,
        source=source,
        raised_by=by,
    )
    session.add(row)
    channel = burst.events[0].channel if burst.events else None
    for kind, title, body in _work_orders(burst, brief):
        open_order(
            session,
            desk,
            kind=kind,
            title=title,
            body=body,
            product=burst.product,
            issue=burst.issue,
            channel=channel,
            alert=row,
            by=by or RULE,
            now=now,
        )
    session.flush()
    holds.hold(session, product=burst.product, alert_id=row.id, by=by or RULE, now=now)
    enqueue(session, "andon.opened", {"alert": view(row).model_dump(mode="json")}, now=now)
    return row


def _work_orders(burst: Burst, brief: str | None = None) -> list[tuple[str, str, str]]:
    what = f"{burst.product} / {burst.issue}"
    problem = f' ("{burst.problem}")' if burst.problem else ""
    facts = (f"{brief} " if brief else "") + (
        f"{len(burst.customers)} distinct customers reported {burst.issue}{problem} on {burst.product} between "
        f"{burst.first_seen:%Y-%m-%d} and {burst.last_seen:%Y-%m-%d} "
        f"({len(burst.events)} contacts: {', '.join(sorted({e.channel for e in burst.events}))}). "
        f"Evidence: {', '.join(sorted({e.conversation_id for e in burst.events})[:10])}."
    )
    return [
        (
            "quality",
            f"Check and hold stock: {what}",
            f"{facts} Check the stock on hand and in transit with the supplier, hold the affected batches, "
            "and record the batch numbers and the supplier's answer on this work order.",
        ),
        (
            "process",
            f"Root-cause review (five whys): {what}",
            f"{facts} Run a five-whys review with the process owner: what failed, why it was not caught before "
            "shipping, and what changes so it cannot recur. Close the Andon alert when the fix is in place; the "
            "trend report then follows this complaint rate before and after.",
        ),
    ]


def _merge(row: AndonAlertRow, burst: Burst) -> bool:
    known = set(row.conversation_ids)
    new = [e for e in burst.events if e.conversation_id not in known]
    if not new:
        return False
    row.conversation_ids = sorted(known | {e.conversation_id for e in new})
    row.evidence = [*row.evidence, *_evidence(new)][:MAX_EVIDENCE]
    customers = {e.customer_key for e in burst.events if e.customer_key}
    row.customers = max(row.customers, len(customers))
    row.first_seen = min(as_utc(row.first_seen), burst.first_seen)
    row.last_seen = max(as_utc(row.last_seen), burst.last_seen)
    return True


def view(row: AndonAlertRow, *, held: dict[str, HoldView] | None = None) -> AlertView:
    """`held` (from `holds.on_hold`) saves a query per alert when listing many."""
    from sqlalchemy.orm import object_session

    session = object_session(row)
    if held is None:
        held = holds.on_hold(session, [row.product]) if session is not None else {}
    on = row.product in held
    hold = holds.for_alert(session, row.id) if session is not None else None
    return AlertView(
        id=row.id,
        product=row.product,
        issue=row.issue,
        problem=row.problem,
        status=row.status,
        customers=row.customers,
        conversation_ids=list(row.conversation_ids),
        evidence=[EvidenceItem.model_validate(e) for e in row.evidence],
        first_seen=as_utc(row.first_seen),
        last_seen=as_utc(row.last_seen),
        opened_at=as_utc(row.opened_at),
        acknowledged_at=row.acknowledged_at,
        closed_at=row.closed_at,
        close_note=row.close_note,
        notify_status=row.notify_status,
        source=row.source or "rule",
        resolution=row.resolution,
        hold=hold,
        work_orders=[work_order_view(w, on_hold=on) for w in row.work_orders],
    )


def list_alerts(
    session: Session, *, status: str | None = None, live: bool = False, limit: int = 100
) -> list[AlertView]:
    """Newest first; `live` keeps the alerts that are not closed (open or acknowledged)."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    query = select(AndonAlertRow).order_by(AndonAlertRow.opened_at.desc(), AndonAlertRow.id).limit(limit)
    if status is not None:
        query = query.where(AndonAlertRow.status == status)
    if live:
        query = query.where(AndonAlertRow.status != "closed")
    rows = list(session.scalars(query))
    held = holds.on_hold(session, {r.product for r in rows})
    return [view(r, held=held) for r in rows]


def _get(session: Session, alert_id: str) -> AndonAlertRow:
    row = session.get(AndonAlertRow, alert_id)
    if row is None:
        raise NotFound(f"no Andon alert {alert_id!r}")
    return row


def acknowledge(session: Session, alert_id: str, *, by: str | None, now: datetime | None = None) -> AlertView:
    row = _get(session, alert_id)
    if row.status == "closed":
        raise InvalidInput(f"Andon alert {alert_id} is already closed")
    if row.status == "open":
        row.status, row.acknowledged_at, row.acknowledged_by = "acknowledged", now or datetime.now(UTC), by
    session.flush()
    return view(row)


def close(
    session: Session,
    alert_id: str,
    *,
    by: str | None,
    note: str | None = None,
    resolution: str = "fixed",
    now: datetime | None = None,
) -> AlertView:
    """Close as `fixed` (the process work order must carry the root cause) or `false_alarm` (the note says why)."""
    if resolution not in RESOLUTIONS:
        raise InvalidInput(f"resolution must be one of {', '.join(RESOLUTIONS)}, not {resolution!r}")
    row = _get(session, alert_id)
    if row.status == "closed":
        return view(row)
    process = [w for w in row.work_orders if w.kind == "process"]
    if resolution == "fixed" and process and not any(w.root_cause for w in process):
        raise Conflict(
            f"Andon alert {alert_id}: record the root cause (five whys and the process fix) on its process work "
            f"order {process[0].id} before closing it as fixed, or close it as a false_alarm with the reason",
            detail={"work_order_id": process[0].id, "missing": "root_cause"},
        )
    if resolution == "false_alarm" and not (note or "").strip():
        raise InvalidInput("closing an Andon alert as a false alarm needs a note saying why")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    row.status, row.closed_at, row.closed_by, row.resolution = "closed", now, by, resolution
    row.close_note = mask_text(note) if note else None
    row.acknowledged_at = row.acknowledged_at or now
    for order in row.work_orders:
        resolve_with_alert(order, by=by or RULE, note=f"Andon alert closed ({resolution})", now=now)
    holds.release(session, alert_id=row.id, by=by or RULE, now=now)
    enqueue(
        session,
        "andon.closed",
        {
            "alert": {
                "id": row.id,
                "product": row.product,
                "issue": row.issue,
                "resolution": resolution,
                "closed_at": now.isoformat(),
            }
        },
        now=now,
    )
    session.flush()
    return view(row)


class Rate(BaseModel):
    start: datetime
    end: datetime
    complaints: int
    conversations: int
    per_1000: float = Field(description="Complaints about this product + issue per 1,000 conversations.")


class Followup(BaseModel):
    alert_id: str
    product: str
    issue: str
    problem: str
    closed_at: datetime
    before: Rate
    after: Rate


def complaint_rate(session: Session, product: str, issue: str, start: datetime, end: datetime) -> Rate:
    label = f"{product}/{issue}"
    in_period = (ConversationRow.started_at >= start, ConversationRow.started_at < end)
    complaints = session.scalar(
        select(func.count(func.distinct(InsightRow.conversation_id)))
        .join(ConversationRow, ConversationRow.id == InsightRow.conversation_id)
        .where(InsightRow.kind == "product_issue", InsightRow.label == label, *in_period)
    )
    total = session.scalar(select(func.count(ConversationRow.id)).where(*in_period))
    complaints, total = int(complaints or 0), int(total or 0)
    return Rate(
        start=start,
        end=end,
        complaints=complaints,
        conversations=total,
        per_1000=round(1000 * complaints / total, 2) if total else 0.0,
    )


def followups(session: Session, *, now: datetime | None = None, days: int = 14) -> list[Followup]:
    """For each closed alert: its complaint rate in the `days` before closing and since (up to `days` after)."""
    now = now or datetime.now(UTC)
    out = []
    for row in session.scalars(
        select(AndonAlertRow).where(AndonAlertRow.status == "closed").order_by(AndonAlertRow.closed_at.desc())
    ):
        closed = as_utc(row.closed_at or now)
        span = timedelta(days=days)
        out.append(
            Followup(
                alert_id=row.id,
                product=row.product,
                issue=row.issue,
                problem=row.problem,
                closed_at=closed,
                before=complaint_rate(session, row.product, row.issue, closed - span, closed),
                after=complaint_rate(session, row.product, row.issue, closed, min(now, closed + span)),
            )
        )
    return out
