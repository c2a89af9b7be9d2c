"""QA per agent and team over a period: scores against the previous period, the most-missed items, the best and
worst conversations, the mean score per day. The nightly report carries its summary; a QA digest per team is its
own page (`insights.reports.render`), and the API serves it (`GET /v1/quality/digest`).

Scores are the machine's, or the reviewed score where a person reviewed the conversation (`insights.quality.review`).
A conversation counts in the period it started in, once per scorecard.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tables import ConversationRow, InsightRow, QaReviewRow
from insights.quality.score import total
from insights.quality.scorecard import Scorecard
from insights.reports.trends import chunks, conversations_between

SHOWN = 5  # best and worst conversations per digest
ALL = "all teams"


class CardLine(BaseModel):
    scorecard: str
    conversations: int
    mean_score: float | None
    pass_rate: float | None
    fatal: int
    previous_conversations: int
    previous_mean: float | None


class ItemLine(BaseModel):
    scorecard: str
    item: str
    applicable: int
    failed: int
    fail_share: float
    previous_fail_share: float | None


class AgentLine(BaseModel):
    agent_id: str
    team: str
    conversations: int
    mean_score: float | None
    previous_mean: float | None
    fatal: int
    most_missed: list[str] = Field(default_factory=list, description="Items this agent failed most, most first.")


class ConversationLine(BaseModel):
    conversation_id: str
    agent_id: str
    team: str
    scorecard: str
    score: float
    result: str
    started_at: datetime


class DayLine(BaseModel):
    day: date
    conversations: int
    mean_score: float | None


class QaDigest(BaseModel):
    start: datetime
    end: datetime
    team: str | None  # None: every team, with one line per team in `teams`
    cards: list[CardLine]
    items: list[ItemLine]  # most-missed first
    agents: list[AgentLine]  # lowest mean first
    best: list[ConversationLine]
    worst: list[ConversationLine]
    days: list[DayLine]
    teams: list[CardLine] = Field(default_factory=list, description="Per team (as `scorecard`: the team's name).")


@dataclass
class _Scored:
    cid: str
    agent: str
    team: str
    started: datetime
    card: str
    score: float
    result: str
    items: dict[str, str]  # item -> pass | fail | na


def build_qa_digest(
    session: Session,
    *,
    end: datetime,
    period_days: int,
    team: str | None = None,
    cards: Mapping[str, Scorecard] | None = None,
) -> QaDigest:
    """The digest of [end - period_days, end); with `cards` (by name), reviewed conversations count with the score
    their reviewers' verdicts give."""
    start = end - timedelta(days=period_days)
    now = _scored(session, start, end, team, cards or {})
    before = _scored(session, start - timedelta(days=period_days), start, team, cards or {})
    names = sorted({s.card for s in now} | {s.card for s in before})
    card_lines = [_card_line(card, [s for s in now if s.card == card], [s for s in before if s.card == card])
                  for card in names]  # fmt: skip
    teams = sorted({s.team for s in now}) if team is None else []
    team_lines = [_card_line(t, [s for s in now if s.team == t], [s for s in before if s.team == t]) for t in teams]
    ordered = sorted(now, key=lambda s: (s.score, s.result != "fatal", s.started, s.cid))
    return QaDigest(
        start=start,
        end=end,
        team=team,
        cards=card_lines,
        items=_items(now, before),
        agents=_agents(now, before),
        best=[_line(s) for s in sorted(now, key=lambda s: (-s.score, s.started, s.cid))[:SHOWN]],
        worst=[_line(s) for s in ordered[:SHOWN]],
        days=_days(now, start, end),
        teams=team_lines,
    )


def _scored(
    session: Session, start: datetime, end: datetime, team: str | None, cards: Mapping[str, Scorecard]
) -> list[_Scored]:
    found = {cid: at for cid, _, at in conversations_between(session, start, end)}
    if not found:
        return []
    meta: dict[str, tuple[str, str]] = {}
    for chunk in chunks(list(found)):
        query = select(ConversationRow.id, ConversationRow.agent_id, ConversationRow.team).where(
            ConversationRow.id.in_(chunk)
        )
        for cid, agent, its_team in session.execute(query):
            meta[cid] = (agent or "unknown", its_team or "no team")
    ids = [cid for cid in found if team is None or meta[cid][1] == team]
    scores: dict[tuple[str, str], tuple[float, str, str]] = {}
    items: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for cid, kind, label, confidence, model, version in _records(session, ids):
        card = model.removeprefix("scorecard/")
        if kind == "qa_score":
            scores[(cid, card)] = (round(confidence * 100, 1), label, version)
        else:
            item, _, outcome = label.rpartition(":")
            items[(cid, card)][item] = outcome
    reviewed = _reviewed(session, ids)
    out = []
    for (cid, card), (score, result, version) in scores.items():
        final = {**items[(cid, card)], **reviewed.get((cid, card), {})}
        form = cards.get(card)
        if (cid, card) in reviewed and form is not None and form.fingerprint == version:
            score, passed, fatal = total(form, final)
            result = "fatal" if fatal else "pass" if passed else "fail"
        agent, its_team = meta[cid]
        out.append(_Scored(cid, agent, its_team, found[cid], card, score, result, final))
    return out


