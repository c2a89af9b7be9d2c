"""Scoring: item outcomes with evidence, scope by speaker and position, weights, fatal items, masking."""

from __future__ import annotations

from core.records import Conversation, Turn
from insights.quality.score import score_conversation
from insights.quality.scorecard import load_scorecards, parse_scorecard

CARD = parse_scorecard("""
name: t
version: "1"
pass_mark: 80
items:
  - {id: greeting, title: G, kind: phrase, rule: "您好||hello", position: first_turn, weight: 2}
  - {id: early_id, title: I, kind: phrase, rule: 工号, position: first_30s, weight: 1}
  - {id: closing, title: C, kind: phrase, rule: "还有什么||\\"anything else\\"", position: last_turn, weight: 1}
  - {id: no_promise, title: P, kind: forbidden, rule: "保证||guarantee", severity: fatal}
  - {id: calm, title: Customer calm, kind: forbidden, rule: 投诉, speaker: customer}
""")


def conversation(*turns: tuple[str, str, float | None], channel: str = "call") -> Conversation:
    return Conversation(
        id="C1",
        channel=channel,
        source_uri="-",
        source_sha256="-",
        turns=[Turn(index=i, speaker=s, text=t, start_s=at) for i, (s, t, at) in enumerate(turns)],
    )


def test_a_good_call_passes_with_evidence_for_each_item() -> None:
    score = score_conversation(
        CARD,
        conversation(
            ("agent", "您好，工号 1024 为您服务", 1.0),
            ("customer", "我的净水器漏水了", 6.0),
            ("agent", "请问还有什么可以帮您？", 40.0),
        ),
    )
    assert (score.score, score.passed, score.fatal) == (100.0, True, False)
    greeting = score.result("greeting")
    assert (greeting.outcome, greeting.turn_index, greeting.start_s, greeting.found) == ("pass", 0, 1.0, ("您好",))
    assert score.result("closing").turn_index == 2 and score.result("no_promise").outcome == "pass"
    assert score.version == CARD.fingerprint


def test_position_scopes_the_item() -> None:
    score = score_conversation(
        CARD,
        conversation(
            ("agent", "请稍等", 1.0), ("agent", "您好", 2.0), ("agent", "工号 7", 45.0), ("agent", "再见", 50.0)
        ),
    )
    assert score.result("greeting").outcome == "fail" and score.result("greeting").turn_index == 0  # not the first
    assert score.result("early_id").outcome == "fail"  # after 30 s
    assert score.result("closing").outcome == "fail" and score.result("closing").turn_index == 3
    assert score.score == 20.0 and not score.passed and not score.fatal  # only the forbidden item's 1 of 5 weight


def test_a_fatal_item_zeroes_the_form_and_quotes_the_offending_turn_masked() -> None:
    score = score_conversation(
        CARD,
        conversation(
            ("agent", "Hello, anything else?", None), ("agent", "I guarantee it, call me on 13812345678", None)
        ),
    )
    promise = score.result("no_promise")
    assert (promise.outcome, promise.turn_index, promise.found) == ("fail", 1, ("guarantee",))
    assert promise.quote is not None and "13812345678" not in promise.quote
    assert (score.score, score.fatal, score.passed) == (0.0, True, False)


def test_items_without_turns_in_scope_are_not_applicable() -> None:
    score = score_conversation(CARD, conversation(("agent", "hello", None), ("agent", "anything else?", None)))
    assert score.result("calm").outcome == "na"  # no customer turn
    assert score.result("early_id").outcome == "fail"  # a chat without times: its first turn
    assert score.score == 80.0 and score.passed  # 4 of 5 applicable weight (greeting 2, closing 1, promise 1)


def test_the_packaged_form_scores_a_chinese_and_an_english_chat() -> None:
    cards = {c.name: c for c in load_scorecards()}
    assert set(cards) == {"service_basics", "service_manner", "call_timing"}
    card = cards["service_basics"]
    zh = score_conversation(
        card,
        conversation(("agent", "您好，请问有什么可以帮您？", None), ("agent", "感谢耐心等待，还有什么问题吗？", None)),
    )
    en = score_conversation(
        card,
        conversation(("agent", "Hi Olivia, thanks for reaching out.", None), ("agent", "I promise, no worries.", None)),
    )
    assert zh.passed and zh.score == 100.0
    assert en.fatal and en.score == 0.0
    assert (en.result("no_guarantee").outcome, en.result("no_guarantee").found) == ("fail", ("i promise",))
