"""Which customer segments of a live call get a suggestion, and what is asked."""

from __future__ import annotations

import pytest

from knowledge.proactive import query_of


@pytest.mark.parametrize(
    ("segment", "query"),
    [
        ("Great how long does the refund take?", "how long does the refund take?"),
        (
            "By, I was charged, right for my order, and I would like one of the charges refunded.",
            "I would like one of the charges refunded.",
        ),
        ("Do I need the original box", "Do I need the original box"),  # no question mark from the recogniser
        (
            "Hi, my water purifier is leaking at the filter housing.",
            "my water purifier is leaking at the filter housing.",
        ),
        ("好的，这个净水器漏水了怎么办", "这个净水器漏水了怎么办"),
        ("请问滤芯多久换一次", "请问滤芯多久换一次"),
        ("我的扫地机器人坏了", "我的扫地机器人坏了"),
    ],
)
def test_questions_and_problems_are_asked(segment: str, query: str) -> None:
    assert query_of(segment) == query


@pytest.mark.parametrize(
    "segment", ["Thank you, that is easy.", "Okay, please send it soon.", "嗯，谢谢", "好的", "Yes.", "It is [EMAIL]."]
)
def test_thanks_and_fillers_are_not(segment: str) -> None:
    assert query_of(segment) is None
