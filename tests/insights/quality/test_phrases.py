"""The boolean phrase syntax: operators, precedence, quoting, word boundaries, and errors that name the column."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from insights.quality.phrases import parse_rule


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        ("(您好||你好)&&工号", "您好，工号1234为您服务", True),
        ("(您好||你好)&&工号", "你好，请问有什么可以帮您", False),
        ("(您好||你好)&&工号", "工号 5 号为您服务", False),
        ("!保证", "我保证明天到", False),
        ("!保证", "明天应该能到", True),
        ('"thank you"||thanks', "Thank You so much", True),
        ("a&&b||c&&!d", "c", True),  # && binds tighter than ||
        ("a&&(b||c)&&!d", "a c d", False),
        ("!!退款", "申请退款", True),
        ("hi", "this is it", False),  # Latin phrases match whole words
        ("hi", "Hi, Olivia", True),
        ("apologi*", "We apologise for the delay", True),
        ("apologi*", "an apology", False),
        ("'a && b'", "literally a && b here", True),
    ],
)
def test_rules_match(rule: str, text: str, expected: bool) -> None:
    assert parse_rule(rule).matches(text) is expected


def test_found_lists_the_phrases_present_in_rule_order() -> None:
    rule = parse_rule("(您好||你好)&&工号&&!保证")
    assert rule.phrases == ("您好", "你好", "工号", "保证")
    assert rule.found("工号 12，您好") == ["您好", "工号"]


@pytest.mark.parametrize(
    ("rule", "column", "reason"),
    [
        ("(您好||你好", 8, "unbalanced parentheses"),
        ("您好&&", 5, "missing after the last operator"),
        ("您好 & 工号", 4, "use && for and"),
        ("&&工号", 1, "phrase on both sides"),
        ("greeting words", 10, "quote a phrase that holds spaces"),
    ],
)
def test_bad_syntax_is_a_clear_error_naming_the_column(rule: str, column: int, reason: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_rule(rule)
    assert f"column {column}" in e.value.message and reason in e.value.message and rule in e.value.message


def test_an_empty_rule_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        parse_rule("  ")