def _records(session: Session, ids: list[str]) -> Iterable[tuple[str, str, str, float, str, str]]:
    for chunk in chunks(ids):
        query = select(
            InsightRow.conversation_id,
            InsightRow.kind,
            InsightRow.label,
            InsightRow.confidence,
            InsightRow.model_name,
            InsightRow.model_version,
        ).where(InsightRow.conversation_id.in_(chunk), InsightRow.kind.in_(("qa_score", "qa_item")))
        yield from session.execute(query).tuples()


def _reviewed(session: Session, ids: list[str]) -> dict[tuple[str, str], dict[str, str]]:
    out: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for chunk in chunks(ids):
        query = select(QaReviewRow).where(QaReviewRow.conversation_id.in_(chunk)).order_by(QaReviewRow.id)
        for row in session.scalars(query):
            out[(row.conversation_id, row.scorecard)][row.item] = row.outcome
    return out


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _card_line(name: str, now: list[_Scored], before: list[_Scored]) -> CardLine:
    return CardLine(
        scorecard=name,
        conversations=len(now),
        mean_score=_mean([s.score for s in now]),
        pass_rate=round(sum(s.result == "pass" for s in now) / len(now), 3) if now else None,
        fatal=sum(s.result == "fatal" for s in now),
        previous_conversations=len(before),
        previous_mean=_mean([s.score for s in before]),
    )


def _fails(scored: list[_Scored]) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    applicable: Counter[tuple[str, str]] = Counter()
    failed: Counter[tuple[str, str]] = Counter()
    for s in scored:
        for item, outcome in s.items.items():
            if outcome != "na":
                applicable[(s.card, item)] += 1
                failed[(s.card, item)] += outcome == "fail"
    return applicable, failed


def _items(now: list[_Scored], before: list[_Scored]) -> list[ItemLine]:
    applicable, failed = _fails(now)
    was_applicable, was_failed = _fails(before)
    lines = [
        ItemLine(scorecard=card, item=item, applicable=n, failed=failed[(card, item)],
                 fail_share=round(failed[(card, item)] / n, 3),
                 previous_fail_share=round(was_failed[(card, item)] / was_applicable[(card, item)], 3)
                 if was_applicable[(card, item)] else None)
        for (card, item), n in applicable.items()
    ]  # fmt: skip
    return sorted(lines, key=lambda line: (-line.fail_share, -line.failed, line.scorecard, line.item))


def _agents(now: list[_Scored], before: list[_Scored]) -> list[AgentLine]:
    lines = []
    for agent in sorted({s.agent for s in now}):
        mine = [s for s in now if s.agent == agent]
        missed = Counter(f"{s.card}/{item}" for s in mine for item, outcome in s.items.items() if outcome == "fail")
        previous = [s.score for s in before if s.agent == agent]
        lines.append(AgentLine(
            agent_id=agent, team=Counter(s.team for s in mine).most_common(1)[0][0], conversations=len(mine),
            mean_score=_mean([s.score for s in mine]), previous_mean=_mean(previous),
            fatal=sum(s.result == "fatal" for s in mine), most_missed=[k for k, _ in missed.most_common(3)],
        ))  # fmt: skip
    return sorted(lines, key=lambda a: (a.mean_score if a.mean_score is not None else 101.0, a.agent_id))


def _days(now: list[_Scored], start: datetime, end: datetime) -> list[DayLine]:
    by_day: dict[date, list[float]] = defaultdict(list)
    for s in now:
        by_day[s.started.date()].append(s.score)
    days = []
    day = start.date()
    while day < end.date() or (day == end.date() and end.time() != datetime.min.time()):
        days.append(DayLine(day=day, conversations=len(by_day[day]), mean_score=_mean(by_day[day])))
        day += timedelta(days=1)
    return days


def _line(s: _Scored) -> ConversationLine:
    return ConversationLine(conversation_id=s.cid, agent_id=s.agent, team=s.team, scorecard=s.card, score=s.score,
                            result=s.result, started_at=s.started)  # fmt: skip
