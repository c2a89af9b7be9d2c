"""Scorecards: the packaged form loads, and a bad file is an error naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InvalidInput
from insights.quality.scorecard import load_scorecards, parse_scorecard

GOOD = """
name: mini
version: "2"
channels: [chat]
pass_mark: 60
items:
  - {id: greeting, title: Greeting, kind: phrase, rule: "您好||hello", position: first_turn, weight: 2}
  - {id: no_promise, title: No promises, kind: forbidden, rule: 保证, severity: fatal}
"""


def test_the_packaged_scorecards_load() -> None:
    cards = {c.name: c for c in load_scorecards()}
    card = cards["service_basics"]
    assert card.applies_to("call") and card.applies_to("chat")
    assert {item.kind for item in card.items} == {"phrase", "forbidden"}
    assert any(item.severity == "fatal" for item in card.items)
    assert {item.kind for item in cards["service_manner"].items} == {"semantic"}
    assert {item.kind for item in cards["call_timing"].items} == {"timing"} and cards["call_timing"].channels == [
        "call"
    ]


def test_fingerprint_changes_with_the_content() -> None:
    card = parse_scorecard(GOOD)
    edited = parse_scorecard(GOOD.replace("pass_mark: 60", "pass_mark: 70"))
    assert card.fingerprint.startswith("2+") and card.fingerprint != edited.fingerprint
    assert not card.applies_to("call")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('rule: "您好||hello"', 'rule: "(您好||hello"'), "items.0.rule: phrase rule '(您好||hello'"),
        (GOOD.replace("kind: forbidden", "kind: vibes"), "items.1.kind"),
        (GOOD.replace("id: no_promise", "id: greeting"), "item ids must be unique: greeting"),
        (GOOD.replace("pass_mark: 60", "pass_mark: 160"), "pass_mark"),
        ("- just\n- a list", "expected a mapping"),
        ("name: [unclosed", "not valid YAML at line 1"),
    ],
)
def test_a_bad_scorecard_names_the_file_and_the_field(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_scorecard(text, "my.yaml")
    assert "scorecard my.yaml" in e.value.message and message in e.value.message


def test_a_folder_of_scorecards(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD.replace("name: mini", "name: other"), encoding="utf-8")
    assert [c.name for c in load_scorecards(tmp_path)] == ["mini", "other"]
    (tmp_path / "c.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(InvalidInput, match="two files name the scorecard mini"):
        load_scorecards(tmp_path)
    with pytest.raises(InvalidInput, match="does not exist"):
        load_scorecards(tmp_path / "missing")
