"""The Andon rule: the same product with the same issue from >= N distinct customers within a window.

Pure functions over `ComplaintEvent`s, so the nightly flow (events from the store) and `bench/nightly.py` (events from
classified tweets) apply exactly the same rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from core.language import has_cjk


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
    problem: str = ""  # the specific problem within the issue (see `assign_problems`); "" when not split


@dataclass
class Burst:
    product: str
    issue: str
    events: list[ComplaintEvent] = field(default_factory=list)
    problem: str = ""

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
    groups: dict[tuple[str, str, str], list[ComplaintEvent]] = defaultdict(list)
    for e in events:
        if e.product not in skip_products:
            groups[(e.product, e.issue, e.problem)].append(e)
    bursts = []
    for (product, issue, problem), group in sorted(groups.items()):
        group.sort(key=lambda e: (e.at, e.conversation_id))
        for burst in _bursts_in(product, issue, group, min_customers, window):
            burst.problem = problem
            bursts.append(burst)
    return sorted(bursts, key=lambda b: (-len(b.customers), b.product, b.issue, b.problem))


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


# --- the specific problem within an issue ------------------------------------------------------------------------

PROBLEM_CHARS = 90


def assign_problems(
    events: Sequence[ComplaintEvent],
    embed: Callable[[list[str]], Any],
    *,
    min_customers: int = 2,
    same_language: float = 0.6,
    cross_language: float = 0.5,
) -> list[ComplaintEvent]:
    """Split each (product, issue) into specific problems by what the customers said (their evidence quotes).

    An issue taxonomy is coarse (`defect` covers a leaking filter housing and a side brush that will not turn), so
    the Andon rule counts customers per problem. Quotes are clustered within a language (average linkage, cosine >=
    `same_language`), then clusters in different languages are joined when their centroids reach `cross_language`:
    the multilingual embedder scores translations lower than paraphrases. Each event's `problem` becomes its
    cluster's most central quote. Pairs that cannot reach `min_customers` anyway are left unsplit (and unembedded).
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(events):
        groups[(e.product, e.issue)].append(i)
    out = list(events)
    for members in groups.values():
        if len({events[i].customer_key for i in members if events[i].customer_key}) < min_customers:
            continue
        for label, cluster in _problems([events[i].quote for i in members], embed, same_language, cross_language):
            for j in cluster:
                out[members[j]] = replace(events[members[j]], problem=label)
    return out


def _problems(
    quotes: list[str], embed: Callable[[list[str]], Any], same: float, cross: float
) -> list[tuple[str, list[int]]]:
    import numpy as np

    vectors = np.asarray(embed([q or "-" for q in quotes]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    clusters: list[list[int]] = []
    for zh in (False, True):
        idx = [i for i, q in enumerate(quotes) if has_cjk(q) == zh]
        clusters.extend([[idx[j] for j in c] for c in _average_linkage(vectors[idx], same)] if idx else [])
    centroids = [vectors[c].mean(axis=0) for c in clusters]
    centroids = [c / max(float(np.linalg.norm(c)), 1e-9) for c in centroids]
    zh_of = [has_cjk(quotes[c[0]]) for c in clusters]
    parent = list(range(len(clusters)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a in range(len(clusters)):
        for b in range(a + 1, len(clusters)):
            if zh_of[a] != zh_of[b] and float(centroids[a] @ centroids[b]) >= cross:
                parent[root(b)] = root(a)
    merged: dict[int, list[int]] = defaultdict(list)
    for k, c in enumerate(clusters):
        merged[root(k)].extend(c)
    out = []
    for members in merged.values():
        centre = vectors[members].mean(axis=0)
        medoid = max(members, key=lambda i: float(vectors[i] @ centre))
        label = " ".join(quotes[medoid].split())
        out.append((label if len(label) <= PROBLEM_CHARS else label[: PROBLEM_CHARS - 1] + "…", sorted(members)))
    return out


MAX_LINKAGE = 1500  # average linkage needs all pairwise distances: quadratic in time and memory


def _average_linkage(vectors: Any, threshold: float) -> list[list[int]]:
    if len(vectors) == 1:
        return [[0]]
    if len(vectors) > MAX_LINKAGE:
        return _leader(vectors, threshold)
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - threshold
    ).fit_predict(vectors)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        clusters[int(label)].append(i)
    return list(clusters.values())


def _leader(vectors: Any, threshold: float) -> list[list[int]]:
    """One pass in time order: each quote joins the most similar cluster centroid at `threshold`, else starts one.

    Linear in the quotes (times the clusters), for the (product, issue) pairs too large for average linkage.
    """
    import numpy as np

    sums = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    clusters: list[list[int]] = []
    for i, v in enumerate(vectors):
        if clusters:
            centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
            sims = centroids @ v
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                clusters[best].append(i)
                sums[best] += v
                continue
        clusters.append([i])
        sums = np.vstack([sums, v[None, :]])
    return clusters
