"""Emerging topics: what customers talk about when no intent fits (`other`), clustered, named, with stable ids.

Each conversation's customer text is embedded once, clustered by average-linkage cosine distance (deterministic),
and each cluster of >= `min_size` conversations is named by its top class-based TF-IDF terms (BERTopic's c-TF-IDF:
jieba words for Chinese, Latin words for English, stop words dropped), or by a `namer` (an LLM) when one is given.
A cluster keeps the id of the stored topic (same embedder) whose centroid is closest, when the cosine is >= `match`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ml.base import Embedder, normalise
from core.records import Turn
from core.tables import TopicRow, TurnRow
from insights.classify.taxonomy import OTHER
from insights.classify.turns import opening, quote
from insights.reports.trends import conversations_between, latest_labels, localise

Namer = Callable[[list[str], list[str]], str | None]  # (top terms, quotes) -> a short name, None to keep terms
TEXT_CHARS = 1000
TERMS = 5
QUOTES = 3
# average-linkage cosine distance that closes a cluster: USE multilingual (the insights default) puts paraphrases
# around 0.35-0.55 similarity and unrelated questions below 0.25; an embedder with a narrower range wants a lower one
CLUSTER_DISTANCE = 0.7
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_STOP_TEXT = """
a an the and or but if then so to of in on at for from by with about as is are was were be been being am i me my we
our you your he she it its they them their this that these those there here what which who whom how why when where
do does did done have has had having can could will would shall should may might must not no yes ok okay hi hello
thanks thank please just also very really too much many more some any all one get got want need like know think say
said tell told im i'm it's don't can't didn't doesn't isn't won't let us up out again still now then than only even
well sure sorry yeah hey bye over per via into onto off way lot lots
的 了 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 就 都 也 还 在 有 和 与 及 吗 呢 吧 啊
呀 哦 嗯 好 好的 一个 一下 什么 怎么 怎么办 为什么 可以 可能 没有 不是 不 没 请 请问 谢谢 您好
你好 现在 已经 就是 还是 但是 因为 所以 如果 然后 这样 那样 一直 还有 一些 知道 觉得 需要 想 要
能 会 给 让 把 被 对 说 问 帮 看 下 上 里 哪 多 少 行 签 签了
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


class Topic(BaseModel):
    id: str
    label: str
    terms: list[str]
    size: int
    quotes: list[str] = Field(description="Masked customer words closest to the topic's centre.")
    conversation_ids: list[str]
    first_seen: datetime
    last_seen: datetime
    new: bool = Field(description="True when no earlier night had this topic.")


def terms_of(text: str) -> list[str]:
    """Topic terms: words (jieba for Chinese) without stop words, placeholders, numbers or single characters."""
    from insights.classify.features import words

    out = []
    for w in words(_PLACEHOLDER.sub(" ", text)):
        if len(w) < 2 or w in STOP_WORDS or w.isdigit() or "'" in w or "’" in w:  # contractions: let's, we'll
            continue
        out.append(w)
    return out


def ctfidf_terms(docs_by_class: Sequence[Sequence[str]], top: int = TERMS) -> list[list[str]]:
    """Top terms per class by c-TF-IDF: tf(t, c) / |c| * log(1 + A / f(t)); the last class may be background."""
    bags = [Counter(t for doc in docs for t in terms_of(doc)) for docs in docs_by_class]
    freq: Counter[str] = Counter()
    for bag in bags:
        freq.update(bag)
    average = sum(freq.values()) / max(1, len(bags))
    out = []
    for bag in bags:
        size = sum(bag.values()) or 1
        scored = sorted(bag, key=lambda t: (-(bag[t] / size) * math.log(1 + average / freq[t]), t))
        out.append(scored[:top])
    return out


def customer_text(turns: Sequence[TurnRow]) -> list[Turn]:
    rows = [t for t in sorted(turns, key=lambda t: t.idx) if t.text.strip()]
    mine = [t for t in rows if t.speaker == "customer"]
    chosen = mine or [t for t in rows if t.speaker == "unknown"] or [t for t in rows if t.speaker != "system"]
    return [Turn(index=t.idx, speaker=t.speaker, text=t.text) for t in chosen]


def cluster(vectors: np.ndarray, threshold: float) -> list[int]:
    """Cluster labels by average-linkage cosine distance below `threshold`; deterministic for a given order."""
    if len(vectors) < 2:
        return [0] * len(vectors)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average")
    return [int(x) for x in model.fit_predict(vectors)]


