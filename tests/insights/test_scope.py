"""Insight kinds run on the conversations they are meant for: outcome and loss reasons on sales talks only."""

from __future__ import annotations

from typing import Any

from core.settings import KindScope
from insights.classify.scope import applies, conversation_type
from tests.insights.conftest import LOST_DEAL, conversation

BUYING = conversation(
    "C-BUY",
    [("customer", "How much is it if I buy ten units? Is there a discount for businesses?"),
     ("agent", "Let me send you a quote."), ("customer", "No thanks, too expensive, I will buy elsewhere.")],
)  # fmt: skip
REVIEW = conversation("R-1", [("customer", "Bought it last month, great quality, the price was fair.")])


def kinds(analyzer: Any, conversations: list[Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for insight in analyzer.analyze(conversations):
        out.setdefault(insight.conversation_id, set()).add(insight.kind)
    return out


def test_a_conversation_is_sales_when_the_source_says_so() -> None:
    assert conversation_type(LOST_DEAL, None, from_intent=False) == "sales"
    tagged = conversation("T", [("customer", "hi")], metadata={"category": "Sales lead"})
    assert conversation_type(tagged, None, from_intent=False) == "sales"
    assert conversation_type(BUYING, "sales", from_intent=False) == "service"
    assert conversation_type(BUYING, "sales", from_intent=True) == "sales"


def test_scopes_by_channel_and_type() -> None:
    assert applies(None, REVIEW, None, from_intent=False)
    assert not applies(KindScope(channels=["call"]), REVIEW, None, from_intent=False)
    assert applies(KindScope(channels=["chat"], conversations=["service"]), REVIEW, None, from_intent=False)
    assert not applies(KindScope(conversations=["sales"]), REVIEW, None, from_intent=False)


def test_by_default_sales_kinds_skip_service_conversations(make_analyzer: Any) -> None:
    found = kinds(make_analyzer(), [LOST_DEAL, BUYING, REVIEW])
    assert {"outcome", "loss_reason"} <= found["S-LOST"]
    for cid in ("C-BUY", "R-1"):
        assert not found[cid] & {"outcome", "loss_reason"} and "intent" in found[cid]


def test_sales_from_intent_and_own_scopes_are_configurable(make_analyzer: Any) -> None:
    default = make_analyzer()
    by_intent = make_analyzer(sales_from_intent=True)
    found = by_intent.analyze([BUYING])
    assert {r.label for r in found if r.kind == "intent"} == {"sales"}  # the customer came to buy
    assert "outcome" in {r.kind for r in found}
    everywhere = make_analyzer(scopes={})
    assert "outcome" in kinds(everywhere, [REVIEW])["R-1"]
    calls_only = make_analyzer(scopes={"intent": {"channels": ["call"]}})
    assert "intent" not in kinds(calls_only, [REVIEW]).get("R-1", set())
    versions = {default.version, by_intent.version, everywhere.version, calls_only.version}
    assert len(versions) == 4  # each scope change classifies again
