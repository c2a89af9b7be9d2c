"""Scoring one conversation against one scorecard: a result per item with its evidence, then the form's score.

An item is `pass`, `fail` or `na` (no turn in its scope: a chat with no agent turn, say; a timing item on a
conversation without times; a question item the chat model has not answered yet). The score is the passed share of
the applicable items' weight, 0-100; a failed fatal item makes it 0. Evidence is the turn that decided the item (the
matching turn of a phrase item, the offending turn of a forbidden one, the closest sentence of a semantic one, where
a silence ends), quoted masked, with its start time on calls. A mono call's turns get their speakers from
`insights.quality.roles` first, and the score says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.records import Conversation, Turn
from insights.classify.turns import quote
from insights.quality.phrases import Rule, parse_rule
from insights.quality.roles import infer_roles, needs_roles
from insights.quality.scorecard import Item, Scorecard
from insights.quality.semantic import SemanticMatcher
from insights.quality.timing import measure

Outcome = Literal["pass", "fail", "na"]
FIRST_SECONDS = 30.0


@dataclass(frozen=True)
class ItemResult:
    item: str
    outcome: Outcome
    turn_index: int | None = None
    quote: str | None = None
    start_s: float | None = None
    found: tuple[str, ...] = ()  # the rule's phrases present in the evidence turn
    value: float | None = None  # a timing item's measure, a semantic item's similarity


@dataclass(frozen=True)
class Score:
    conversation_id: str
    scorecard: str
    version: str  # the scorecard's fingerprint
    score: float
    passed: bool
    fatal: bool  # a fatal item failed
    items: list[ItemResult] = field(default_factory=list)
    roles_inferred: bool = False  # a mono call: agent and customer told apart by what they say

    def result(self, item: str) -> ItemResult:
        return next(r for r in self.items if r.item == item)


def in_scope(item: Item, turns: Sequence[Turn]) -> list[Turn]:
    """The turns an item looks at: its speaker's, at its position."""
    own = [t for t in turns if item.speaker == "any" or t.speaker == item.speaker]
    if not own or item.position == "any":
        return own
    if item.position == "first_turn":
        return own[:1]
    if item.position == "last_turn":
        return own[-1:]
    timed = [t for t in own if t.start_s is not None]
    if not timed:  # first_30s on a chat: its first turn
        return own[:1]
    return [t for t in timed if t.start_s is not None and t.start_s < FIRST_SECONDS]


def judge(item: Item, turns: Sequence[Turn], matcher: SemanticMatcher | None = None) -> ItemResult:
    if item.kind == "timing":
        return _timing(item, turns)
    if item.kind == "question":  # answered later by the chat model (insights.quality.questions), within its budget
        return ItemResult(item.id, "na")
    scope = in_scope(item, turns)
    if not scope:
        return ItemResult(item.id, "na")
    if item.kind == "semantic":
        if matcher is None:
            raise ValueError(f"item '{item.id}' is semantic: scoring it needs a SemanticMatcher (an embedder)")
        return _semantic(item, scope, matcher)
    rule = parse_rule(item.rule or "")
    hit = _first_match(rule, scope)
    if item.kind == "forbidden":
        if hit is None:
            return ItemResult(item.id, "pass")
        return _evidence(item.id, "fail", hit, tuple(rule.found(hit.text)))
    if hit is None:  # the first turn in scope stands as the place the phrase was missing
        return _evidence(item.id, "fail", scope[0], ())
    return _evidence(item.id, "pass", hit, tuple(rule.found(hit.text)))


def _semantic(item: Item, scope: Sequence[Turn], matcher: SemanticMatcher) -> ItemResult:
    """A sentence counts when its words match the rule or its meaning an example, unless it means a counter-example
    more (`semantic`). Without counter-examples a rule match settles it before any embedding (the wording nobody
    needs a model for: "sorry", 抱歉)."""
    rule = parse_rule(item.rule) if item.rule else None
    if rule is not None and not item.counter_examples:
        hit = _first_match(rule, scope)
        if hit is not None:
            return _evidence(item.id, "pass", hit, tuple(rule.found(hit.text)))
    found = matcher.sentences(item.examples, scope, item.counter_examples)
    if not found:
        return ItemResult(item.id, "na")
    bar = item.min_similarity
    ruled = [m for m in found if rule is not None and rule.matches(m.sentence) and not m.vetoed(bar)]
    meant = [m for m in found if m.similarity >= bar and not m.vetoed(bar)]
    if ruled and rule is not None:
        m = ruled[0]
        return _evidence(item.id, "pass", m.turn, tuple(rule.found(m.sentence)), m.similarity)
    best = max(meant or found, key=lambda m: m.similarity)
    return _evidence(item.id, "pass" if meant else "fail", best.turn, (quote(best.sentence),), best.similarity)


def _first_match(rule: Rule, turns: Sequence[Turn]) -> Turn | None:
    return next((t for t in turns if rule.matches(t.text)), None)


def _timing(item: Item, turns: Sequence[Turn]) -> ItemResult:
    found = measure(item.measure or "", turns)
    if found is None:
        return ItemResult(item.id, "na")
    ok = (item.min is None or found.value >= item.min) and (item.max is None or found.value <= item.max)
    outcome: Outcome = "pass" if ok else "fail"
    if found.turn is None:
        return ItemResult(item.id, outcome, value=found.value)
    return _evidence(item.id, outcome, found.turn, (), found.value)


def _evidence(
    item: str, outcome: Outcome, turn: Turn, found: tuple[str, ...], value: float | None = None
) -> ItemResult:
    return ItemResult(item, outcome, turn.index, quote(turn.text), turn.start_s, found, value)


def total(card: Scorecard, outcomes: dict[str, str]) -> tuple[float, bool, bool]:
    """(score 0-100, passed, a fatal item failed) of items' outcomes: the machine's, or after a person's review."""
    fatal = any(outcomes.get(item.id) == "fail" and item.severity == "fatal" for item in card.items)
    applicable = sum(item.weight for item in card.items if outcomes.get(item.id, "na") != "na")
    earned = sum(item.weight for item in card.items if outcomes.get(item.id) == "pass")
    value = 0.0 if fatal else round(100.0 * earned / applicable, 1) if applicable else 100.0
    return value, not fatal and value >= card.pass_mark, fatal


def score_conversation(card: Scorecard, conversation: Conversation, matcher: SemanticMatcher | None = None) -> Score:
    """`matcher` is needed when the card has semantic items."""
    turns = sorted(conversation.turns, key=lambda t: t.index)
    inferred = needs_roles(turns)
    turns = infer_roles(turns) if inferred else turns
    results = [judge(item, turns, matcher) for item in card.items]
    value, passed, fatal = total(card, {r.item: r.outcome for r in results})
    return Score(
        conversation_id=conversation.id,
        scorecard=card.name,
        version=card.fingerprint,
        score=value,
        passed=passed,
        fatal=fatal,
        items=results,
        roles_inferred=inferred,
    )
