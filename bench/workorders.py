"""Work orders over a simulated quarter: the SLA sweep and the managers' report at size, and whether the breach
times are right.

The quarter is 2026-07-01 .. 2026-09-30 in Asia/Shanghai, business hours 09:00-18:00 Monday to Friday, with these
days in the settings: Mid-Autumn (2026-09-25, Fri) and a company day off (2026-08-14, Fri) inside the quarter, the
National Day weekdays just after it (2026-10-01, 02, 05, 06, 07), and the make-up workdays (调休) Sunday 2026-09-20
and Saturday 2026-10-10. Orders still open at the quarter's end have deadlines in October, across National Day and
onto the make-up Saturday.

Data (SQLite file in a temp dir, migrated; seeded `random.Random`, not timed against any target):

- N conversations (call / chat / work_order) spread over the quarter, mostly 08:00-22:00 local, on the six demo
  products; one work order each (kind `service`, ~6 % `qa`), issue drawn from the complaint taxonomy so the
  routing rules send some to logistics;
- N/330 Andon alerts, raised by the burst rule (~70 %) or by an agent's cord, each with its `quality` and `process`
  work order and a product hold, closed (fixed or false alarm) when both orders are resolved;
- every order routed with `desk.routing.route`, its deadlines from `desk.deadlines`, its assignee drawn from the
  team's members. A seeded workforce: each member has a speed factor (log-normal, sigma 0.25); an order's handling
  time is speed x log-normal(median 0.6, sigma 0.65) x its SLA hours of business time, so ~20 % of orders breach.
  Picked up, sometimes waiting on the customer, resolved, mostly verified; orders whose resolution falls after the
  quarter's end stay open / in progress / waiting. Resolved orders carry the stamps an earlier sweep would have left
  (warned, breached = due, escalation level) and their events; orders still in hand have none, so the first sweep
  at the quarter's end has the whole backlog to act on.

Measured (time.perf_counter, seconds, each inside its own transaction, commit included):

1. sweep 1 at the quarter's end (`sla.sweep(now=end)`): warns and escalates the backlog to the team leads;
2. sweep 2, a moment later: the manager step for the orders already past their manager time (the sweep escalates
   one level per run: an order at level 0 past its manager time goes to the lead now and to the manager next run);
3. sweep 3: steady state, nothing left to do;
4. `attainment` over the quarter, and the managers' section of the nightly report (`build_manager_section`,
   7-day period as the nightly uses, alarm rates over 90 days).

The target: every sweep over the ~100,000 open and closed work orders in <= 10 s.

Baseline, side by side for each sweep: a naive sweep that loads every work order as ORM objects, recomputes every
order's deadlines with `desk.deadlines` in Python, decides warn / lead / manager per row, and makes the same writes
(attributes, event and outbox rows) through the ORM; it is rolled back, so ours then runs on the same state.

Correctness, against code of its own (zoneinfo local wall-clock, a minute is business time when its local date is
a make-up workday, or a workday that is not a holiday, and day_start <= local time < day_end):

- a minute-by-minute walk for a sample of orders (half of them opened within a week before a holiday, a make-up day
  or the quarter's end): their stored warn_at, due_at and manager_at;
- the same rule as a table of business minutes with prefix sums: every order's stored deadlines;
- the sweeps' sets: warned = in hand with warn <= end < due; escalated to the lead = in hand with due <= end, each
  with breached_at = the independent due; to the manager in sweep 2 = those with manager time <= end; the baseline
  decides the same sets; `attainment` per team equals counts from the generated data with the independent dues.

Any disagreement makes the script exit 1 (after writing the results).

    python bench/workorders.py            # 100,000 conversations (~100,600 work orders), 300 walked
    python bench/workorders.py --quick    # 2,000 conversations, 50 walked (the test suite)
    python bench/workorders.py --n 20000 --seed 3
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report
from core.db import make_engine, migrate, session_factory, transaction
from core.settings import WorkOrderSettings
from core.tables import (
    AndonAlertRow,
    ConversationRow,
    OutboxRow,
    ProductHoldRow,
    WorkOrderEventRow,
    WorkOrderRow,
)
from insights.classify.catalog import load_catalog
from insights.workorders import sla
from insights.workorders.desk import Desk
from insights.workorders.report import build_manager_section
from insights.workorders.routing import ACTIVE

ROOT = Path(__file__).resolve().parents[1]
ZONE_NAME = "Asia/Shanghai"
ZONE = ZoneInfo(ZONE_NAME)
START = datetime(2026, 7, 1, tzinfo=ZONE).astimezone(UTC)
END = datetime(2026, 10, 1, tzinfo=ZONE).astimezone(UTC)  # the quarter's end: the sweeps and the report run then
QUARTER_DAYS = 92
HOLIDAYS = [
    date(2026, 8, 14),  # company day off (Fri)
    date(2026, 9, 25),  # Mid-Autumn (Fri)
    *(date(2026, 10, d) for d in (1, 2, 5, 6, 7)),  # National Day, its weekdays
]
EXTRA_WORKDAYS = [date(2026, 9, 20), date(2026, 10, 10)]  # make-up Sunday and Saturday (调休)
PRODUCTS = ("aquapure-x3", "crispair-5", "swiftclean-r7", "heatwave-kettle", "coolbreeze-tf260", "filter-fc30")
PRODUCT_WEIGHTS = (0.24, 0.2, 0.2, 0.12, 0.12, 0.12)
ISSUES = {  # the complaint taxonomy's issues, as often as a service desk might see them
    "defect": 0.25,
    "damaged_on_arrival": 0.08,
    "missing_part": 0.07,
    "wrong_item": 0.06,
    "late_delivery": 0.14,
    "installation_problem": 0.10,
    "billing_error": 0.12,
    "rude_service": 0.05,
    "other": 0.13,
}
ALERT_ISSUES = {"defect": 0.6, "damaged_on_arrival": 0.15, "missing_part": 0.15, "wrong_item": 0.1}
QA_ITEMS = ("no_rude_words", "no_guarantee", "identity_check")
CHANNELS = ("call", "chat", "work_order")
CHANNEL_WEIGHTS = (0.45, 0.4, 0.15)
HOUR_WEIGHTS = [0.2] * 8 + [1.0] * 10 + [0.8] * 4 + [0.3] * 2  # local hour of a conversation's start
QA_SHARE = 0.06
HANDLING_MEDIAN, HANDLING_SIGMA, SPEED_SIGMA = 0.6, 0.65, 0.25  # handling time / SLA hours, log-normal
VERIFIED_SHARE, WAITING_SHARE = 0.85, 0.25
CHUNK = 5000
QUICK_N, FULL_N = 2_000, 100_000
QUICK_SAMPLE, FULL_SAMPLE = 50, 300
TARGET_SWEEP_S = 10.0
REPORT_PERIOD_DAYS = 7  # what the nightly uses by default (reports.period_days)

T = TypeVar("T")


def utc(at: datetime) -> datetime:
    """SQLite hands datetimes back naive: they were stored as UTC."""
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def settings() -> WorkOrderSettings:
    return WorkOrderSettings(timezone=ZONE_NAME, holidays=HOLIDAYS, extra_workdays=EXTRA_WORKDAYS)


# ---------------------------------------------------------------- the simulated quarter


@dataclass
class Order:
    id: str
    kind: str
    team: str
    priority: str
    created_at: datetime
    warn_at: datetime
    due_at: datetime
    manager_at: datetime
    status: str = "open"
    resolved_at: datetime | None = None
    escalated_at: list[datetime] = field(default_factory=list)  # escalation events it got before the quarter's end


@dataclass
class Quarter:
    conversations: int = 0
    alerts: int = 0
    events: int = 0
    orders: list[Order] = field(default_factory=list)


class Generator:
    def __init__(self, desk: Desk, rng: random.Random) -> None:
        self.desk, self.rng = desk, rng
        self.routes: dict[tuple[str, str | None, str | None, str | None], tuple[str, str, str, str | None]] = {}
        members = sorted({m for team in desk.routing.teams.values() for m in team.members})
        self.speed = {m: rng.lognormvariate(0.0, SPEED_SIGMA) for m in members}
        self.orders: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.quarter = Quarter()

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def minute(self, hour_weights: Sequence[float] | None = None) -> datetime:
        """A whole-minute instant (UTC) in the quarter, at a local hour drawn from `hour_weights`."""
        day = date(2026, 7, 1) + timedelta(days=self.rng.randrange(QUARTER_DAYS))
        hour = self.rng.choices(range(24), weights=hour_weights)[0] if hour_weights else self.rng.randrange(24)
        local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60), tzinfo=ZONE)
        return min(local.astimezone(UTC), END - timedelta(hours=1))

    def route(
        self, kind: str, product: str | None, issue: str | None, channel: str | None
    ) -> tuple[str, str, str, str | None]:
        key = (kind, product, issue, channel)
        if key not in self.routes:
            r = self.desk.routing.route(kind=kind, product=product, issue=issue, channel=channel)
            rule = f"rule {r.rule + 1}" if r.rule is not None else "default queue"
            self.routes[key] = (r.team, r.priority, rule, r.assignee)
        return self.routes[key]

    def order(
        self,
        *,
        kind: str,
        product: str | None,
        issue: str | None,
        channel: str | None,
        opened: datetime,
        title: str,
        conversation_id: str | None = None,
        alert_id: str | None = None,
    ) -> Order:
        """One work order routed, with its deadlines, lived through by its assignee up to the quarter's end."""
        rng, cal = self.rng, self.desk.calendar
        team, priority, rule, fixed = self.route(kind, product, issue, channel)
        assignee = fixed or rng.choice(self.desk.routing.teams[team].members)
        when = self.desk.deadlines(team, priority, opened)
        order = Order(self.uid(), kind, team, priority, opened, when.warn_at, when.due_at, when.manager_at)
        row: dict[str, Any] = {
            "id": order.id,
            "alert_id": alert_id,
            "conversation_id": conversation_id,
            "kind": kind,
            "product": product,
            "issue": issue,
            "team": team,
            "assignee": assignee,
            "priority": priority,
            "title": title,
            "body": f"{title}. Opened from {channel or 'an Andon alert'}; see the conversation for the details.",
            "root_cause": None,
            "created_at": opened,
            "warn_at": when.warn_at,
            "due_at": when.due_at,
            "manager_at": when.manager_at,
            "warned_at": None,
            "breached_at": None,
            "escalation": 0,
            "resolved_at": None,
            "verified_at": None,
        }
        events: list[dict[str, Any]] = []

        def event(at: datetime, action: str, by: str, before: str | None = None, after: str | None = None,
                  note: str | None = None) -> None:  # fmt: skip
            events.append({"work_order_id": order.id, "at": at, "by": by, "action": action, "before": before,
                           "after": after, "note": note})  # fmt: skip

        event(opened, "created", "system", after=f"{team}/{assignee}", note=f"routed by {rule}, {priority}")
        hours = self.desk.sla_hours(team, priority)
        handling = hours * self.speed[assignee] * rng.lognormvariate(math.log(HANDLING_MEDIAN), HANDLING_SIGMA)
        steps = [(cal.add(opened, handling * rng.uniform(0.05, 0.3)), "in_progress")]
        if rng.random() < WAITING_SHARE:
            steps += [
                (cal.add(opened, handling * rng.uniform(0.35, 0.6)), "waiting"),
                (cal.add(opened, handling * rng.uniform(0.65, 0.9)), "in_progress"),
            ]
        resolved = cal.add(opened, handling).replace(microsecond=0)
        steps.append((resolved, "resolved"))
        if rng.random() < VERIFIED_SHARE:
            steps.append((cal.add(resolved, rng.uniform(0.5, 12.0)).replace(microsecond=0), "verified"))
        status = "open"
        for at, to in steps:
            if at >= END:
                break
            event(at, "status", assignee, before=status, after=to)
            status = to
            if to == "resolved":
                row["resolved_at"] = order.resolved_at = at
                if kind == "process":
                    row["root_cause"] = {"whys": ["the supplier changed a seal", "no incoming inspection"],
                                         "fix": "incoming inspection of seals", "by": assignee,
                                         "at": at.isoformat()}  # fmt: skip
            elif to == "verified":
                row["verified_at"] = at
        order.status = row["status"] = status
        resolved_at = order.resolved_at
        if resolved_at is not None:  # the stamps the sweeps of the quarter left on it
            lead, manager = self.desk.routing.teams[team].lead, self.desk.routing.teams[team].manager
            if resolved_at > when.warn_at:
                row["warned_at"] = when.warn_at
                event(when.warn_at, "warned", "sla", after=assignee, note="SLA deadline approaching")
            if resolved_at > when.due_at:
                row["breached_at"], row["escalation"] = when.due_at, 1
                order.escalated_at.append(when.due_at)
                event(when.due_at, "escalated", "sla", after=lead, note="SLA breached: escalated to the team lead")
            if resolved_at > when.manager_at:
                row["escalation"] = 2
                order.escalated_at.append(when.manager_at)
                event(when.manager_at, "escalated", "sla", after=manager, note="still open after the breach")
        events.sort(key=lambda e: e["at"])
        row["updated_at"] = events[-1]["at"]
        self.orders.append(row)
        self.events.extend(events)
        self.quarter.orders.append(order)
        return order

    def conversations(self, n: int) -> list[dict[str, Any]]:
        rng, out = self.rng, []
        for i in range(n):
            cid = f"conv-{i:06d}"
            channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
            product = rng.choices(PRODUCTS, weights=PRODUCT_WEIGHTS)[0]
            started = self.minute(HOUR_WEIGHTS)
            out.append({
                "id": cid, "channel": channel, "source_uri": f"bench://workorders/{channel}/{i}",
                "source_sha256": hashlib.sha256(cid.encode()).hexdigest(), "started_at": started, "language": "zh",
                "customer_key": f"cust-{rng.randrange(max(1, n // 3)):06d}", "agent_id": f"agent-{rng.randrange(60)}",
                "team": None, "product": product, "outcome": None, "meta": {}, "created_at": started,
                "updated_at": started,
            })  # fmt: skip
            opened = min(started + timedelta(minutes=rng.randint(3, 40)), END - timedelta(minutes=1))
            if rng.random() < QA_SHARE:
                item = rng.choice(QA_ITEMS)
                self.order(kind="qa", product=product, issue=None, channel=channel, opened=opened,
                           title=f"QA fatal item {item} failed", conversation_id=cid)  # fmt: skip
            else:
                issue = rng.choices(list(ISSUES), weights=list(ISSUES.values()))[0]
                self.order(kind="service", product=product, issue=issue, channel=channel, opened=opened,
                           title=f"{issue.replace('_', ' ')} on {product}", conversation_id=cid)  # fmt: skip
        self.quarter.conversations = n
        return out

    def alerts(self, count: int, conversation_ids: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rng, alerts, holds = self.rng, [], []
        for _ in range(count):
            aid = self.uid()
            manual = rng.random() < 0.3
            product = rng.choices(PRODUCTS, weights=PRODUCT_WEIGHTS)[0]
            issue = rng.choices(list(ALERT_ISSUES), weights=list(ALERT_ISSUES.values()))[0]
            opened = self.minute()
            customers = 1 if manual else rng.randint(2, 12)
            orders = [
                self.order(kind=kind, product=product, issue=issue, channel=None, opened=opened, alert_id=aid,
                           title=f"{what}: {issue.replace('_', ' ')} on {product}")
                for kind, what in (("process", "Root cause"), ("quality", "Check and hold stock"))
            ]  # fmt: skip
            resolved = [o.resolved_at for o in orders]
            closed_at = max(r for r in resolved if r is not None) if all(resolved) else None
            false_alarm = rng.random() < (0.25 if manual else 0.1)
            alerts.append({
                "id": aid, "product": product, "issue": issue, "problem": "",
                "status": "closed" if closed_at else rng.choice(("open", "acknowledged")), "customers": customers,
                "conversation_ids": rng.sample(conversation_ids, min(customers, len(conversation_ids))),
                "evidence": [], "first_seen": opened - timedelta(hours=rng.uniform(0.5, 20)), "last_seen": opened,
                "opened_at": opened, "acknowledged_at": opened + timedelta(minutes=rng.randint(5, 90)),
                "acknowledged_by": "key-lead", "closed_at": closed_at, "closed_by": "key-lead" if closed_at else None,
                "close_note": ("false alarm" if false_alarm else "fixed with the supplier") if closed_at else None,
                "notified_at": opened, "notify_status": "sent", "source": "manual" if manual else "rule",
                "raised_by": f"key-agent-{rng.randrange(40)}" if manual else None,
                "resolution": ("false_alarm" if false_alarm else "fixed") if closed_at else None,
                "updated_at": closed_at or opened,
            })  # fmt: skip
            holds.append({"product": product, "alert_id": aid, "held_at": opened, "held_by": "system",
                          "released_at": closed_at, "released_by": "key-lead" if closed_at else None})  # fmt: skip
        self.quarter.alerts = count
        return alerts, holds


def bulk(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[i : i + CHUNK])


def generate(factory: sessionmaker[Session], desk: Desk, n: int, seed: int) -> Quarter:
    gen = Generator(desk, random.Random(seed))
    conversations = gen.conversations(n)
    alerts, holds = gen.alerts(max(12, n // 330), [c["id"] for c in conversations])
    with transaction(factory) as s:
        bulk(s, ConversationRow, conversations)
        bulk(s, AndonAlertRow, alerts)
        bulk(s, WorkOrderRow, gen.orders)
        bulk(s, WorkOrderEventRow, gen.events)
        bulk(s, ProductHoldRow, holds)
    gen.quarter.events = len(gen.events)
    return gen.quarter


# ---------------------------------------------------------------- the independent business-time computation


class Rule:
    """Business time from the settings, written here rather than taken from the calendar module."""

    def __init__(self, config: WorkOrderSettings) -> None:
        self.config = config
        self.zone = ZoneInfo(config.timezone)
        self.workdays, self.holidays = set(config.workdays), set(config.holidays)
        self.extra = set(config.extra_workdays)

    def business(self, at: datetime) -> bool:
        """Is the minute starting at `at` (UTC) business time?"""
        local = at.astimezone(self.zone)
        day = local.date()
        worked = day in self.extra or (local.weekday() in self.workdays and day not in self.holidays)
        return worked and self.config.day_start <= local.time() < self.config.day_end

    def minutes(self, team: Any, priority: str) -> tuple[int, int, int]:
        """Business minutes to the warning, the due time and (after it) the manager of `team` at `priority`."""
        defaults: dict[str, float] = {str(p): h for p, h in self.config.sla_hours.items()}
        hours = float(team.sla_hours.get(priority, defaults[priority]))
        return (round(hours * self.config.warn_at * 60), round(hours * 60),
                round(hours * self.config.manager_after * 60))  # fmt: skip

    def walk(self, opened: datetime, warn: int, due: int, manager: int) -> tuple[datetime, datetime, datetime]:
        """Minute by minute from `opened` (a whole minute): when the business minutes counted reach each target."""
        assert opened.second == 0 and opened.microsecond == 0, opened
        targets, found = {warn: 0, due: 1, due + manager: 2}, [opened] * 3
        at, counted, step = opened, 0, timedelta(minutes=1)
        while counted < due + manager:
            if self.business(at):
                counted += 1
                if counted in targets:
                    found[targets[counted]] = at + step
            at += step
        return found[0], found[1], found[2]


class MinuteTable:
    """The same rule as a table: one flag per UTC minute from `start`, prefix sums, a binary search per deadline."""

    def __init__(self, rule: Rule, start: datetime, days: int) -> None:
        self.start = start
        flags = np.fromiter((rule.business(start + timedelta(minutes=m)) for m in range(days * 1440)), dtype=np.int64)
        self.cum = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(flags)])

    def index(self, at: Iterable[datetime]) -> np.ndarray[Any, np.dtype[np.int64]]:
        out = []
        for a in at:
            seconds = (a - self.start).total_seconds()
            assert seconds % 60 == 0, a
            out.append(int(seconds // 60))
        return np.array(out, dtype=np.int64)

    def add(self, idx: np.ndarray[Any, np.dtype[np.int64]], minutes: np.ndarray[Any, np.dtype[np.int64]]) -> Any:
        out = np.searchsorted(self.cum, self.cum[idx] + minutes, side="left")
        assert int(out.max()) < len(self.cum), "the minute table is too short for these deadlines"
        return out

    def instant(self, idx: int) -> datetime:
        return self.start + timedelta(minutes=int(idx))


@dataclass
class Independent:
    warn: dict[str, datetime]
    due: dict[str, datetime]
    manager: dict[str, datetime]


def independent(desk: Desk, rule: Rule, orders: list[Order]) -> Independent:
    table = MinuteTable(rule, START - timedelta(days=1), QUARTER_DAYS + 60)
    mins = [rule.minutes(desk.routing.teams[o.team], o.priority) for o in orders]
    opened = table.index(o.created_at for o in orders)
    due = table.add(opened, np.array([m[1] for m in mins], dtype=np.int64))
    warn = table.add(opened, np.array([m[0] for m in mins], dtype=np.int64))
    manager = table.add(due, np.array([m[2] for m in mins], dtype=np.int64))
    ids = [o.id for o in orders]
    return Independent(
        warn={i: table.instant(x) for i, x in zip(ids, warn, strict=True)},
        due={i: table.instant(x) for i, x in zip(ids, due, strict=True)},
        manager={i: table.instant(x) for i, x in zip(ids, manager, strict=True)},
    )


def walk_sample(orders: list[Order], size: int, rng: random.Random) -> list[Order]:
    """Half near a holiday, a make-up day or the quarter's end (opened within the 7 days before), half at random."""
    special = [datetime.combine(d, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)
               for d in (*HOLIDAYS, *EXTRA_WORKDAYS)] + [END]  # fmt: skip
    near = [o for o in orders if any(timedelta(0) <= d - o.created_at <= timedelta(days=7) for d in special)]
    picked = rng.sample(near, min(len(near), size // 2))
    chosen = {o.id for o in picked}
    rest = [o for o in orders if o.id not in chosen]
    return picked + rng.sample(rest, min(len(rest), size - len(picked)))


# ---------------------------------------------------------------- the sweeps, ours and the naive one


@dataclass
class Decided:
    warned: set[str]
    lead: set[str]
    manager: set[str]
    rows: int


def naive_sweep(factory: sessionmaker[Session], desk: Desk, now: datetime) -> tuple[Decided, float]:
    """Every work order as an ORM object, its deadlines recomputed, decided in Python; the same writes, rolled back."""
    with factory() as s:
        started = time.perf_counter()
        rows = s.scalars(select(WorkOrderRow)).all()
        warned: list[WorkOrderRow] = []
        lead: list[tuple[WorkOrderRow, datetime]] = []
        manager: list[WorkOrderRow] = []
        for row in rows:
            when = desk.deadlines(row.team, row.priority, utc(row.created_at))
            if row.status not in ACTIVE:
                continue
            if row.warned_at is None and when.warn_at <= now < when.due_at:
                warned.append(row)
            if row.escalation == 0 and when.due_at <= now:
                lead.append((row, when.due_at))
            if row.escalation == 1 and when.manager_at <= now:
                manager.append(row)
        teams = desk.routing.teams

        def write(row: WorkOrderRow, action: str, event: str, to: str, note: str, level: int | None) -> None:
            s.add(WorkOrderEventRow(work_order_id=row.id, at=now, by="sla", action=action, after=to, note=note))
            payload: dict[str, Any] = {
                "work_order": {"id": row.id, "kind": row.kind, "team": row.team, "status": row.status},
                "to": {"id": to},
            }
            if level is not None:
                payload["level"] = level
            s.add(OutboxRow(id=str(uuid.uuid4()), event=event, payload=payload, status="pending", attempts=0,
                            created_at=now))  # fmt: skip

        for row in warned:
            row.warned_at = now
            write(row, "warned", "workorder.sla_warning", row.assignee, "SLA deadline approaching", None)
        for row, due in lead:
            row.escalation, row.breached_at = 1, due
            write(row, "escalated", "workorder.escalated", teams[row.team].lead, "SLA breached", 1)
        for row in manager:
            row.escalation = 2
            write(row, "escalated", "workorder.escalated", teams[row.team].manager, "still open after the breach", 2)
        s.flush()
        seconds = time.perf_counter() - started
        decided = Decided({r.id for r in warned}, {r.id for r, _ in lead}, {r.id for r in manager}, len(rows))
        s.rollback()
    return decided, seconds


def our_sweep(factory: sessionmaker[Session], desk: Desk, now: datetime) -> tuple[sla.SweepRun, float]:
    def run() -> sla.SweepRun:
        with transaction(factory) as s:
            return sla.sweep(s, desk, now=now)

    return timed(run)


def in_hand(factory: sessionmaker[Session]) -> list[Any]:
    w = WorkOrderRow
    with factory() as s:
        return list(s.execute(select(w.id, w.warned_at, w.escalation, w.breached_at).where(w.status.in_(ACTIVE))))


def agreement(got: set[str], want: set[str]) -> tuple[bool, str]:
    same = got == want
    return same, f"{len(got & want):,} of {len(want):,} agree" + ("" if same else f", {len(got ^ want):,} differ")


# ---------------------------------------------------------------- the run


def expected_attainment(quarter: Quarter, ind: Independent) -> dict[str, tuple[int, ...]]:
    """(opened, resolved, within, active, overdue, escalated) per team over [START, END) from the generated data."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for o in quarter.orders:
        c = counts[o.team]
        c[0] += START <= o.created_at < END
        if o.resolved_at is not None and START <= o.resolved_at < END:
            c[1] += 1
            c[2] += o.resolved_at <= ind.due[o.id]
        if o.resolved_at is None or o.resolved_at >= END:
            c[3] += 1
            c[4] += ind.due[o.id] < END
        c[5] += any(START <= at < END for at in o.escalated_at)
    return {team: tuple(c) for team, c in counts.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_N:,} conversations, {QUICK_SAMPLE} walked")
    parser.add_argument("--n", type=int, help="conversations (default 100,000; 2,000 with --quick)")
    parser.add_argument("--sample", type=int, help="orders walked minute by minute (default 300; 50 with --quick)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    n = args.n or (QUICK_N if args.quick else FULL_N)
    sample_size = args.sample or (QUICK_SAMPLE if args.quick else FULL_SAMPLE)
    config = settings()
    desk = Desk.from_settings(config)
    rule = Rule(config)
    rows: list[dict[str, Any]] = []
    checks: dict[str, bool] = {}

    def row(step: str, orders: int, ours: float | str, baseline: float | str, result: str, ok: bool | None) -> None:
        if ok is not None:
            checks[step] = ok
        correct = "-" if ok is None else "yes" if ok else "NO"
        rows.append({"step": step, "work_orders": orders, "cxloop_s": ours, "baseline_s": baseline,
                     "result": result, "correct": correct})  # fmt: skip
        took = ours if isinstance(ours, str) else f"{ours:.3f} s"
        print(f"  {step}: {result} [{took}, correct: {correct}]", flush=True)

    with tempfile.TemporaryDirectory(prefix="cxloop-bench-workorders-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/quarter.db")
        migrate(engine)
        factory = session_factory(engine)
        print(f"generating a quarter: {n:,} conversations (seed {args.seed}) ...", flush=True)
        quarter, gen_s = timed(lambda: generate(factory, desk, n, args.seed))
        orders = quarter.orders
        total = len(orders)
        resolved = [o for o in orders if o.resolved_at is not None]
        breach_rate = sum(o.resolved_at > o.due_at for o in resolved if o.resolved_at) / max(1, len(resolved))
        statuses = Counter(o.status for o in orders)
        print(f"  {total:,} work orders, {quarter.events:,} events, {quarter.alerts} alerts in {gen_s:.1f} s; "
              f"{dict(statuses)}; {breach_rate:.1%} of the resolved breached", flush=True)  # fmt: skip

        ind, ind_s = timed(lambda: independent(desk, rule, orders))
        active = {o.id for o in orders if o.status in ACTIVE}
        want_warned = {i for i in active if ind.warn[i] <= END < ind.due[i]}
        want_lead = {i for i in active if ind.due[i] <= END}
        want_manager = {i for i in want_lead if ind.manager[i] <= END}
        expected: list[tuple[str, tuple[set[str], set[str], set[str]]]] = [
            ("SLA sweep 1 at the quarter's end (backlog)", (want_warned, want_lead, set())),
            ("SLA sweep 2 (manager step)", (set(), set(), want_manager)),
            ("SLA sweep 3 (steady state)", (set(), set(), set())),
        ]
        sweep_s: list[float] = []
        naive_s: list[float] = []
        runs: list[dict[str, Any]] = []
        before = {r.id: r for r in in_hand(factory)}
        for step, want in expected:
            decided, naive = naive_sweep(factory, desk, END)
            run, ours = our_sweep(factory, desk, END)
            sweep_s.append(ours)
            naive_s.append(naive)
            runs.append(run.model_dump(mode="json"))
            after = {r.id: r for r in in_hand(factory)}
            acted = (
                {k for k, r in after.items() if r.warned_at is not None and before[k].warned_at is None},
                {k for k, r in after.items() if r.escalation >= 1 and before[k].escalation == 0},
                {k for k, r in after.items() if r.escalation == 2 and before[k].escalation == 1},
            )
            stamps = sum(utc(after[k].breached_at) == ind.due[k] for k in acted[1] if after[k].breached_at)
            problems = []
            for what, got, exp in zip(("warned", "to lead", "to manager"), acted, want, strict=True):
                same, text = agreement(got, exp)
                if not same:
                    problems.append(f"{what}: {text}")
            if (len(acted[0]), len(acted[1]), len(acted[2])) != (run.warned, run.breached, run.to_manager):
                problems.append("the run's counts are not what it wrote")
            if stamps != len(acted[1]):
                problems.append(f"breached_at = independent due for {stamps:,} of {len(acted[1]):,}")
            if (decided.warned, decided.lead, decided.manager) != acted:
                problems.append("the baseline decides otherwise")
            verdict = "; ".join(problems) or "sets and breached_at as independent; baseline same"
            row(step, total, ours, naive,
                f"warned {run.warned:,}, to lead {run.breached:,}, to manager {run.to_manager:,} ({verdict})",
                not problems)  # fmt: skip
            before = after

        catalog = load_catalog(ROOT / "demo" / "catalog.yaml")

        def quarter_attainment() -> list[sla.TeamSla]:
            with factory() as s:
                return sla.attainment(s, desk, start=START, end=END)

        def section() -> Any:
            with factory() as s:
                return build_manager_section(s, desk, catalog, end=END, period_days=REPORT_PERIOD_DAYS)

        teams, att_s = timed(quarter_attainment)
        want_teams = expected_attainment(quarter, ind)
        got_teams = {t.team: (t.opened, t.resolved, t.within_sla, t.active, t.overdue, t.escalated) for t in teams}
        same_teams = sum(got_teams.get(t) == c for t, c in want_teams.items())
        row("attainment over the quarter", total, att_s, "-",
            f"{len(teams)} teams; {same_teams} of {len(want_teams)} agree with counts from the generated data",
            got_teams == want_teams)  # fmt: skip
        manager_section, report_s = timed(section)
        row(f"report: managers' section ({REPORT_PERIOD_DAYS}-day period)", total, report_s, "-",
            f"{len(manager_section.sla)} teams, {len(manager_section.on_hold)} products on hold, "
            f"{sum(r.closed for r in manager_section.by_rule)} alerts closed in 90 days", None)  # fmt: skip

        with factory() as s:
            w = WorkOrderRow
            stored = {r.id: r for r in s.execute(select(w.id, w.warn_at, w.due_at, w.manager_at))}
        sample = walk_sample(orders, sample_size, random.Random(args.seed + 1))

        def walk_all() -> list[tuple[datetime, datetime, datetime]]:
            return [rule.walk(o.created_at, *rule.minutes(desk.routing.teams[o.team], o.priority)) for o in sample]

        def deadlines(k: str) -> tuple[datetime, datetime, datetime]:
            return utc(stored[k].warn_at), utc(stored[k].due_at), utc(stored[k].manager_at)

        walked, walk_s = timed(walk_all)
        pairs = list(zip(sample, walked, strict=True))
        due_ok = sum(deadlines(o.id)[1] == wk[1] for o, wk in pairs)
        all_ok = sum(deadlines(o.id) == wk for o, wk in pairs)
        table_ok = sum((ind.warn[o.id], ind.due[o.id], ind.manager[o.id]) == wk for o, wk in pairs)
        size = len(sample)
        row("breach times: stored vs minute-by-minute walk", size, walk_s, "-",
            f"due_at {due_ok} of {size}; warn+due+manager {all_ok} of {size}; minute table = walk {table_ok} of "
            f"{size}", due_ok == all_ok == table_ok == size)  # fmt: skip
        every = sum(deadlines(k) == (ind.warn[k], ind.due[k], ind.manager[k]) for k in stored)
        row("breach times: all stored vs minute table", total, ind_s, "-",
            f"{every:,} of {total:,} orders agree (warn_at, due_at, manager_at)", every == total)  # fmt: skip
        row("generate the quarter (not a target)", total, gen_s, "-",
            f"{quarter.conversations:,} conversations, {quarter.alerts} alerts, {quarter.events:,} events, "
            f"{len(active):,} in hand at the end, {breach_rate:.1%} of the resolved breached", None)  # fmt: skip
        engine.dispose()

    failed = [name for name, ok in checks.items() if not ok]
    met = max(sweep_s) <= TARGET_SWEEP_S
    extra = {
        "quick": args.quick,
        "seed": args.seed,
        "sizes": {
            "conversations": quarter.conversations,
            "work_orders": total,
            "alerts": quarter.alerts,
            "events": quarter.events,
            "statuses": dict(statuses),
            "in_hand_at_end": len(active),
            "resolved_breach_rate": round(breach_rate, 4),
            "walked_sample": len(sample),
        },
        "calendar": {
            "timezone": config.timezone,
            "hours": f"{config.day_start:%H:%M}-{config.day_end:%H:%M}",
            "workdays": config.workdays,
            "holidays": [d.isoformat() for d in HOLIDAYS],
            "extra_workdays": [d.isoformat() for d in EXTRA_WORKDAYS],
            "quarter": [START.isoformat(), END.isoformat()],
        },
        "target": {"sla_sweep_s": TARGET_SWEEP_S},
        "sla_sweep_s": round(max(sweep_s), 3),
        "target_met": met,
        "sweep_s": [round(x, 3) for x in sweep_s],
        "baseline_sweep_s": [round(x, 3) for x in naive_s],
        "sweeps": runs,
        "attainment_s": round(att_s, 3),
        "report_s": round(report_s, 3),
        "checks": checks,
        "correct": not failed,
    }
    verdict = "met" if met else "missed"
    title = (
        f"Work orders over a simulated quarter ({total:,}): SLA sweep vs a naive ORM sweep (target <= "
        f"{TARGET_SWEEP_S:g} s: {verdict}), managers' report, breach times vs independent business time"
    )
    report("workorders" + ("-quick" if args.quick else ""), title, rows, extra)
    if failed:
        print("DISAGREEMENT: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
