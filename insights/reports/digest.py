"""The loss-reason digest for sales leads: lost deals by reason, per team and rep, against the previous period.

For each reason it also shows what won deals said about the same topic. Loss reasons are only classified on lost
deals, so won deals' customer turns are matched to reasons lexically, by the recurring words (jieba for Chinese) of
each reason's taxonomy text and of the period's lost-deal evidence for it. Each turn goes to its best reason, if any.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tables import ConversationRow, InsightRow, TurnRow
from insights.classify.taxonomy import Taxonomy, load_taxonomy
from insights.classify.turns import quote
from insights.customers.section import CustomerSection, customer_section
from insights.reports.topics import customer_text, terms_of
from insights.reports.trends import chunks, conversations_between, latest_labels

QUOTES = 3
ALL = "all teams"


class ReasonLine(BaseModel):
    reason: str
    description: str = ""
    lost: int = Field(description="Lost deals naming this reason in the period.")
    previous: int
    change: int
    quotes: list[str] = Field(default_factory=list, description="Masked evidence from lost deals.")
    won_quotes: list[str] = Field(default_factory=list, description="What won deals said on the same topic.")


class RepLine(BaseModel):
    agent_id: str
    won: int
    lost: int
    previous_won: int
    previous_lost: int
    reasons: dict[str, int] = Field(default_factory=dict)

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None


class TeamDigest(BaseModel):
    team: str
    won: int
    lost: int
    previous_won: int
    previous_lost: int
    reasons: list[ReasonLine]
    reps: list[RepLine]

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None


class LossDigest(BaseModel):
    start: datetime
    end: datetime
    previous_start: datetime
    period_days: int
    team: str | None = Field(default=None, description="The one team asked for; None for all.")
    rep: str | None = Field(default=None, description="The one rep (agent id) asked for; None for all.")
    generated_at: datetime
    overall: TeamDigest
    teams: list[TeamDigest]
    sales: CustomerSection | None = Field(
        default=None, description="Price bands, preferences and open leads of the period (every team)."
    )


class _Deal(BaseModel):
    id: str
    team: str
    agent: str
    outcome: str
    current: bool


def _deals(
    session: Session, start: datetime, end: datetime, current: bool, team: str | None, rep: str | None = None
) -> list[_Deal]:
    found = conversations_between(session, start, end)
    ids = [cid for cid, _, _ in found]
    inferred = latest_labels(session, "outcome", ids)
    out = []
    for chunk in chunks(ids):
        query = select(ConversationRow.id, ConversationRow.team, ConversationRow.agent_id, ConversationRow.outcome)
        for cid, row_team, agent, row_outcome in session.execute(query.where(ConversationRow.id.in_(chunk))):
            outcome = inferred.get(cid) or row_outcome
            name = row_team or "unassigned"
            if outcome in ("won", "lost") and (team is None or name == team) and (rep is None or agent == rep):
                out.append(_Deal(id=cid, team=name, agent=agent or "unknown", outcome=outcome, current=current))
    return sorted(out, key=lambda d: d.id)


def _evidence(session: Session, ids: list[str]) -> dict[str, list[tuple[str, float, str | None]]]:
    """Per conversation: (reason, confidence, quote) for every loss_reason insight."""
    out: dict[str, list[tuple[str, float, str | None]]] = {}
    for chunk in chunks(ids):
        query = select(InsightRow.conversation_id, InsightRow.label, InsightRow.confidence, InsightRow.evidence_quote)
        query = query.where(InsightRow.kind == "loss_reason", InsightRow.conversation_id.in_(chunk))
        for cid, label, confidence, text in session.execute(query):
            out.setdefault(cid, []).append((label, confidence, text))
    return out


def keywords(prototypes: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Reason -> {term: weight}: terms two or more of the reason's texts share, weighted by how few reasons share them.

    A word one example happens to use ("sign" in "We'll sign with a different vendor") is no keyword: recurring
    ones ("price", "价格", "budget", "brand") are.
    """
    recurring: dict[str, set[str]] = {}
    for reason, texts in prototypes.items():
        df = Counter(t for text in texts for t in set(terms_of(text)))
        recurring[reason] = {t for t, n in df.items() if n >= 2}
    owners = Counter(t for terms in recurring.values() for t in terms)
    n = len(prototypes)
    return {r: {t: math.log(1 + n / owners[t]) for t in terms} for r, terms in recurring.items()}


def won_deal_voices(
    session: Session, won: list[str], prototypes: dict[str, list[str]]
) -> dict[str, list[tuple[str, float, str]]]:
    """Reason -> [(conversation id, score, masked quote)] from won deals' customer turns, best first."""
    weights = keywords(prototypes)
    out: dict[str, list[tuple[str, float, str]]] = {}
    for chunk in chunks(won):
        by_conv: dict[str, list[TurnRow]] = {}
        for row in session.scalars(select(TurnRow).where(TurnRow.conversation_id.in_(chunk))):
            by_conv.setdefault(row.conversation_id, []).append(row)
        for cid in sorted(by_conv):
            for turn in customer_text(by_conv[cid]):
                terms = set(terms_of(turn.text))
                if len(terms) < 2:  # "OK, signed." says nothing about a topic
                    continue
                scores = {r: sum(w.get(t, 0.0) for t in terms) / math.sqrt(len(terms) or 1) for r, w in weights.items()}
                best = max(sorted(scores), key=lambda r: scores[r], default=None)
                if best is not None and scores[best] > 0:
                    out.setdefault(best, []).append((cid, scores[best], quote(turn.text)))
    for found in out.values():
        found.sort(key=lambda x: (-x[1], x[0]))
    return out


