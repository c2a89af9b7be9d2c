"""Knowledge gaps grouped by similarity: what the people who write the documents should add or fix next.

Grouping is greedy and order-stable: each question joins the most similar existing group when the cosine
similarity with the group's centroid reaches `similarity`, else it starts a group. Questions stored without a
vector (or from another embedder) are grouped by their normalised text.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import numpy as np
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tables import KnowledgeGapRow

# e5-style embedders put unrelated sentences around 0.75-0.8 and paraphrases above 0.9
DEFAULT_SIMILARITY = 0.9


class GapGroup(BaseModel):
    question: str
    count: int
    examples: list[str]
    reasons: dict[str, int]
    products: list[str]
    languages: list[str]
    first_seen: datetime
    last_seen: datetime


class _Group:
    def __init__(self, row: KnowledgeGapRow, vector: np.ndarray | None) -> None:
        self.rows = [row]
        self.sum = vector.copy() if vector is not None else None

    def centroid(self) -> np.ndarray | None:
        if self.sum is None:
            return None
        norm = float(np.linalg.norm(self.sum))
        return self.sum / norm if norm else self.sum


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def list_gaps(
    session: Session,
    *,
    since: datetime | None = None,
    product: str | None = None,
    embedder_name: str | None = None,
    similarity: float = DEFAULT_SIMILARITY,
    limit: int = 50,
) -> list[GapGroup]:
    """Groups of gap questions, largest first. `embedder_name` picks which stored vectors are comparable."""
    query = select(KnowledgeGapRow).order_by(KnowledgeGapRow.created_at, KnowledgeGapRow.id)
    if since is not None:
        query = query.where(KnowledgeGapRow.created_at >= since)
    if product:
        query = query.where(KnowledgeGapRow.product == product)
    rows = session.scalars(query).all()
    dense: list[_Group] = []
    by_text: dict[str, _Group] = {}
    for row in rows:
        usable = row.vector is not None and (embedder_name is None or row.embedder == embedder_name)
        if not usable:
            key = _normal(row.question)
            if key in by_text:
                by_text[key].rows.append(row)
            else:
                by_text[key] = _Group(row, None)
            continue
        vector = np.asarray(row.vector, dtype=np.float32)
        vector /= float(np.linalg.norm(vector)) or 1.0
        best, best_sim = None, similarity
        for group in dense:
            centroid = group.centroid()
            if centroid is None or centroid.shape != vector.shape:
                continue
            sim = float(centroid @ vector)
            if sim >= best_sim:
                best, best_sim = group, sim
        if best is None:
            dense.append(_Group(row, vector))
        else:
            best.rows.append(row)
            assert best.sum is not None
            best.sum += vector
    groups = [_summary(g) for g in [*dense, *by_text.values()]]
    groups.sort(key=lambda g: (-g.count, -g.last_seen.timestamp()))
    return groups[:limit]


def _summary(group: _Group) -> GapGroup:
    rows = group.rows
    texts = Counter(r.question for r in rows)
    return GapGroup(
        question=texts.most_common(1)[0][0],
        count=len(rows),
        examples=[t for t, _ in texts.most_common(5)],
        reasons=dict(Counter(r.reason for r in rows)),
        products=sorted({r.product for r in rows if r.product}),
        languages=sorted({r.language for r in rows if r.language}),
        first_seen=min(r.created_at for r in rows),
        last_seen=max(r.created_at for r in rows),
    )
