"""The loss-reason digest: lost deals by reason per team and rep, change, masked quotes, and what won deals said."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from core.db import engine_for, migrate, session_factory, transaction
from core.settings import Settings
from core.tables import InsightRow
from ingest.masking import find_pii
from insights.reports.digest import build_loss_digest
from tests.insights.test_trends import END, add


def seed(sessions: sessionmaker[Session]) -> None:
    day = timedelta(days=1)
    with transaction(sessions) as s:
        # this period
        add(
            s,
            "L1",
            END - 2 * day,
            outcome="lost",
            team="north",
            agent="S-1",
            texts=["That is too expensive for us, over budget."],
            losses=[("price", "That is too expensive for us, call me on 13812345678.")],
        )
        add(
            s,
            "L2",
            END - 3 * day,
            outcome="lost",
            team="north",
            agent="S-2",
            texts=["这个价格我们接受不了，太贵了。"],
            losses=[("price", "这个价格我们接受不了，太贵了。")],
        )
        add(
            s,
            "L3",
            END - 3 * day,
            outcome="lost",
            team="south",
            agent="S-3",
            texts=["We went with another brand."],
            losses=[("competitor", "We went with another brand.")],
        )
        add(
            s,
            "W1",
            END - 1 * day,
            outcome="won",
            team="north",
            agent="S-1",
            texts=["The price is fine with the volume discount.", "Please send the contract."],
        )
        add(s, "W2", END - 4 * day, outcome="won", team="south", agent="S-3", texts=["价格我们可以接受，下周送货。"])
        add(s, "W3", END - 4 * day, team="south", agent="S-4", texts=["OK, we sign."])  # outcome inferred only
        s.add(
            InsightRow(
                conversation_id="W3", kind="outcome", label="won", confidence=0.8, model_name="t", model_version="1"
            )
        )
        add(s, "O1", END - 1 * day, outcome="open", team="north", agent="S-1", texts=["Let me think."])
        # the previous period: price was rarer, competitor more common
        add(
            s,
            "P1",
            END - 9 * day,
            outcome="lost",
            team="south",
            agent="S-3",
            losses=[("competitor", "Another supplier gave us a quote.")],
        )
        add(
            s,
            "P2",
            END - 10 * day,
            outcome="lost",
            team="north",
            agent="S-2",
            losses=[("competitor", "We'll stay with our current supplier.")],
        )
        add(s, "P3", END - 10 * day, outcome="lost", team="north", agent="S-1", losses=[("price", "Too expensive.")])
        add(s, "P4", END - 11 * day, outcome="won", team="north", agent="S-1")


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    engine = engine_for(settings)
    migrate(engine)
    return session_factory(engine)


def test_reasons_change_quotes_and_won_deal_voices(settings: Settings) -> None:
    sessions = sessions_for(settings)
    seed(sessions)
    with sessions() as s:
        digest = build_loss_digest(s, end=END, period_days=7)
    overall = digest.overall
    assert (overall.won, overall.lost, overall.previous_won, overall.previous_lost) == (3, 3, 1, 3)
    reasons = {r.reason: r for r in overall.reasons}
    assert (reasons["price"].lost, reasons["price"].previous, reasons["price"].change) == (2, 1, 1)
    assert (reasons["competitor"].lost, reasons["competitor"].previous, reasons["competitor"].change) == (1, 2, -1)
    assert overall.reasons[0].reason == "price" and reasons["price"].description
    assert len(reasons["price"].quotes) == 2
    assert all(not find_pii(q) for r in overall.reasons for q in r.quotes)
    assert any("[PHONE]" in q for q in reasons["price"].quotes)
    # won deals talked about price too: both the English and the Chinese turn are matched to it
    won = reasons["price"].won_quotes
    assert any("price is fine" in q for q in won) and any("价格我们可以接受" in q for q in won)
    assert not any("contract" in q for r in overall.reasons for q in r.won_quotes)

    teams = {t.team: t for t in digest.teams}
    assert set(teams) == {"north", "south"}
    north = teams["north"]
    assert (north.won, north.lost) == (1, 2)
    assert next(r.won_quotes for r in north.reasons if r.reason == "price") == [
        "The price is fine with the volume discount."
    ]
    reps = {r.agent_id: r for r in north.reps}
    assert (reps["S-1"].won, reps["S-1"].lost, reps["S-1"].previous_won, reps["S-1"].previous_lost) == (1, 1, 1, 1)
    assert reps["S-1"].reasons == {"price": 1} and reps["S-1"].win_rate == 0.5
    assert {r.agent_id for r in teams["south"].reps} == {"S-3", "S-4"}


def test_one_team_only(settings: Settings) -> None:
    sessions = sessions_for(settings)
    seed(sessions)
    with sessions() as s:
        digest = build_loss_digest(s, end=END, period_days=7, team="south")
    assert digest.team == "south" and [t.team for t in digest.teams] == ["south"]
    assert digest.overall.team == "south" and (digest.overall.won, digest.overall.lost) == (2, 1)
    assert [r.reason for r in digest.overall.reasons] == ["competitor"]


def test_no_sales_is_an_empty_digest(settings: Settings) -> None:
    sessions = sessions_for(settings)
    with sessions() as s:
        digest = build_loss_digest(s, end=END, period_days=7)
    assert digest.teams == [] and digest.overall.reasons == [] and digest.overall.win_rate is None
