"""The nightly trend numbers: volumes by channel, intent and day, customer sentiment, rising and falling intents.

Rising and falling are decided by a test, not a raw ratio: given that an intent was seen a + b times over both
periods, H0 says each sighting falls in the current period with probability n1 / (n1 + n2) (the periods' shares of
all conversations). An exact binomial test per intent, then Benjamini-Hochberg across intents at `alpha`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tables import ConversationRow, InsightRow

SENTIMENTS = ("negative", "neutral", "positive")
_MARGIN = timedelta(days=1)  # SQLite drops offsets: select a little wider, then filter on localised times


class SentimentDay(BaseModel):
    day: date
    negative: int = 0
    neutral: int = 0
    positive: int = 0

    @property
    def total(self) -> int:
        return self.negative + self.neutral + self.positive


class IntentChange(BaseModel):
    intent: str
    current: int
    previous: int
    share_current: float = Field(description="Share of the current period's conversations.")
    share_previous: float
    change_pp: float = Field(description="Change of share in percentage points.")
    p_value: float
    q_value: float = Field(description="Benjamini-Hochberg adjusted p-value across intents.")
    direction: Literal["rising", "falling", "flat"]
    significant: bool


class ReasonCount(BaseModel):
    reason: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous


class TrendData(BaseModel):
    start: datetime
    end: datetime = Field(description="Exclusive.")
    previous_start: datetime
    period_days: int
    alpha: float
    days: list[date]
    conversations: int
    previous_conversations: int
    channels: dict[str, int] = Field(default_factory=dict, description="Current period, per channel.")
    previous_channels: dict[str, int] = Field(default_factory=dict)
    volume_by_channel: dict[str, list[int]] = Field(default_factory=dict, description="Per channel, one count a day.")
    volume_by_intent: dict[str, list[int]] = Field(default_factory=dict, description="Per intent, one count a day.")
    sentiment_by_day: list[SentimentDay] = Field(default_factory=list)
    negative_share: float | None = None
    previous_negative_share: float | None = None
    intent_changes: list[IntentChange] = Field(default_factory=list)
    loss_reasons: list[ReasonCount] = Field(default_factory=list)


def localise(value: datetime, tz: tzinfo | None) -> datetime:
    """SQLite hands back naive datetimes holding the wall clock they were given: read them in the report's zone."""
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz) if tz is not None else value


def conversations_between(session: Session, start: datetime, end: datetime) -> list[tuple[str, str, datetime]]:
    """(id, channel, started_at localised to `end`'s zone) for conversations started in [start, end)."""
    tz = end.tzinfo
    query = select(ConversationRow.id, ConversationRow.channel, ConversationRow.started_at).where(
        ConversationRow.started_at >= start - _MARGIN, ConversationRow.started_at < end + _MARGIN
    )
    out = []
    for cid, channel, started in session.execute(query):
        at = localise(started, tz)
        if start <= at < end:
            out.append((cid, channel, at))
    return sorted(out, key=lambda r: (r[2], r[0]))


def latest_labels(session: Session, kind: str, ids: Iterable[str]) -> dict[str, str]:
    """The newest label of `kind` per conversation (one per conversation for single-label kinds)."""
    ids = list(ids)
    out: dict[str, tuple[int, str]] = {}
    for chunk in chunks(ids):
        query = select(InsightRow.id, InsightRow.conversation_id, InsightRow.label).where(
            InsightRow.kind == kind, InsightRow.conversation_id.in_(chunk)
        )
        for rid, cid, label in session.execute(query):
            if cid not in out or rid > out[cid][0]:
                out[cid] = (rid, label)
    return {cid: label for cid, (_, label) in out.items()}


def all_labels(session: Session, kind: str, ids: Iterable[str]) -> dict[str, set[str]]:
    """Every label of a multi-label kind (loss_reason) per conversation."""
    out: dict[str, set[str]] = {}
    for chunk in chunks(list(ids)):
        query = select(InsightRow.conversation_id, InsightRow.label).where(
            InsightRow.kind == kind, InsightRow.conversation_id.in_(chunk)
        )
        for cid, label in session.execute(query):
            out.setdefault(cid, set()).add(label)
    return out


def chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def significance(counts: dict[str, tuple[int, int]], n1: int, n2: int, *, alpha: float) -> list[IntentChange]:
    """Conditional binomial test per label (a current, b previous) and BH across labels; strongest change first."""
    from scipy.stats import binomtest, false_discovery_control

    labels = sorted(k for k, (a, b) in counts.items() if a + b > 0)
    p_values = []
    for label in labels:
        a, b = counts[label]
        testable = n1 > 0 and n2 > 0
        p_values.append(float(binomtest(a, a + b, n1 / (n1 + n2)).pvalue) if testable else 1.0)
    q_values = [float(q) for q in false_discovery_control(p_values)] if p_values else []
    out = []
    for label, p, q in zip(labels, p_values, q_values, strict=True):
        a, b = counts[label]
        s1, s2 = (a / n1 if n1 else 0.0), (b / n2 if n2 else 0.0)
        direction: Literal["rising", "falling", "flat"] = "rising" if s1 > s2 else "falling" if s1 < s2 else "flat"
        out.append(
            IntentChange(
                intent=label, current=a, previous=b, share_current=round(s1, 4), share_previous=round(s2, 4),
                change_pp=round((s1 - s2) * 100, 2), p_value=p, q_value=min(1.0, q), direction=direction,
                significant=direction != "flat" and q <= alpha,
            )
        )  # fmt: skip
    return sorted(out, key=lambda c: (not c.significant, c.q_value, -abs(c.change_pp), c.intent))


def build_trends(session: Session, *, end: datetime, period_days: int, alpha: float) -> TrendData:
    """Numbers for the period [end - period_days, end) against the period before it. `end` must be tz-aware."""
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware (the report's days are counted in its zone)")
    start = end - timedelta(days=period_days)
    previous_start = start - timedelta(days=period_days)
    current = conversations_between(session, start, end)
    previous = conversations_between(session, previous_start, start)
    days = [(start + timedelta(days=i)).date() for i in range(period_days)]
    day_index = {d: i for i, d in enumerate(days)}

    def day_of(at: datetime) -> int:
        return day_index.get(at.date(), 0 if at.date() < days[0] else len(days) - 1)

    ids_now = [cid for cid, _, _ in current]
    ids_before = [cid for cid, _, _ in previous]
    intents = latest_labels(session, "intent", ids_now + ids_before)
    feelings = latest_labels(session, "sentiment", ids_now + ids_before)

    by_channel: dict[str, list[int]] = {}
    by_intent: dict[str, list[int]] = {}
    sentiment = [SentimentDay(day=d) for d in days]
    for cid, channel, at in current:
        i = day_of(at)
        by_channel.setdefault(channel, [0] * len(days))[i] += 1
        intent = intents.get(cid)
        if intent is not None:
            by_intent.setdefault(intent, [0] * len(days))[i] += 1
        feeling = feelings.get(cid)
        if feeling in SENTIMENTS:
            setattr(sentiment[i], feeling, getattr(sentiment[i], feeling) + 1)

    now_counts = Counter(intents[c] for c in ids_now if c in intents)
    before_counts = Counter(intents[c] for c in ids_before if c in intents)
    counts = {k: (now_counts[k], before_counts[k]) for k in set(now_counts) | set(before_counts)}
    changes = significance(counts, len(ids_now), len(ids_before), alpha=alpha)

    lost_now = all_labels(session, "loss_reason", ids_now)
    lost_before = all_labels(session, "loss_reason", ids_before)
    reasons_now = Counter(r for rs in lost_now.values() for r in rs)
    reasons_before = Counter(r for rs in lost_before.values() for r in rs)
    reasons = [
        ReasonCount(reason=r, current=reasons_now[r], previous=reasons_before[r])
        for r in set(reasons_now) | set(reasons_before)
    ]
    reasons.sort(key=lambda r: (-r.current, -r.previous, r.reason))

    return TrendData(
        start=start,
        end=end,
        previous_start=previous_start,
        period_days=period_days,
        alpha=alpha,
        days=days,
        conversations=len(current),
        previous_conversations=len(previous),
        channels=dict(sorted(Counter(ch for _, ch, _ in current).items())),
        previous_channels=dict(sorted(Counter(ch for _, ch, _ in previous).items())),
        volume_by_channel=dict(sorted(by_channel.items())),
        volume_by_intent=dict(sorted(by_intent.items(), key=lambda kv: (-sum(kv[1]), kv[0]))),
        sentiment_by_day=sentiment,
        negative_share=_negative_share(feelings, ids_now),
        previous_negative_share=_negative_share(feelings, ids_before),
        intent_changes=changes,
        loss_reasons=reasons,
    )


def _negative_share(feelings: dict[str, str], ids: list[str]) -> float | None:
    rated = [feelings[c] for c in ids if feelings.get(c) in SENTIMENTS]
    return round(sum(f == "negative" for f in rated) / len(rated), 4) if rated else None
