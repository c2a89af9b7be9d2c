"""Work orders for fatal QA items: one per conversation and scorecard, none after a reviewer overturns it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.errors import InvalidInput
from core.settings import Settings
from insights.classify.runner import classify_pending
from insights.quality import review as qa
from insights.quality.actions import open_fatal_work_orders, raise_work_order
from insights.quality.review import ItemVerdict
from insights.quality.scorecard import load_scorecards
from insights.workorders.desk import Desk
from insights.workorders.lifecycle import list_orders
from tests.conftest import FakeEmbedder
from tests.insights.conftest import conversation, store

PROMISE = conversation("P1", [("customer", "漏水了"), ("agent", "您好，我保证明天修好，电话 13912345678 联系我")])
PROMISE2 = conversation("P2", [("customer", "It leaks"), ("agent", "Hello, I guarantee it is fixed tomorrow")])
DESK = Desk.from_settings()
FINE = conversation("F1", [("agent", "您好，有什么可以帮您？"), ("customer", "漏水了"), ("agent", "还有什么问题吗？")])


def test_fatal_items_open_one_work_order_each(settings: Settings, any_sessions: sessionmaker[Session]) -> None:
    store(any_sessions, [PROMISE, PROMISE2, FINE])
    classify_pending(settings, any_sessions, embedder=FakeEmbedder())
    cards = {c.name: c for c in load_scorecards()}
    with transaction(any_sessions) as s:  # a reviewer overturns P2's fatal item first
        qa.review(s, "P2", "service_basics", {"no_guarantee": ItemVerdict(outcome="pass", reason="a quote")},
                  reviewer="qa-1")  # fmt: skip
    with transaction(any_sessions) as s:
        opened = open_fatal_work_orders(s, cards, desk=DESK)
    assert [(w.conversation_id, w.kind, w.alert_id, w.team, w.assignee) for w in opened] == [
        ("P1", "qa", None, "qa", "qa-lin")
    ]
    assert "no_guarantee" in opened[0].title and "13912345678" not in opened[0].body
    with transaction(any_sessions) as s:
        assert open_fatal_work_orders(s, cards, desk=DESK) == []  # the next night: nothing new
        assert raise_work_order(s, cards, "P1", desk=DESK, assignee="x", note=None, by="k").id == opened[0].id
        with pytest.raises(InvalidInput, match="failed no fatal QA item"):
            raise_work_order(s, cards, "F1", desk=DESK, assignee="x", note="please coach", by="k")
    with any_sessions() as s:
        assert [w.conversation_id for w in list_orders(s)] == ["P1"]
