"""Timing items from turn times, semantic items by meaning (the fake embedder in units, the real one in an
integration test), mono-call role inference, and scorecard checks for the new kinds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from core.errors import InvalidInput
from core.records import Conversation, Turn
from insights.quality.roles import infer_roles, needs_roles
from insights.quality.score import score_conversation
from insights.quality.scorecard import load_scorecards, parse_scorecard
from insights.quality.semantic import SemanticMatcher
from insights.quality.timing import measure
from tests.conftest import FakeEmbedder

Timed = tuple[str, str, float, float]
# agent 0-4, customer 3-10 (1 s overtalk), silence 10-22 (after the customer), agent 22-25 cuts in on the
# customer's 24-30, then (1 s later) the agent 31-33; silence after the agent's "please hold" 33-48, customer 48-50
CALL: list[Timed] = [
    ("agent", "您好，工号 1024 为您服务。", 0.0, 4.0),
    ("customer", "我的净水器漏水了，怎么回事？", 3.0, 10.0),
    ("agent", "我查一下。", 22.0, 25.0),
    ("customer", "你们上次也是这么说的。", 24.0, 30.0),
    ("agent", "请稍等，我帮您查询。", 31.0, 33.0),
    ("customer", "好。", 48.0, 50.0),
]


def conversation(turns: list[Timed] | list[tuple[str, str]], channel: str = "call") -> Conversation:
    built = [
        Turn(index=i, speaker=t[0], text=t[1], start_s=t[2], end_s=t[3])
        if len(t) == 4 else Turn(index=i, speaker=t[0], text=t[1])
        for i, t in enumerate(turns)
    ]  # fmt: skip
    return Conversation(id="C1", channel=channel, source_uri="-", source_sha256="-", turns=built)


def test_timing_measures_from_turn_times() -> None:
    turns = conversation(CALL).turns
    silence = measure("longest_silence", turns)
    assert silence is not None and silence.value == 15.0 and silence.turn is not None and silence.turn.index == 5
    hold = measure("hold", turns)
    assert hold is not None and hold.value == 15.0  # the 33-48 gap follows the agent's turn
    share = measure("silence_share", turns)
    assert share is not None and share.value == pytest.approx((12 + 1 + 15) / 50, abs=1e-3)
    overtalk = measure("overtalk", turns)
    assert overtalk is not None and overtalk.value == 2.0  # 3-4 and 24-25
    cut_in = measure("interruptions", turns)
    assert cut_in is not None and cut_in.value == 0.0  # the customer started after the agent both times
    ratio = measure("agent_talk_ratio", turns)
    assert ratio is not None and ratio.value == pytest.approx(9 / 24, abs=1e-3)
    rate = measure("speech_rate", turns)
    assert rate is not None and rate.value == pytest.approx(60 * (9 + 4 + 8) / 9, abs=0.1)  # 8 汉字 + "1024", ...


def test_an_agent_who_starts_while_the_customer_talks_interrupts() -> None:
    turns = conversation([("customer", "I ordered a kettle and", 0.0, 5.0), ("agent", "Order number?", 3.0, 4.0),
                          ("customer", "it is 42", 5.5, 6.0)]).turns  # fmt: skip
    found = measure("interruptions", turns)
    assert found is not None and found.value == 1.0 and found.turn is not None and found.turn.index == 1


def test_timing_is_not_applicable_without_times_or_a_second_speaker() -> None:
    chat = conversation([("agent", "hello"), ("customer", "hi")], channel="chat").turns
    assert measure("longest_silence", chat) is None
    mono = [t.model_copy(update={"speaker": "unknown"}) for t in conversation(CALL).turns]
    assert measure("overtalk", mono) is None and measure("longest_silence", mono) is not None


def test_a_timing_form_scores_the_call_with_the_measure_as_evidence() -> None:
    card = next(c for c in load_scorecards() if c.name == "call_timing")
    score = score_conversation(card, conversation(CALL))
    dead_air = score.result("no_dead_air")
    assert (dead_air.outcome, dead_air.value, dead_air.turn_index, dead_air.start_s) == ("fail", 15.0, 5, 48.0)
    assert score.result("no_interrupting").outcome == "pass"
    chat = score_conversation(card, conversation([("agent", "hello")], channel="chat"))
    assert {r.outcome for r in chat.items} == {"na"}


class TopicEmbedder(FakeEmbedder):
    """Vectors by topic word, so that 'sorry' and '抱歉' mean the same and nothing else does."""

    TOPICS = (("sorry", "抱歉", "apolog"), ("order number", "订单号"), ("weather", "天气"))

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), len(self.TOPICS) + 1), dtype=np.float32)
        for i, text in enumerate(texts):
            hits = [j for j, words in enumerate(self.TOPICS) if any(w in text.lower() for w in words)]
            out[i, hits or [len(self.TOPICS)]] = 1.0
        return out


SEMANTIC = parse_scorecard("""
name: s
version: "1"
items:
  - {id: empathy, title: E, kind: semantic, examples: ["I am so sorry", "非常抱歉"]}
  - {id: verify, title: V, kind: semantic, examples: ["your order number please"], min_similarity: 0.9}
