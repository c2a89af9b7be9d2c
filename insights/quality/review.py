"""Review and appeal of machine QA: people's verdicts on items, agents' disputes, and how far the machine agrees.

A QA reviewer (`qa`) takes a sample of scored conversations and gives each item of a scorecard a verdict; a verdict
that differs from the machine's is an override and needs a reason. An agent disputes one item with a reason; QA
upholds the dispute (which records an override to the outcome asked for) or rejects it. Nothing is ever updated in
place: the latest verdict per item counts, and every earlier one stays.

`agreement` compares the machine with the reviewers item by item: the share of reviewed items where they agree and
Cohen's kappa (agreement beyond chance), so a manager sees which items can be trusted without a person.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.tables import InsightRow, QaDisputeRow, QaReviewRow
from ingest.masking import mask_text
from insights.quality.store import StoredScore, conversation_scores

Verdict = Literal["pass", "fail", "na"]


class ItemVerdict(BaseModel):
    outcome: Verdict
    reason: str | None = Field(default=None, max_length=2000, description="Required when it differs from the machine.")


class ReviewView(BaseModel):
    conversation_id: str
    scorecard: str
    item: str
    machine: str
    outcome: str
    reason: str | None
    reviewer: str
    source: str
    created_at: datetime


class DisputeView(BaseModel):
    id: int
    conversation_id: str
    scorecard: str
    item: str
    disputed: str
    reason: str
    raised_by: str
    status: str
    resolved_by: str | None
    resolution: str | None
    created_at: datetime
    resolved_at: datetime | None


class ItemAgreement(BaseModel):
    scorecard: str
    item: str
    reviewed: int
    agree: float  # share of reviewed items where the machine's outcome is the reviewer's
    kappa: float | None  # Cohen's kappa; None when one verdict was given to every reviewed item (undefined)
    overridden: int


def _scored(session: Session, conversation_id: str, scorecard: str) -> StoredScore:
    scores = conversation_scores(session, conversation_id)
    if scores is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    found = next((s for s in scores if s.scorecard == scorecard), None)
    if found is None:
        raise NotFound(f"conversation '{conversation_id}' has no '{scorecard}' score (run `cxloop insights run`)")
    return found


def review(
    session: Session,
    conversation_id: str,
    scorecard: str,
    verdicts: Mapping[str, ItemVerdict],
    *,
    reviewer: str,
    confirm_rest: bool = True,
    source: str = "review",
) -> list[ReviewView]:
    """Record a reviewer's verdicts on one scored conversation; with `confirm_rest`, every item not named is
    recorded as agreeing with the machine (a full review, which the agreement figures need)."""
    scored = _scored(session, conversation_id, scorecard)
    machine = {i.item: i.outcome for i in scored.items}
    unknown = sorted(set(verdicts) - set(machine))
    if unknown:
        raise InvalidInput(f"'{scorecard}' has no item {', '.join(unknown)}; its items: {', '.join(machine)}")
    rows = []
    for item, was in machine.items():
        verdict = verdicts.get(item)
        if verdict is None and not confirm_rest:
            continue
        outcome = verdict.outcome if verdict else was
        reason = verdict.reason.strip() if verdict and verdict.reason else None
        if outcome != was and not reason:
            raise InvalidInput(f"overriding '{item}' ({was} -> {outcome}) needs a reason")
        rows.append(QaReviewRow(conversation_id=conversation_id, scorecard=scorecard, scorecard_version=scored.version,
                                item=item, machine=was, outcome=outcome, reason=mask_text(reason) if reason else None,
                                reviewer=reviewer, source=source))  # fmt: skip
    session.add_all(rows)
    session.flush()
    return [_review_view(r) for r in rows]


def reviews(session: Session, conversation_id: str) -> list[ReviewView]:
    """Every verdict on a conversation, oldest first."""
    query = select(QaReviewRow).where(QaReviewRow.conversation_id == conversation_id).order_by(QaReviewRow.id)
    return [_review_view(r) for r in session.scalars(query)]


def dispute(
    session: Session, conversation_id: str, scorecard: str, item: str, reason: str, *, raised_by: str
) -> DisputeView:
    """An agent disputes one item's current result."""
    scored = _scored(session, conversation_id, scorecard)
    current = {i.item: i.outcome for i in scored.items}
    latest = {r.item: r.outcome for r in reviews(session, conversation_id) if r.scorecard == scorecard}
    if item not in current:
        raise InvalidInput(f"'{scorecard}' has no item '{item}'; its items: {', '.join(current)}")
    if not reason.strip():
        raise InvalidInput("a dispute needs a reason")
    row = QaDisputeRow(conversation_id=conversation_id, scorecard=scorecard, item=item,
                       disputed=latest.get(item, current[item]), reason=mask_text(reason.strip()), raised_by=raised_by,
                       status="open")  # fmt: skip
    session.add(row)
    session.flush()
    return _dispute_view(row)


