"""The Andon rule: the same product with the same issue from >= N distinct customers within a window.

Pure functions over `ComplaintEvent`s, so the nightly flow (events from the store) and `bench/nightly.py` (events from
classified tweets) apply exactly the same rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ComplaintEvent:
    conversation_id: str
    product: str
    issue: str
    customer_key: str | None  # events without one never count towards the distinct customers
    at: datetime
    channel: str = "unknown"
    quote: str = ""
    confidence: float = 1.0


@dataclass
class Burst:
    product: str
    issue: str
    events: list[ComplaintEvent] = field(default_factory=list)

    @property
    def customers(self) -> set[str]:
        return {e.customer_key for e in self.events if e.customer_key}

    @property
    def first_seen(self) -> datetime:
        return min(e.at for e in self.events)

    @property
    def last_seen(self) -> datetime:
        return max(e.at for e in self.events)


def find_bursts(
    events: Iterable[ComplaintEvent],
    *,
    min_customers: int = 2,
    window: timedelta = timedelta(days=7),
    skip_products: frozenset[str] = frozenset({"unknown"}),
) -> list[Burst]:
    """Every (product, issue) with a window of length `window` holding >= `min_customers` distinct customers.

    A sliding window over each pair's events in time order. The burst's evidence is the first qualifying window plus
    every later event that follows the previous one within the window, so a burst that goes on keeps its one alert.
    A pair can yield several bursts when a quiet gap longer than the window separates them.
    """
    groups: dict[tuple[str, str], list[ComplaintEvent]] = defaultdict(list)
    for e in events:
        if e.product not in skip_products:
            groups[(e.product, e.issue)].append(e)
    bursts = []
    for (product, issue), group in sorted(groups.items()):
        group.sort(key=lambda e: (e.at, e.conversation_id))
        bursts.extend(_bursts_in(product, issue, group, min_customers, window))
    return sorted(bursts, key=lambda b: (-len(b.customers), b.product, b.issue))


def _bursts_in(
    product: str, issue: str, events: list[ComplaintEvent], min_customers: int, window: timedelta
) -> list[Burst]:
    out: list[Burst] = []
    counts: Counter[str] = Counter()
    start = 0
    i = 0
    while i < len(events):
        e = events[i]
        if e.customer_key:
            counts[e.customer_key] += 1
        while events[start].at < e.at - window:
            _drop(counts, events[start].customer_key)
            start += 1
        if len(counts) >= min_customers:
            burst = Burst(product, issue, events[start : i + 1])
            i += 1
            while i < len(events) and events[i].at - events[i - 1].at <= window:
                burst.events.append(events[i])
                i += 1
            out.append(burst)
            counts.clear()
            start = i
            continue
        i += 1
    return out


def _drop(counts: Counter[str], key: str | None) -> None:
    if key:
        counts[key] -= 1
        if counts[key] <= 0:
            del counts[key]
