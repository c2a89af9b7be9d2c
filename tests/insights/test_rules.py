"""Sentiment trajectory and escalation, loss reasons with evidence, complaint issue per conversation."""

from __future__ import annotations

from insights.classify.classifiers import Prediction
from insights.classify.complaints import conversation_issue, product_issue_label, split_product_issue
from insights.classify.outcome import is_sales, loss_reasons
from insights.classify.sentiment import summarise, turn_score
from tests.insights.conftest import conversation


def feel(neg: float, pos: float) -> Prediction:
    scores = {"negative": neg, "positive": pos, "neutral": round(1 - neg - pos, 6)}
    best = max(scores, key=lambda k: scores[k])
    return Prediction(best, scores[best], best, scores)


def test_turn_score_and_overall() -> None:
    assert turn_score(feel(0.8, 0.1)) == 0.8 * -1 + 0.1
    summary = summarise([(0, feel(0.1, 0.7)), (2, feel(0.2, 0.6)), (4, feel(0.1, 0.8))])
    assert summary is not None
    assert summary.overall == "positive" and summary.overall_turn == 4
    assert summary.trajectory == "stable" and summary.escalation_turn is None
    assert summarise([]) is None


def test_sharp_fall_into_negative_escalates_and_worsens() -> None:
    turns = [(0, feel(0.05, 0.6)), (2, feel(0.2, 0.3)), (4, feel(0.9, 0.02)), (6, feel(0.85, 0.05))]
    summary = summarise(turns, escalation_drop=0.8)
    assert summary is not None
    assert summary.trajectory == "worsening" and summary.change < -0.3
    assert summary.escalation_turn == 4  # the turn where it fell
    assert summarise(turns, escalation_drop=1.9).escalation_turn is None  # type: ignore[union-attr]


def test_recovery_is_improving_without_escalation() -> None:
    summary = summarise([(1, feel(0.9, 0.0)), (3, feel(0.3, 0.2)), (5, feel(0.0, 0.9))])
    assert summary is not None and summary.trajectory == "improving" and summary.escalation_turn is None


def p(label: str, confidence: float, scores: dict[str, float] | None = None) -> Prediction:
    return Prediction(label, confidence, label, scores or {label: confidence})


def test_loss_reasons_keep_each_reason_once_with_its_best_turn() -> None:
    turns = [(1, p("price", 0.6)), (3, p("other", 0.9)), (5, p("price", 0.9)), (7, p("competitor", 0.7))]
    reasons = loss_reasons(turns, "other")
    assert [(r.label, r.turn_index) for r in reasons] == [("price", 5), ("competitor", 7)]
    unknown = loss_reasons([(1, p("other", 0.8))], "other")
    assert [(r.label, r.turn_index) for r in unknown] == [("other", None)]


def test_sales_conversations_are_recognised() -> None:
    assert is_sales(conversation("a", [("customer", "hi")], outcome="won"), None)
    assert is_sales(conversation("b", [("customer", "hi")], metadata={"kind": "Sales call"}), None)
    assert is_sales(conversation("c", [("customer", "hi")]), "sales")
    assert not is_sales(conversation("d", [("customer", "hi")]), "delivery")


def test_conversation_issue_votes_across_turns() -> None:
    turns = [
        (0, p("defect", 0.7, {"defect": 0.7, "other": 0.2, "rude_service": 0.1})),
        (2, p("defect", 0.6, {"defect": 0.6, "other": 0.3, "rude_service": 0.1})),
        (4, p("rude_service", 0.5, {"rude_service": 0.5, "other": 0.45, "defect": 0.05})),  # one odd turn
    ]
    issue = conversation_issue(turns, "other")
    assert issue is not None and issue.label == "defect" and issue.turn_index == 0
    chat = [(0, p("other", 0.9, {"other": 0.9, "defect": 0.1})), (1, p("other", 0.8, {"other": 0.8, "defect": 0.2}))]
    assert conversation_issue(chat, "other") is None


def test_product_issue_labels_round_trip() -> None:
    assert product_issue_label("aquapure-x3", "defect") == "aquapure-x3/defect"
    assert product_issue_label(None, "late_delivery") == "unknown/late_delivery"
    assert split_product_issue("aquapure-x3/defect") == ("aquapure-x3", "defect")
