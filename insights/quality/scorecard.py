"""Scorecards (质检表): YAML forms of items, each answered per conversation, rolled into a score.

A scorecard names the channels it applies to, a pass mark (0-100) and its items. An item has an id, a title, a
kind, a weight and a severity (`fatal`: failing it zeroes the form). The kinds:

- `phrase`: passes when its rule (`insights.quality.phrases`) matches a turn in scope;
- `forbidden`: fails when its rule matches a turn in scope (a forbidden promise, a banned word);
- `semantic`: passes when a sentence of a turn in scope means what one of its `examples` says (cosine similarity of
  their embeddings at least `min_similarity`), however it is worded; an optional `rule` passes it at once when
  its words are there (the wording nobody needs a model for: "sorry", 抱歉); `counter_examples` are look-alikes
  that do not count (抱歉，没有查到 is no empathy): a sentence closer to one of them than to every example is no match,
  whatever its words;
- `timing`: passes when a call's `measure` (`insights.quality.timing`: longest_silence, silence_share, overtalk,
  interruptions, agent_talk_ratio, speech_rate, hold) lies within `min` / `max`; not applicable without times;
- `question`: a yes / no / not-applicable `question` the chat model answers with the turn that shows it
  (`insights.quality.questions`); passes on the answer `pass_on` (yes by default). Answered in the nightly run
  within the LLM budget; until then, or with no chat model, the item is not applicable.

The scope is a speaker (`agent` by default, `customer`, `any`) and a position (`any`, `first_turn`, `last_turn`,
`first_30s`: turns starting in the first 30 seconds of a call; a chat without times uses its first turn). A form is
versioned by its `version` and a hash of its content, so a changed file never mixes with old scores.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from core.errors import InvalidInput
from core.yaml_errors import parse_yaml, problems
from insights.quality.phrases import parse_rule
from insights.quality.timing import Measure

DEFAULT_DIR = Path(__file__).with_name("scorecards")
Channel = Literal["call", "chat", "work_order"]


NEEDS = {"phrase": "rule", "forbidden": "rule", "semantic": "examples", "timing": "measure", "question": "question"}


class Item(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    title: str
    kind: Literal["phrase", "forbidden", "semantic", "timing", "question"]
    rule: str | None = None
    examples: list[str] = Field(default_factory=list, description="semantic: what the turn should say, any wording")
    counter_examples: list[str] = Field(
        default_factory=list, description="semantic: look-alikes that do not count (closer to one: no match)"
    )
    min_similarity: float = Field(default=0.55, ge=0, le=1)
    question: str | None = Field(default=None, description="question: asked of the chat model, any language")
    pass_on: Literal["yes", "no"] = Field(default="yes", description="question: the answer that passes the item")
    measure: Measure | None = None
    min: float | None = None
    max: float | None = None
    speaker: Literal["agent", "customer", "any"] = "agent"
    position: Literal["any", "first_turn", "last_turn", "first_30s"] = "any"
    weight: float = Field(default=1.0, ge=0)
    severity: Literal["normal", "fatal"] = "normal"

    @field_validator("rule")
    @classmethod
    def _parses(cls, rule: str | None) -> str | None:
        if rule is None:
            return None
        try:
            parse_rule(rule)
        except InvalidInput as e:  # as a ValueError, pydantic names the item (items.3.rule)
            raise ValueError(e.message) from None
        return rule

    @model_validator(mode="after")
    def _complete(self) -> Item:
        field = NEEDS[self.kind]
        if not getattr(self, field):
            raise ValueError(f"a {self.kind} item needs '{field}'")
        if self.kind == "timing" and self.min is None and self.max is None:
            raise ValueError("a timing item needs 'min', 'max' or both")
        return self


class Scorecard(BaseModel):
    name: str
    version: str
    title: str = ""
    channels: list[Channel] = Field(default_factory=lambda: list[Channel](["call", "chat"]))
    pass_mark: float = Field(default=80.0, ge=0, le=100)
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Scorecard:
        doubled = _doubled([item.id for item in self.items])
        if doubled:
            raise ValueError(f"item ids must be unique: {', '.join(doubled)}")
        return self

    @cached_property
    def fingerprint(self) -> str:
        """`version` plus a short content hash: what a score record carries."""
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:8]
        return f"{self.version}+{digest}"

    def applies_to(self, channel: str) -> bool:
        return channel in self.channels


def _doubled(names: list[str]) -> list[str]:
    return sorted({n for n in names if names.count(n) > 1})


def parse_scorecard(text: str, source: str = "<text>") -> Scorecard:
    """A scorecard from YAML text; any problem is an `InvalidInput` naming the file and the field."""
    data = parse_yaml(text, f"scorecard {source}")
    if not isinstance(data, dict):
        raise InvalidInput(f"scorecard {source}: expected a mapping with name, version and items")
    try:
        return Scorecard.model_validate(data)
    except ValidationError as e:
        raise InvalidInput(f"scorecard {source}: {'; '.join(problems(e, text))}") from None


def load_scorecards(folder: Path | None = None) -> list[Scorecard]:
    """Every `*.yaml` scorecard in `folder` (the packaged ones when None), by file name."""
    folder = folder or DEFAULT_DIR
    if not folder.is_dir():
        raise InvalidInput(f"scorecard folder {folder} does not exist")
    cards = [parse_scorecard(p.read_text(encoding="utf-8"), str(p)) for p in sorted(folder.glob("*.yaml"))]
    doubled = _doubled([c.name for c in cards])
    if doubled:
        raise InvalidInput(f"scorecard folder {folder}: two files name the scorecard {', '.join(doubled)}")
    return cards


def scorecards_by_name(folder: Path | None = None) -> dict[str, Scorecard]:
    """`load_scorecards(folder)` keyed by scorecard name."""
    return {card.name: card for card in load_scorecards(folder)}
