"""Phrase rules: a boolean syntax over phrases, as Chinese QA (质检) tools write them.

    (您好||你好)&&工号      either greeting, and the word 工号
    !保证                  never 保证
    "thank you"||thanks    a quoted phrase may hold spaces and operators

`!` binds tightest, then `&&`, then `||`; parentheses group. Matching ignores case. Chinese phrases match anywhere;
a phrase that starts or ends with a Latin letter or digit matches whole words there (`hi` is not in "this"), and a
trailing `*` makes it a prefix (`apologi*` matches "apologise" and "apologies").
`parse_rule` raises `InvalidInput` naming the position (1-based column) of a syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pyparsing as pp

from core.errors import InvalidInput


@dataclass(frozen=True)
class Rule:
    """A parsed rule: `matches(text)` and the phrases it names (the evidence a match can quote)."""

    source: str
    test: Callable[[str], bool]
    phrases: tuple[str, ...]

    def matches(self, text: str) -> bool:
        return self.test(text.lower())

    def found(self, text: str) -> list[str]:
        """The rule's phrases present in `text`, in rule order."""
        lowered = text.lower()
        return [p for p in self.phrases if _pattern(p).search(lowered)]


def _grammar() -> pp.ParserElement:
    quoted = pp.QuotedString('"', esc_char="\\") | pp.QuotedString("'", esc_char="\\")
    bare = pp.Regex(r"[^\s()&|!\"']+")
    phrase = (quoted | bare).set_name("phrase")
    grammar: pp.ParserElement = pp.infix_notation(  # type: ignore[no-untyped-call]
        phrase,
        [
            (pp.Literal("!"), 1, pp.OpAssoc.RIGHT),
            (pp.Literal("&&"), 2, pp.OpAssoc.LEFT),
            (pp.Literal("||"), 2, pp.OpAssoc.LEFT),
        ],
    )
    return grammar


_GRAMMAR = _grammar()


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern[str]:
    prefix = phrase.endswith("*") and len(phrase) > 1
    core = phrase[:-1] if prefix else phrase
    body = re.escape(core.lower())
    if core[:1].isascii() and core[:1].isalnum():
        body = r"(?<![a-z0-9])" + body
    if not prefix and core[-1:].isascii() and core[-1:].isalnum():
        body += r"(?![a-z0-9])"
    return re.compile(body)


def _build(tree: object, phrases: list[str]) -> Callable[[str], bool]:
    if isinstance(tree, str):
        pattern = _pattern(tree)
        phrases.append(tree)
        return lambda text: pattern.search(text) is not None
    items = list(tree)  # type: ignore[call-overload]
    if len(items) == 1:
        return _build(items[0], phrases)
    if items[0] == "!":
        inner = _build(items[1], phrases)
        return lambda text: not inner(text)
    operands = [_build(item, phrases) for item in items[::2]]
    if items[1] == "&&":
        return lambda text: all(test(text) for test in operands)
    return lambda text: any(test(text) for test in operands)


@lru_cache(maxsize=1024)
def parse_rule(source: str) -> Rule:
    """The rule `source` as a `Rule`; a syntax error says what is wrong and at which column."""
    if not source.strip():
        raise InvalidInput("empty phrase rule")
    try:
        tree = _GRAMMAR.parse_string(source, parse_all=True)
    except pp.ParseException as e:
        column = e.col if e.loc < len(source) else len(source) + 1
        where = f"at column {column}" + (f" ({source[e.loc : e.loc + 10]!r})" if e.loc < len(source) else " (the end)")
        raise InvalidInput(f"phrase rule {source!r}: syntax error {where}: {_reason(source, e.loc)}") from None
    phrases: list[str] = []
    test = _build(tree[0], phrases)
    return Rule(source=source, test=test, phrases=tuple(dict.fromkeys(phrases)))


def _reason(source: str, loc: int) -> str:
    rest = source[loc:].lstrip()
    if source.count("(") != source.count(")"):
        return "unbalanced parentheses"
    if not rest:
        return "a phrase is missing after the last operator"
    if rest.startswith(("&&", "||")):
        return "an operator needs a phrase on both sides"
    if rest.startswith(("&", "|")):
        return "use && for and, || for or"
    if rest[0] not in "()&|!":
        return "two phrases need && or || between them (quote a phrase that holds spaces)"
    return "expected a phrase, !, ( or an operator"
