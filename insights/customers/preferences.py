"""Preferences: the features, options and constraints a customer asks for (`wanted`) or rejects (`rejected`),
named by the packaged feature list (`features.yaml`) and the catalog's own `features:`, each with its evidence turn.

A feature word in a customer's turn is a preference when the clause around it asks for something (要, 需要, 有没有,
want, need, does it have...) or turns something down (不要, 太吵, don't want, too big...); a feature named without
either is left out, so "the installer came yesterday" is no preference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from core.errors import InvalidInput
from core.yaml_errors import problems, read_yaml
from insights.classify.catalog import Catalog

POLARITIES = ("wanted", "rejected")


class Feature(BaseModel):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9_\-]+$")
    name_en: str = ""
    name_zh: str = ""
    aliases: list[str] = Field(default_factory=list)


_REJECT = re.compile(
    r"不要|不想要|不需要|不用|不喜欢|不考虑|不接受|接受不了|受不了|嫌|太[大小吵响贵慢丑厚重高]|不够|没必要|别给我|别装|"
    r"don'?t\s+(?:want|need|like)|do\s+not\s+(?:want|need)|no\s+need|not\s+interested|too\s+(?:big|small|loud|noisy|"
    r"slow|bulky|heavy|tall|wide|expensive)|hate|dislike|can'?t\s+stand|rather\s+not|without|not\s+(?:a|the)\s+fan|"
    r"deal[\s-]?breaker|isn'?t\s+(?:quiet|big|small)\s+enough|won'?t\s+fit|doesn'?t\s+fit",
    re.IGNORECASE,
)
_WANT = re.compile(
    r"^\s*要|还要|就要|我要|想要|需要|要求|必须|一定要|最好|希望|关心|在意|看重|有没有|有吗|能不能|可以吗|可不可以|能否|支持|包不包|带不带|是不是|"
    r"多少|多大|多久|多长|几天|怎么|要[一个能带有]|得[是能有]|主要看|关键是|重要|包括|含|"
    r"\bwant|\bneed|looking\s+for|must|prefer|does\s+it|do\s+you|is\s+there|are\s+there|would\s+like|i'?d\s+like|"
    r"important|has\s+to|have\s+to|should|can\s+it|can\s+you|could\s+you|will\s+it|how\s+(?:long|big|loud|much|many|"
    r"quiet|soon|fast)|what'?s\s+the|what\s+is\s+the|include|come\s+with|any\s+chance|care\s+about|priority|require",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[。！？!?；;\n，,]|\.\s|\bbut\b|但是|不过|可是")


@dataclass(frozen=True)
class Preference:
    feature: str
    polarity: str  # wanted or rejected
    turn_index: int
    alias: str  # the words that named the feature


class FeatureList:
    """Feature words, longest first, found case-insensitively (Latin words on word edges)."""

    def __init__(self, features: list[Feature]) -> None:
        self.features = {f.id: f for f in features}
        self._id_of: dict[str, str] = {}
        for f in features:  # a word two features share names the later one (the catalog's, after the packaged)
            for alias in (*f.aliases, f.name_en, f.name_zh):
                if alias.strip():
                    self._id_of[alias.strip().lower()] = f.id
        words = sorted(self._id_of, key=len, reverse=True)  # the longest word wins where two overlap
        self._pattern = re.compile("|".join(_word(w) for w in words)) if words else None

    def find(self, text: str) -> list[tuple[str, str, int, int]]:
        """(feature id, alias, start, end) of every feature word in `text`."""
        if self._pattern is None:
            return []
        return [(self._id_of[m.group(0).lower()], m.group(0), m.start(), m.end()) for m in self._pattern.finditer(text)]


def _word(alias: str) -> str:
    body = re.escape(alias)
    left = r"(?<![a-z])" if alias[0].isascii() and alias[0].isalpha() else ""
    right = r"(?![a-z])" if alias[-1].isascii() and alias[-1].isalpha() else ""
    return f"(?i:{left}{body}{right})"


def preferences(features: FeatureList, turns: Iterable[tuple[int, str]]) -> list[Preference]:
    """Each feature a customer's turns `(index, text)` ask for or reject, once per feature and polarity (first turn)."""
    seen: dict[tuple[str, str], Preference] = {}
    for index, text in turns:
        for feature, alias, start, end in features.find(text):
            clause = _clause_of(text, start, end)
            polarity = "rejected" if _REJECT.search(clause) else "wanted" if _WANT.search(clause) else None
            if polarity and (feature, polarity) not in seen:
                seen[(feature, polarity)] = Preference(feature, polarity, index, alias)
    return list(seen.values())


def _clause_of(text: str, start: int, end: int) -> str:
    begin = max([m.end() for m in _CLAUSE.finditer(text, 0, start)], default=0)
    stop = _CLAUSE.search(text, end)
    return text[begin : stop.start() if stop else len(text)]


def packaged_features() -> list[Feature]:
    path = resources.files("insights.customers").joinpath("features.yaml")
    return parse_features(read_yaml(Path(str(path)), "feature list")[0], "packaged features.yaml")


def parse_features(data: Any, source: str, text: str | None = None) -> list[Feature]:
    items = data.get("features") if isinstance(data, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise InvalidInput(f"{source}: 'features' is a list of {{id, name_en, name_zh, aliases}}")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(Feature.model_validate(item))
        except ValidationError as exc:
            raise InvalidInput(
                f"{source}: feature {i + 1}: {'; '.join(problems(exc, text, ('features', i)))}"
            ) from None
    return out


def feature_list(catalog: Catalog) -> FeatureList:
    """The packaged features with the catalog's own added (same id: the catalog's replaces the packaged one)."""
    merged = {f.id: f for f in packaged_features()}
    for f in parse_features({"features": catalog.features}, catalog.source or "catalog"):
        merged[f.id] = f
    return FeatureList(list(merged.values()))
