"""Preferences: a feature word is a preference only when the clause asks for it or turns it down."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InvalidInput
from insights.classify.catalog import Catalog, parse_catalog
from insights.customers.preferences import feature_list, preferences

FEATURES = feature_list(Catalog([]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们需要上门安装", [("installation", "wanted")]),
        ("这个太吵了，不要", [("noise", "rejected")]),
        ("Does it come in white?", [("colour", "wanted")]),
        ("最好月底前能到货", [("delivery_time", "wanted")]),
        ("How long is the warranty?", [("warranty", "wanted")]),
        ("I don't want anything too big", [("size", "rejected")]),
        ("能不能印我们的logo", [("customization", "wanted")]),
        ("安装师傅昨天来了", []),
        ("The delivery guy was friendly", []),
    ],
)
def test_wanted_and_rejected(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(p.feature, p.polarity) for p in preferences(FEATURES, [(0, text)])] == expected


def test_each_feature_and_polarity_counts_once_with_its_first_turn() -> None:
    found = preferences(FEATURES, [(1, "要静音的"), (3, "一定要静音")])
    assert [(p.feature, p.polarity, p.turn_index) for p in found] == [("noise", "wanted", 1)]


def test_the_catalog_adds_its_own_features(tmp_path: Path) -> None:
    catalog = parse_catalog(
        {
            "products": [{"id": "r7"}],
            "features": [{"id": "mop-washing", "name_zh": "洗拖布", "aliases": ["mop washing"]}],
        },
        "catalog.yaml",
    )
    found = preferences(feature_list(catalog), [(0, "有没有自动洗拖布的")])
    assert [(p.feature, p.polarity) for p in found] == [("mop-washing", "wanted")]


def test_a_bad_feature_entry_names_its_place() -> None:
    catalog = parse_catalog({"products": [], "features": [{"id": "Bad Id"}]}, "catalog.yaml")
    with pytest.raises(InvalidInput, match="feature 1"):
        feature_list(catalog)