def emerging_topics(
    session: Session,
    embedder: Embedder,
    *,
    start: datetime,
    end: datetime,
    min_size: int = 3,
    match: float = 0.8,
    threshold: float = CLUSTER_DISTANCE,
    namer: Namer | None = None,
) -> list[Topic]:
    """Topics among [start, end)'s `other` conversations, biggest first; upserts `TopicRow`s (the caller commits)."""
    found = conversations_between(session, start, end)
    intents = latest_labels(session, "intent", [cid for cid, _, _ in found])
    when = {cid: at for cid, _, at in found if intents.get(cid) == OTHER}
    texts: dict[str, list[Turn]] = {}
    for cid in sorted(when):
        rows = session.scalars(select(TurnRow).where(TurnRow.conversation_id == cid)).all()
        turns = customer_text(rows)
        if turns:
            texts[cid] = turns
    ids = sorted(texts)
    if len(ids) < min_size:
        return []
    joined = [" ".join(t.text for t in texts[cid])[:TEXT_CHARS] for cid in ids]
    vectors = normalise(embedder.embed(joined, kind="passage"))
    labels = cluster(vectors, threshold)

    groups = [g for g in _groups(labels) if len(g) >= min_size]
    groups.sort(key=lambda g: (-len(g), ids[g[0]]))
    grouped = {i for g in groups for i in g}
    background = [joined[i] for i in range(len(ids)) if i not in grouped]
    terms = ctfidf_terms([[joined[i] for i in g] for g in groups] + [background])[: len(groups)]

    stored = list(session.scalars(select(TopicRow).where(TopicRow.embedder == embedder.name)))
    taken: set[str] = set()
    topics = []
    for members, top in zip(groups, terms, strict=True):
        centroid = normalise(vectors[members].mean(axis=0))[0]
        nearest = sorted(members, key=lambda i: (-float(vectors[i] @ centroid), ids[i]))[:QUOTES]
        quotes = [quote(_opening_text(texts[ids[i]])) for i in nearest]
        member_ids = [ids[i] for i in members]
        first, last = min(when[c] for c in member_ids), max(when[c] for c in member_ids)
        label = _name(top, quotes, namer)
        row = _match(stored, centroid, match, taken)
        is_new = False
        if row is None:
            tid = hashlib.sha1("|".join(sorted(member_ids)).encode()).hexdigest()[:12]
            row = session.get(TopicRow, tid)  # the same members as a topic that has since drifted away
            if row is None:
                is_new = True
                row = TopicRow(id=tid, embedder=embedder.name, first_seen=first)
                session.add(row)
        taken.add(row.id)
        row.label, row.terms, row.size = label, top, len(members)
        row.centroid = [round(float(x), 6) for x in centroid]
        row.last_seen = max(last, localise(row.last_seen, end.tzinfo)) if row.last_seen else last
        topics.append(
            Topic(
                id=row.id, label=label, terms=top, size=len(members), quotes=quotes, conversation_ids=member_ids,
                first_seen=localise(row.first_seen, end.tzinfo) if row.first_seen else first, last_seen=last,
                new=is_new,
            )
        )  # fmt: skip
    session.flush()
    return topics


def _groups(labels: list[int]) -> list[list[int]]:
    out: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        out.setdefault(label, []).append(i)
    return list(out.values())


def _opening_text(turns: list[Turn]) -> str:
    first = opening(turns)
    return first.text if first else turns[0].text


def _match(stored: list[TopicRow], centroid: np.ndarray, match: float, taken: set[str]) -> TopicRow | None:
    best, best_score = None, match
    for row in stored:
        if row.id in taken or len(row.centroid) != len(centroid):
            continue
        old = normalise(np.asarray(row.centroid, dtype=np.float32))[0]
        score = float(old @ centroid)
        if score >= best_score:
            best, best_score = row, score
    return best


def _name(terms: list[str], quotes: list[str], namer: Namer | None) -> str:
    from ingest.masking import mask_text

    fallback = " / ".join(terms[:3]) or "unnamed"
    if namer is None:
        return fallback
    try:
        name = namer(terms, quotes) or ""
    except Exception:  # a naming model is a nicety: the terms always work
        return fallback
    lines = [line.strip().strip("\"'“”") for line in name.strip().splitlines()]
    return mask_text(lines[0][:80]) if lines and lines[0] else fallback


def chat_namer(chat_model: Any) -> Namer:
    """A namer over a langchain chat model: a short noun phrase in the quotes' language."""

    def name(terms: list[str], quotes: list[str]) -> str | None:
        prompt = (
            "Customers contacted a contact center about something our intent list does not cover.\n"
            f"Top terms: {', '.join(terms)}\nCustomer quotes:\n"
            + "\n".join(f"- {q}" for q in quotes)
            + "\nName the topic in at most six words, in the customers' language. Answer with the name only."
        )
        reply = chat_model.invoke(prompt)
        content = getattr(reply, "content", reply)
        return content if isinstance(content, str) else None

    return name