def _pick(items: list[tuple[str, float, str]], allowed: set[str]) -> list[str]:
    """Up to QUOTES quotes from distinct conversations within the scope."""
    seen: set[str] = set()
    out = []
    for cid, _, text in items:
        if cid in allowed and cid not in seen and text:
            seen.add(cid)
            out.append(text)
        if len(out) == QUOTES:
            break
    return out


def _scope(
    name: str,
    deals: list[_Deal],
    evidence: dict[str, list[tuple[str, float, str | None]]],
    voices: dict[str, list[tuple[str, float, str]]],
    taxonomy: Taxonomy,
) -> TeamDigest:
    now = [d for d in deals if d.current]
    before = [d for d in deals if not d.current]
    lost_now = {d.id for d in now if d.outcome == "lost"}
    lost_before = {d.id for d in before if d.outcome == "lost"}
    won_now = {d.id for d in now if d.outcome == "won"}
    count_now = Counter(r for cid in lost_now for r in {e[0] for e in evidence.get(cid, [])})
    count_before = Counter(r for cid in lost_before for r in {e[0] for e in evidence.get(cid, [])})
    lines = []
    for reason in set(count_now) | set(count_before):
        said = [
            (cid, conf, quote(text))
            for cid in lost_now
            for r, conf, text in evidence.get(cid, [])
            if r == reason and text
        ]
        said.sort(key=lambda x: (-x[1], x[0]))
        label = taxonomy.get(reason)
        lines.append(
            ReasonLine(
                reason=reason, description=label.description if label else "", lost=count_now[reason],
                previous=count_before[reason], change=count_now[reason] - count_before[reason],
                quotes=_pick(said, lost_now), won_quotes=_pick(voices.get(reason, []), won_now),
            )
        )  # fmt: skip
    lines.sort(key=lambda r: (-r.lost, -r.previous, r.reason))
    reps = []
    for agent in sorted({d.agent for d in deals}):
        mine = [d for d in deals if d.agent == agent]
        reasons = Counter(
            r for d in mine if d.current and d.id in lost_now for r in {e[0] for e in evidence.get(d.id, [])}
        )
        reps.append(
            RepLine(
                agent_id=agent,
                won=sum(d.current and d.outcome == "won" for d in mine),
                lost=sum(d.current and d.outcome == "lost" for d in mine),
                previous_won=sum(not d.current and d.outcome == "won" for d in mine),
                previous_lost=sum(not d.current and d.outcome == "lost" for d in mine),
                reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    reps.sort(key=lambda r: (-r.lost, -r.won, r.agent_id))
    return TeamDigest(
        team=name, won=len(won_now), lost=len(lost_now), previous_won=sum(d.outcome == "won" for d in before),
        previous_lost=len(lost_before), reasons=lines, reps=reps,
    )  # fmt: skip


def build_loss_digest(
    session: Session,
    *,
    end: datetime,
    period_days: int,
    team: str | None = None,
    rep: str | None = None,
    taxonomy: Taxonomy | None = None,
    generated_at: datetime | None = None,
) -> LossDigest:
    """Won and lost deals (outcome insight, else the conversation's recorded outcome) in [end - period_days, end);
    `team` and `rep` (an agent id) narrow them."""
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    taxonomy = taxonomy or load_taxonomy("loss_reason")
    start = end - timedelta(days=period_days)
    previous_start = start - timedelta(days=period_days)
    deals = _deals(session, start, end, True, team, rep) + _deals(session, previous_start, start, False, team, rep)
    evidence = _evidence(session, [d.id for d in deals if d.outcome == "lost"])
    prototypes: dict[str, list[str]] = {}
    for label in taxonomy.labels:
        prototypes[label.name] = label.texts()
    for d in deals:
        for reason, _, text in evidence.get(d.id, []):
            if d.current and text and reason in prototypes:
                prototypes[reason].append(text)
    prototypes.pop(taxonomy.fallback, None)
    voices = won_deal_voices(session, [d.id for d in deals if d.current and d.outcome == "won"], prototypes)
    teams = [
        _scope(t, [d for d in deals if d.team == t], evidence, voices, taxonomy)
        for t in sorted({d.team for d in deals})
    ]
    return LossDigest(
        start=start, end=end, previous_start=previous_start, period_days=period_days, team=team, rep=rep,
        generated_at=generated_at or datetime.now(UTC), overall=_scope(team or ALL, deals, evidence, voices, taxonomy),
        teams=teams, sales=customer_section(session, start=start, end=end),
    )  # fmt: skip
