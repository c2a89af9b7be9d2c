"""Reading customer and sales intelligence back: one customer's journey with churn risk, the churn and lead lists,
and price ranges and preferences per product and segment (for the reports and the sales digest)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tables import AndonAlertRow, ConversationRow, InsightRow, TurnRow, WorkOrderRow
from insights.customers import prices
from insights.customers.scores import ScoreModel
from insights.customers.signals import Contact, churn_signals, parse_signal_label, resolved, values

STAGES = ("enquiry", "purchase", "delivery", "use", "complaint", "repeat", "churn")
_STAGE_OF_INTENT = {
    "sales": "enquiry",
    "product_question": "use",
    "order_status": "delivery",
    "delivery": "delivery",
    "installation": "delivery",
    "defect": "complaint",
    "service_complaint": "complaint",
    "return_refund": "complaint",
    "billing": "complaint",
    "cancellation": "churn",
    "praise": "use",
}
REPEAT_DAYS = 30


class Explained(BaseModel):
    signal: str
    effect: float = Field(description="Change in log-odds: + raises the probability, - lowers it.")
    turn_index: int | None = None


class ChurnRisk(BaseModel):
    customer_key: str
    probability: float
    signals: list[Explained]
    contacts: int
    last_contact: datetime | None
    model: str


class JourneyStep(BaseModel):
    conversation_id: str
    channel: str
    started_at: datetime | None
    stage: str = Field(description="enquiry, purchase, delivery, use, complaint, repeat or churn.")
    product: str | None = None
    intent: str | None = None
    sentiment: str | None = None
    outcome: str | None = None
    alerts: list[str] = Field(default_factory=list, description="Andon alerts whose evidence holds this contact.")
    work_orders: list[str] = Field(default_factory=list)


class AlertRef(BaseModel):
    id: str
    product: str
    issue: str
    status: str


class WorkOrderRef(BaseModel):
    id: str
    kind: str
    status: str
    title: str


class Journey(BaseModel):
    customer_key: str
    steps: list[JourneyStep]
    alerts: list[AlertRef] = Field(description="Open (not closed) Andon alerts that touched this customer.")
    work_orders: list[WorkOrderRef] = Field(description="Work orders that touched this customer, open ones first.")
    churn: ChurnRisk


def _labels(session: Session, ids: Iterable[str], kinds: tuple[str, ...]) -> dict[str, dict[str, InsightRow]]:
    """Per conversation, the most confident record of each kind."""
    best: dict[str, dict[str, InsightRow]] = defaultdict(dict)
    ids = list(ids)
    if not ids:
        return best
    rows = session.scalars(select(InsightRow).where(InsightRow.conversation_id.in_(ids), InsightRow.kind.in_(kinds)))
    for r in rows:
        held = best[r.conversation_id].get(r.kind)
        if held is None or r.confidence > held.confidence:
            best[r.conversation_id][r.kind] = r
    return best


def _last_customer_words(session: Session, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not ids:
        return out
    rows = session.execute(
        select(TurnRow.conversation_id, TurnRow.text)
        .where(TurnRow.conversation_id.in_(ids), TurnRow.speaker == "customer")
        .order_by(TurnRow.conversation_id, TurnRow.idx)
    )
    for cid, text in rows:
        out[cid] = text  # the last one wins
    return out


def _stage(conv: ConversationRow, intent: str | None, outcome: str | None) -> str:
    if outcome == "won":
        return "purchase"
    if outcome in ("lost", "open"):
        return "enquiry"
    return _STAGE_OF_INTENT.get(intent or "", "use")


def _steps(session: Session, convs: list[ConversationRow]) -> tuple[list[JourneyStep], list[Contact]]:
    ids = [c.id for c in convs]
    labels = _labels(session, ids, ("intent", "sentiment", "outcome", "product"))
    last_words = _last_customer_words(session, ids)
    steps: list[JourneyStep] = []
    contacts: list[Contact] = []
    seen: list[tuple[datetime | None, str, str | None]] = []
    for conv in convs:
        got = labels.get(conv.id, {})
        intent = got["intent"].label if "intent" in got else None
        sentiment = got["sentiment"].label if "sentiment" in got else None
        outcome = conv.outcome or (got["outcome"].label if "outcome" in got else None)
        product = conv.product or (got["product"].label if "product" in got else None)
        stage = _stage(conv, intent, outcome)
        if stage == "complaint" and any(
            s == "complaint" and p == product and _within(at, conv.started_at, REPEAT_DAYS) for at, s, p in seen
        ):
            stage = "repeat"
        seen.append((conv.started_at, "complaint" if stage in ("complaint", "repeat") else stage, product))
        step = JourneyStep(conversation_id=conv.id, channel=conv.channel, started_at=conv.started_at, stage=stage)
        steps.append(
            step.model_copy(update={"product": product, "intent": intent, "sentiment": sentiment, "outcome": outcome})
        )
        if outcome is None:  # sales talks are no service contacts
            words = last_words.get(conv.id, "")
            contacts.append(Contact(conv.id, conv.started_at, intent, sentiment, resolved(words), words))
    return steps, contacts


def _within(a: datetime | None, b: datetime | None, days: int) -> bool:
    return a is not None and b is not None and abs(b - a) <= timedelta(days=days)


def _risk(key: str, contacts: list[Contact], model: ScoreModel, total: int) -> ChurnRisk:
    found = churn_signals(contacts)
    vals = values(found)
    return ChurnRisk(
        customer_key=key,
        probability=round(model.probability(vals), 4),
        signals=[
            Explained(signal=c.signal, effect=c.effect, turn_index=found[c.signal].turn_index)
            for c in model.explain(vals)
        ],
        contacts=total,
        last_contact=contacts[-1].at if contacts else None,
        model=f"churn/{model.source}",
    )


def _conversations(session: Session, key: str) -> list[ConversationRow]:
    rows = session.scalars(select(ConversationRow).where(ConversationRow.customer_key == key))
    return sorted(rows, key=lambda c: (c.started_at is None, c.started_at or datetime.min, c.id))


def journey(session: Session, customer_key: str, churn_model: ScoreModel) -> Journey | None:
    """The customer's conversations on a timeline with their stages, the alerts and work orders that touched them,
    and the churn risk; None when no conversation has this key."""
    convs = _conversations(session, customer_key)
    if not convs:
        return None
    steps, contacts = _steps(session, convs)
    ids = {c.id for c in convs}
    alerts = [a for a in session.scalars(select(AndonAlertRow)) if ids & set(a.conversation_ids or [])]
    by_alert = {a.id: a for a in alerts}
    orders = list(
        session.scalars(
            select(WorkOrderRow).where(
                (WorkOrderRow.conversation_id.in_(ids)) | (WorkOrderRow.alert_id.in_(list(by_alert) or [""]))
            )
        )
    )
    for step in steps:
        step.alerts = [a.id for a in alerts if step.conversation_id in (a.conversation_ids or [])]
        step.work_orders = [
            o.id
            for o in orders
            if o.conversation_id == step.conversation_id or (o.alert_id and o.alert_id in step.alerts)
        ]
    closed = ("resolved", "verified")
    orders.sort(key=lambda o: (o.status in closed, o.created_at))
    return Journey(
        customer_key=customer_key,
        steps=steps,
        alerts=[
            AlertRef(id=a.id, product=a.product, issue=a.issue, status=a.status) for a in alerts if a.status != "closed"
        ],
        work_orders=[WorkOrderRef(id=o.id, kind=o.kind, status=o.status, title=o.title) for o in orders],
        churn=_risk(customer_key, contacts, churn_model, len(convs)),
    )


def churn_risks(session: Session, churn_model: ScoreModel, *, limit: int = 50, days: int = 90) -> list[ChurnRisk]:
    """Service customers with a contact in the last `days` (before the newest conversation), riskiest first."""
    newest = session.scalar(select(ConversationRow.started_at).order_by(ConversationRow.started_at.desc()).limit(1))
    query = select(ConversationRow.customer_key).where(ConversationRow.customer_key.is_not(None)).distinct()
    if newest is not None:
        query = query.where(ConversationRow.started_at >= newest - timedelta(days=days))
    out = []
    for key in session.scalars(query):
        if key is None:
            continue
        convs = _conversations(session, key)
        _, contacts = _steps(session, convs)
        if contacts:
            out.append(_risk(key, contacts, churn_model, len(convs)))
    return sorted(out, key=lambda r: -r.probability)[:limit]


class Lead(BaseModel):
    conversation_id: str
    started_at: datetime | None
    agent_id: str | None
    team: str | None
    product: str | None
    probability: float
    band: str = Field(description="hot, warm or cold.")
    signals: list[Explained]
    price_range: str | None = Field(description="The customer's acceptable range, `low-high:currency`.")


def open_leads(session: Session, *, limit: int = 50, include_closed: bool = False) -> list[Lead]:
    """Sales conversations with a lead score, most likely to be won first; open ones only unless asked."""
    scored = session.execute(
        select(InsightRow, ConversationRow)
        .join(ConversationRow, ConversationRow.id == InsightRow.conversation_id)
        .where(InsightRow.kind == "lead_score")
    ).all()
    ids = [c.id for _, c in scored]
    extra: dict[str, dict[str, list[InsightRow]]] = defaultdict(lambda: defaultdict(list))
    if ids:
        for r in session.scalars(
            select(InsightRow).where(
                InsightRow.conversation_id.in_(ids), InsightRow.kind.in_(("lead_signal", "price_range", "outcome"))
            )
        ):
            extra[r.conversation_id][r.kind].append(r)
    out = []
    for score, conv in scored:
        got = extra[conv.id]
        outcome = conv.outcome or next((r.label for r in got["outcome"]), None)
        if not include_closed and outcome in ("won", "lost"):
            continue
        effects = [(parse_signal_label(r.label), r.evidence_turn) for r in got["lead_signal"]]
        signals = sorted(effects, key=lambda e: -abs(e[0][1]))[:3]
        out.append(
            Lead(
                conversation_id=conv.id,
                started_at=conv.started_at,
                agent_id=conv.agent_id,
                team=conv.team,
                product=conv.product,
                probability=score.confidence,
                band=score.label,
                signals=[Explained(signal=sig, effect=effect, turn_index=turn) for (sig, effect), turn in signals],
                price_range=got["price_range"][0].label if got["price_range"] else None,
            )
        )
    return sorted(out, key=lambda lead: -lead.probability)[:limit]


class PriceBand(BaseModel):
    product: str
    segment: str
    currency: str
    conversations: int = Field(description="Sales conversations where the customer's ceiling is known.")
    ceiling_p25: float
    ceiling_median: float
    ceiling_p75: float
    lost: int = Field(description="Lost deals among them.")
    lost_above: int = Field(description="Lost deals whose last quoted price was above the customer's ceiling.")


class PreferenceCount(BaseModel):
    product: str
    segment: str
    feature: str
    wanted: int
    rejected: int


def _segment(conv: ConversationRow) -> str:
    return str(conv.meta.get("segment") or conv.team or "all")


def _sales(
    session: Session, start: datetime | None, end: datetime | None, kinds: tuple[str, ...]
) -> list[tuple[ConversationRow, list[InsightRow]]]:
    having = select(InsightRow.conversation_id).where(InsightRow.kind.in_(kinds))
    query = select(ConversationRow).where(ConversationRow.id.in_(having))
    if start is not None:
        query = query.where(ConversationRow.started_at >= start)
    if end is not None:
        query = query.where(ConversationRow.started_at < end)
    convs = list(session.scalars(query))
    records: dict[str, list[InsightRow]] = defaultdict(list)
    if convs:
        for r in session.scalars(
            select(InsightRow).where(
                InsightRow.conversation_id.in_([c.id for c in convs]),
                InsightRow.kind.in_((*kinds, "outcome", "product")),
            )
        ):
            records[r.conversation_id].append(r)
    return [(c, records[c.id]) for c in convs]


def _product(conv: ConversationRow, records: list[InsightRow]) -> str:
    return conv.product or next((r.label for r in records if r.kind == "product"), None) or "unknown"


def price_bands(session: Session, *, start: datetime | None = None, end: datetime | None = None) -> list[PriceBand]:
    """Per product and segment: the spread of customers' ceilings, and how often deals are lost above them."""
    groups: dict[tuple[str, str, str], list[tuple[float, bool, bool]]] = defaultdict(list)
    for conv, records in _sales(session, start, end, ("price_range", "price")):
        ranges = [prices.parse_label(r.label) for r in records if r.kind == "price_range"]
        if not ranges or ranges[0][2] is None:
            continue
        _, _, high, currency = ranges[0]
        outcome = conv.outcome or next((r.label for r in records if r.kind == "outcome"), None)
        quoted = [
            prices.parse_label(r.label)
            for r in sorted((r for r in records if r.kind == "price"), key=lambda r: (r.evidence_turn or 0, r.id))
        ]
        ours = [q for q in quoted if q[0] in ("list_price", "counter_offer") and q[3] == currency and q[1] is not None]
        above = bool(ours) and high is not None and (ours[-1][1] or 0) > high
        key = (_product(conv, records), _segment(conv), currency)
        groups[key].append((float(high or 0), outcome == "lost", outcome == "lost" and above))
    out = []
    for (product, segment, currency), rows in sorted(groups.items()):
        highs = sorted(h for h, _, _ in rows)
        q = statistics.quantiles(highs, n=4, method="inclusive") if len(highs) > 1 else [highs[0]] * 3
        out.append(PriceBand(product=product, segment=segment, currency=currency, conversations=len(rows),
                             ceiling_p25=q[0], ceiling_median=statistics.median(highs), ceiling_p75=q[2],
                             lost=sum(lost for _, lost, _ in rows), lost_above=sum(a for _, _, a in rows)))  # fmt: skip
    return out


def preference_counts(
    session: Session, *, start: datetime | None = None, end: datetime | None = None
) -> list[PreferenceCount]:
    """Per product and segment, how many conversations wanted or rejected each feature, most asked first."""
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for conv, records in _sales(session, start, end, ("preference",)):
        product, segment = _product(conv, records), _segment(conv)
        for r in records:
            if r.kind == "preference":
                feature, _, polarity = r.label.partition(":")
                counts[(product, segment, feature)][polarity == "rejected"] += 1
    rows = [
        PreferenceCount(product=p, segment=s, feature=f, wanted=w, rejected=r) for (p, s, f), (w, r) in counts.items()
    ]
    return sorted(rows, key=lambda c: (c.product, c.segment, -(c.wanted + c.rejected), c.feature))
