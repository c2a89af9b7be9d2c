"""Stored customer intelligence read back: the journey with stages, alerts and work orders; churn and lead lists;
price bands and preferences per product and segment. The kinds run through the real analyzer (fake embedder)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.settings import Settings
from core.tables import AndonAlertRow, InsightRow, WorkOrderRow
from insights.classify.runner import classify_pending
from insights.customers import store as customers
from insights.customers.scores import churn_priors
from tests.insights.conftest import conversation, store

DAY = datetime(2026, 11, 1, 10, tzinfo=UTC)
SALES = [
    conversation(
        "S-OPEN",
        [
            ("agent", "这款标价2499元，含安装。"),
            ("customer", "我们预算1800到2000，需要上门安装，最好月底前到货。"),
            ("customer", "京东才卖1999。怎么下单？能开发票吗？"),
        ],
        product="aquapure-x3",
        outcome="open",
        customer="k-lead",
        metadata={"segment": "enterprise"},
    ),
    conversation(
        "S-LOST",
        [
            ("agent", "The CoolBreeze is $89 right now."),
            ("customer", "Too expensive, I can't go over $60. It's too loud as well."),
            ("customer", "No thanks, not interested."),
        ],
        product="coolbreeze-tf260",
        outcome="lost",
        customer="k-lost",
        metadata={"segment": "consumer"},
    ),
]


def _rows(sessions: sessionmaker[Session], kind: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with sessions() as s:
        for r in s.query(InsightRow).filter(InsightRow.kind == kind):
            out.setdefault(r.conversation_id, []).append(r.label)
    return out


def test_sales_kinds_store_prices_preferences_and_an_explained_lead_score(
    settings: Settings, any_sessions: sessionmaker[Session], make_analyzer: Any
) -> None:
    sessions = any_sessions  # SQLite and PostgreSQL
    store(sessions, SALES)
    classify_pending(settings, sessions, analyzer=make_analyzer())
    assert _rows(sessions, "price")["S-OPEN"] == [
        "list_price:2499-2499:CNY",
        "budget:1800-2000:CNY",
        "competitor:1999-1999:CNY",
    ]
    assert _rows(sessions, "price_range") == {"S-OPEN": ["1800-2000:CNY"], "S-LOST": ["-60:USD"]}
    assert set(_rows(sessions, "preference")["S-OPEN"]) == {"installation:wanted", "delivery_time:wanted"}
    assert "noise:rejected" in _rows(sessions, "preference")["S-LOST"]
    with sessions() as s:
        leads = customers.open_leads(s)
        everything = customers.open_leads(s, include_closed=True)
        bands = customers.price_bands(s)
        prefs = customers.preference_counts(s)
    assert [lead.conversation_id for lead in leads] == ["S-OPEN"]  # the lost deal is not an open lead
    (lead,) = leads
    assert lead.price_range == "1800-2000:CNY" and lead.band in ("hot", "warm", "cold")
    assert "buying_signal" in [x.signal for x in lead.signals]
    lost = next(x for x in everything if x.conversation_id == "S-LOST")
    assert lost.probability < lead.probability and lost.signals[0].effect < 0
    by_product = {(b.product, b.segment): b for b in bands}
    assert by_product[("coolbreeze-tf260", "consumer")].lost_above == 1  # $89 quoted, ceiling $60
    assert by_product[("aquapure-x3", "enterprise")].ceiling_median == 2000
    assert any(p.feature == "installation" and p.wanted == 1 and p.segment == "enterprise" for p in prefs)


def test_a_journey_has_stages_alerts_work_orders_and_churn_risk(any_sessions: sessionmaker[Session]) -> None:
    sessions = any_sessions
    convs = [
        conversation("J1", [("customer", "想买个净水器")], customer="k1", outcome="won", started=DAY),
        conversation("J2", [("customer", "什么时候送到？")], customer="k1", started=DAY + timedelta(days=3)),
        conversation("J3", [("customer", "净水器漏水了")], customer="k1", started=DAY + timedelta(days=20)),
        conversation("J4", [("customer", "又漏了，还是没修好")], customer="k1", started=DAY + timedelta(days=25)),
        conversation("J5", [("customer", "我要退货，换别家")], customer="k1", started=DAY + timedelta(days=27)),
        conversation("OTHER", [("customer", "谢谢，很好用")], customer="k2", started=DAY),
    ]
    store(sessions, convs)
    labels = {"J2": "delivery", "J3": "defect", "J4": "defect", "J5": "cancellation", "OTHER": "praise"}
    moods = {"J2": "neutral", "J3": "negative", "J4": "negative", "J5": "negative", "OTHER": "positive"}
    with transaction(sessions) as s:
        for cid, intent in labels.items():
            for kind, label in (("intent", intent), ("sentiment", moods[cid]), ("product", "aquapure-x3")):
                s.add(InsightRow(conversation_id=cid, kind=kind, label=label, confidence=0.9, model_name="t",
                                 model_version="1"))  # fmt: skip
        s.add(AndonAlertRow(id="A1", product="aquapure-x3", issue="defect", status="open", customers=2,
                            conversation_ids=["J3", "X9"], evidence=[], first_seen=DAY, last_seen=DAY))  # fmt: skip
        s.add(WorkOrderRow(id="W1", alert_id="A1", kind="quality", assignee="q", title="Hold stock", body="",
                           status="open"))  # fmt: skip
    with sessions() as s:
        journey = customers.journey(s, "k1", churn_priors())
        assert customers.journey(s, "nobody", churn_priors()) is None
        risks = customers.churn_risks(s, churn_priors())
    assert journey is not None
    assert [step.stage for step in journey.steps] == ["purchase", "delivery", "complaint", "repeat", "churn"]
    assert journey.steps[2].alerts == ["A1"] and journey.steps[2].work_orders == ["W1"]
    assert [a.id for a in journey.alerts] == ["A1"] and [w.id for w in journey.work_orders] == ["W1"]
    assert journey.churn.probability > 0.7
    assert journey.churn.signals[0].signal == "cancellation_intent"
    assert [r.customer_key for r in risks] == ["k1", "k2"]
