"""The product catalog: names, model numbers and aliases in Chinese and English, found in text."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InvalidInput
from insights.classify.catalog import load_catalog, parse_catalog

ROOT = Path(__file__).resolve().parents[2]
CATALOG = {
    "products": [
        {"id": "purifier-x3", "name_en": "AquaPure X3 Water Purifier", "name_zh": "AquaPure X3 净水器",
         "model": "LM-WP300", "aliases": ["AquaPure", "X3", "净水器", "filter"]},
        {"id": "filter-fc30", "name_en": "FC30 Filter", "model": "LM-FC30", "aliases": ["filter", "滤芯", "FC30"]},
        {"id": "fan", "name_en": "CoolBreeze Tower Fan", "aliases": ["fan", "塔扇"]},
    ]
}  # fmt: skip


def ids(text: str) -> list[str]:
    return list(dict.fromkeys(m.product_id for m in parse_catalog(CATALOG, "test").mentions(text)))


def test_names_models_and_aliases_in_both_languages() -> None:
    assert ids("My AquaPure X3 leaks") == ["purifier-x3"]
    assert ids("我的净水器漏水了") == ["purifier-x3"]
    assert ids("the lm wp300 broke") == ["purifier-x3"]  # model numbers with or without the hyphen
    assert ids("LMWP300") == ["purifier-x3"]
    assert ids("X3净水器的滤芯") == ["purifier-x3", "filter-fc30"]


def test_word_boundaries_and_shared_aliases() -> None:
    assert ids("fantastic service") == []  # 'fan' inside a word is no fan
    assert ids("the tower fan rattles") == ["fan"]
    assert ids("which filter do I need") == []  # an alias two products share names neither
    assert ids("LM-FC30 filter") == ["filter-fc30"]


def test_resolve_metadata_values() -> None:
    catalog = parse_catalog(CATALOG, "test")
    assert catalog.resolve("purifier-x3") == "purifier-x3"
    assert catalog.resolve("LM-WP300") == "purifier-x3"
    assert catalog.resolve("nothing") is None


def test_the_demo_catalog_loads_and_a_missing_one_is_empty(tmp_path: Path) -> None:
    demo = load_catalog(ROOT / "demo" / "catalog.yaml")
    assert len(demo) == 6 and demo.get("crispair-5") is not None
    assert len(load_catalog(tmp_path / "none.yaml")) == 0
    with pytest.raises(InvalidInput, match="duplicate product ids"):
        parse_catalog({"products": [{"id": "a"}, {"id": "a"}]}, "x")
    with pytest.raises(InvalidInput, match="products"):
        parse_catalog({"items": []}, "x")