""")


def test_semantic_items_pass_on_meaning_with_the_closest_sentence_as_evidence() -> None:
    matcher = SemanticMatcher(TopicEmbedder())
    call = conversation([("agent", "您好。真的很抱歉让您久等。"), ("customer", "嗯"), ("agent", "天气不错。")])
    score = score_conversation(SEMANTIC, call, matcher)
    empathy = score.result("empathy")
    assert (empathy.outcome, empathy.turn_index, empathy.found) == ("pass", 0, ("真的很抱歉让您久等。",))
    assert empathy.value == pytest.approx(1.0)
    assert score.result("verify").outcome == "fail"
    with pytest.raises(ValueError, match="SemanticMatcher"):
        score_conversation(SEMANTIC, call)


def test_mono_calls_get_roles_from_what_each_turn_says() -> None:
    said = ["您好，工号 1024，很高兴为您服务。", "我买的净水器漏水了。", "请稍等，我帮您查询一下。", "好的。",
            "还有其他问题吗？"]  # fmt: skip
    mono = conversation([("unknown", text) for text in said]).turns
    assert needs_roles(mono)
    assert [t.speaker for t in infer_roles(mono)] == ["agent", "customer", "agent", "customer", "agent"]
    flipped = conversation([
        ("unknown", "Hi, I ordered a kettle and my order never came."),
        ("unknown", "Thank you for calling, let me check your order."),
        ("unknown", "OK."), ("unknown", "Is there anything else I can help with?"),
    ]).turns  # fmt: skip
    assert [t.speaker for t in infer_roles(flipped)] == ["customer", "agent", "customer", "agent"]
    card = next(c for c in load_scorecards() if c.name == "service_basics")
    score = score_conversation(card, conversation([("unknown", text) for text in said]))
    assert score.roles_inferred and score.result("greeting").outcome == "pass"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("{id: a, title: A, kind: semantic}", "a semantic item needs 'examples'"),
        ("{id: a, title: A, kind: timing, measure: longest_silence}", "needs 'min', 'max' or both"),
        ("{id: a, title: A, kind: timing, measure: loudness, max: 1}", "items.0.measure"),
        ("{id: a, title: A, kind: phrase}", "a phrase item needs 'rule'"),
    ],
)
def test_incomplete_items_are_refused_with_the_field(item: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_scorecard(f"name: x\nversion: '1'\nitems:\n  - {item}\n", "x.yaml")


@pytest.mark.integration
def test_the_packaged_semantic_form_with_the_real_embedder() -> None:
    from core.ml.embedders import load_embedder
    from core.settings import InsightSettings, Settings

    embedder = load_embedder(Settings(_env_file=None), name=InsightSettings().embedder)
    card = next(c for c in load_scorecards() if c.name == "service_manner")
    matcher = SemanticMatcher(embedder)
    kind = score_conversation(card, conversation([
        ("agent", "真的很抱歉，让您久等了。"), ("customer", "我的订单怎么还没到？"),
        ("agent", "麻烦报一下您的订单号。"), ("customer", "12345"),
        ("agent", "我们明天给您补发一个新的，这样处理您看可以吗？"),
    ]), matcher)  # fmt: skip
    assert {r.item: r.outcome for r in kind.items} == {"empathy": "pass", "identity_check": "pass",
                                                       "confirms_solution": "pass"}  # fmt: skip
    cold = score_conversation(card, conversation([("agent", "Your parcel left the warehouse today."),
                                                  ("customer", "ok"), ("agent", "Bye.")]), matcher)  # fmt: skip
    assert cold.result("empathy").outcome == "fail" and cold.result("identity_check").outcome == "fail"


class _Words:
    """A toy embedder: one axis for apology words, one for a search that found nothing."""

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        return np.array([[float("sorry" in t.lower()), float("can't find" in t.lower()), 1e-3] for t in texts])


COUNTERED = parse_scorecard("""
name: c
version: "1"
items:
  - {id: empathy, title: E, kind: semantic, rule: sorry, examples: ["I am so sorry"],
     counter_examples: ["Sorry, I can't find it"]}
""")


def test_a_counter_example_closer_than_every_example_vetoes_a_sentence_even_on_the_rule() -> None:
    matcher = SemanticMatcher(_Words())  # type: ignore[arg-type]
    miss = score_conversation(COUNTERED, conversation([("agent", "Sorry, I can't find that order.")]), matcher)
    assert miss.result("empathy").outcome == "fail"  # the rule's "sorry" is there, but it means the counter-example
    felt = conversation([("agent", "Sorry, I can't find that order."), ("customer", "oh"), ("agent", "I'm so sorry.")])
    result = score_conversation(COUNTERED, felt, matcher).result("empathy")
    assert (result.outcome, result.turn_index, result.found) == ("pass", 2, ("sorry",))