def resolve(
    session: Session,
    dispute_id: int,
    *,
    upheld: bool,
    reason: str,
    resolved_by: str,
    outcome: Verdict | None = None,
    now: datetime | None = None,
) -> DisputeView:
    """Settle a dispute. Upheld: the item's outcome becomes `outcome` (by default the other of pass / fail), kept
    as an override from the dispute."""
    row = session.get(QaDisputeRow, dispute_id)
    if row is None:
        raise NotFound(f"no dispute {dispute_id}")
    if row.status != "open":
        raise InvalidInput(f"dispute {dispute_id} is already {row.status}")
    if not reason.strip():
        raise InvalidInput("settling a dispute needs a reason")
    if upheld:
        new = outcome or ("pass" if row.disputed == "fail" else "fail")
        if new == row.disputed:
            raise InvalidInput(f"upholding the dispute must change the outcome from '{row.disputed}'")
        review(session, row.conversation_id, row.scorecard, {row.item: ItemVerdict(outcome=new, reason=reason)},
               reviewer=resolved_by, confirm_rest=False, source="dispute")  # fmt: skip
    row.status = "upheld" if upheld else "rejected"
    row.resolved_by, row.resolution, row.resolved_at = resolved_by, mask_text(reason.strip()), now or datetime.now(UTC)
    session.flush()
    return _dispute_view(row)


def disputes(
    session: Session, *, status: str | None = None, conversation_id: str | None = None, limit: int = 200
) -> list[DisputeView]:
    query = select(QaDisputeRow).order_by(QaDisputeRow.id.desc()).limit(limit)
    if status is not None:
        query = query.where(QaDisputeRow.status == status)
    if conversation_id is not None:
        query = query.where(QaDisputeRow.conversation_id == conversation_id)
    return [_dispute_view(r) for r in session.scalars(query)]


def sample(
    session: Session, n: int, *, scorecard: str | None = None, result: str | None = None, seed: int | None = None
) -> list[str]:
    """Up to `n` scored conversations nobody has reviewed yet (optionally of one scorecard, one result), at random."""
    query = select(InsightRow.conversation_id, InsightRow.model_name, InsightRow.label).where(
        InsightRow.kind == "qa_score"
    )
    if scorecard is not None:
        query = query.where(InsightRow.model_name == f"scorecard/{scorecard}")
    if result is not None:
        query = query.where(InsightRow.label == result)
    reviewed = set(session.scalars(select(QaReviewRow.conversation_id).distinct()))
    ids = sorted({cid for cid, _, _ in session.execute(query)} - reviewed)
    return sorted(random.Random(seed).sample(ids, min(n, len(ids))))


def agreement(session: Session, *, scorecard: str | None = None) -> list[ItemAgreement]:
    """Per item, the machine against each conversation's latest verdict (reviews and upheld disputes)."""
    query = select(QaReviewRow).order_by(QaReviewRow.id)
    if scorecard is not None:
        query = query.where(QaReviewRow.scorecard == scorecard)
    latest: dict[tuple[str, str, str], QaReviewRow] = {}
    for row in session.scalars(query):
        latest[(row.scorecard, row.item, row.conversation_id)] = row
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for (card, item, _), row in latest.items():
        pairs[(card, item)].append((row.machine, row.outcome))
    return [_agreement(card, item, found) for (card, item), found in sorted(pairs.items())]


def _agreement(card: str, item: str, pairs: list[tuple[str, str]]) -> ItemAgreement:
    from sklearn.metrics import cohen_kappa_score

    machine, people = [m for m, _ in pairs], [p for _, p in pairs]
    agree = sum(m == p for m, p in pairs) / len(pairs)
    kappa = None if len(set(machine) | set(people)) < 2 else float(cohen_kappa_score(machine, people))
    overridden = sum(m != p for m, p in pairs)
    return ItemAgreement(scorecard=card, item=item, reviewed=len(pairs), agree=round(agree, 4),
                         kappa=None if kappa is None else round(kappa, 4), overridden=overridden)  # fmt: skip


def _review_view(row: QaReviewRow) -> ReviewView:
    return ReviewView(conversation_id=row.conversation_id, scorecard=row.scorecard, item=row.item, machine=row.machine,
                      outcome=row.outcome, reason=row.reason, reviewer=row.reviewer, source=row.source,
                      created_at=row.created_at or datetime.now(UTC))  # fmt: skip


def _dispute_view(row: QaDisputeRow) -> DisputeView:
    return DisputeView(id=row.id, conversation_id=row.conversation_id, scorecard=row.scorecard, item=row.item,
                       disputed=row.disputed, reason=row.reason, raised_by=row.raised_by, status=row.status,
                       resolved_by=row.resolved_by, resolution=row.resolution,
                       created_at=row.created_at or datetime.now(UTC), resolved_at=row.resolved_at)  # fmt: skip
