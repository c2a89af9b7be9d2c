"""The product catalog: ids, Chinese and English names, model numbers and aliases, and finding them in text.

The file format is the demo's `catalog.yaml`::

    products:
      - id: aquapure-x3
        name_en: AquaPure X3 Water Purifier
        name_zh: 露墨拉 AquaPure X3 净水器
        model: LM-WP300
        aliases: [AquaPure, X3, 净水器]
    features:            # optional: features customers ask for, added to the packaged list
      - id: mop-washing
        name_en: Mop self-washing
        name_zh: 自动洗拖布
        aliases: [洗拖布, mop washing]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from core.errors import InvalidInput
from core.yaml_errors import problems, read_yaml


class Product(BaseModel):
    id: str = Field(min_length=1)
    name_en: str = ""
    name_zh: str = ""
    model: str = ""
    aliases: list[str] = Field(default_factory=list)
    line: str = Field(default="", description="Product line, for the managers' report (kitchen, water...).")

    def names(self) -> list[str]:
        return [n for n in (self.id, self.name_en, self.name_zh, self.model, *self.aliases) if n and n.strip()]


@dataclass(frozen=True)
class Mention:
    product_id: str
    alias: str
    start: int
    end: int


def _squash(alias: str) -> str:
    return re.sub(r"[\s\-]+", "", alias.lower())


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


class Catalog:
    """Alias lookup, longest alias first, so 'X3 purifier' wins over 'X3' and 'LM-FC30' over 'filter'."""

    def __init__(self, products: list[Product], source: str = "", features: list[Any] | None = None) -> None:
        self.products = products
        self.source = source
        self.features = features or []  # the catalog's own `features:` entries (`insights.customers.preferences`)
        self._by_id = {p.id: p for p in products}
        aliases: dict[str, str] = {}
        for product in products:
            for name in product.names():
                # an alias two products share identifies neither
                key = name.strip().lower()
                aliases[key] = "" if aliases.get(key, product.id) != product.id else product.id
        ordered = sorted((a for a, pid in aliases.items() if pid), key=len, reverse=True)
        self._alias_to_id = {a: aliases[a] for a in ordered}
        self._squashed = {_squash(a): pid for a, pid in self._alias_to_id.items()}
        self._pattern = re.compile("|".join(self._alias_regex(a) for a in ordered)) if ordered else None

    @staticmethod
    def _alias_regex(alias: str) -> str:
        body = r"[\s\-]*".join(re.escape(part) for part in re.split(r"[\s\-]+", alias))
        # Latin edges need a word boundary ('fan' is not in 'fantastic'); Chinese has no spaces to rely on
        left = "" if _is_cjk(alias[0]) else r"(?<![a-z0-9])"
        right = "" if _is_cjk(alias[-1]) else r"(?![a-z0-9])"
        return f"{left}{body}{right}"

    def __len__(self) -> int:
        return len(self.products)

    def get(self, product_id: str) -> Product | None:
        return self._by_id.get(product_id)

    def resolve(self, value: str | None) -> str | None:
        """A product id, name, model or alias as given by a source system, to the catalog id."""
        if not value:
            return None
        if value in self._by_id:
            return value
        return self._alias_to_id.get(value.strip().lower())

    def mentions(self, text: str) -> list[Mention]:
        if self._pattern is None or not text:
            return []
        found = []
        for m in self._pattern.finditer(text.lower()):
            pid = self._squashed.get(_squash(m.group(0)))
            if pid:
                found.append(Mention(pid, text[m.start() : m.end()], m.start(), m.end()))
        return found


def parse_catalog(data: Any, source: str, text: str | None = None) -> Catalog:
    if not isinstance(data, dict) or not isinstance(data.get("products"), list):
        raise InvalidInput(f"{source}: a catalog is a mapping with a 'products' list")
    products: list[Product] = []
    for i, item in enumerate(data["products"]):
        try:
            products.append(Product.model_validate(item))
        except ValidationError as exc:
            found = "; ".join(problems(exc, text, ("products", i)))
            raise InvalidInput(f"{source}: product {i + 1}: {found}") from None
    ids = [p.id for p in products]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InvalidInput(f"{source}: duplicate product ids: {', '.join(dupes)}")
    features = data.get("features") or []
    if not isinstance(features, list):
        raise InvalidInput(f"{source}: 'features' is a list of {{id, name_en, name_zh, aliases}}")
    return Catalog(products, source, features)


def load_catalog(path: Path | None) -> Catalog:
    """The catalog at `path`; an empty catalog when there is none (products then come from metadata only)."""
    if path is None or not path.exists():
        return Catalog([], "")
    data, text = read_yaml(path, "catalog")
    return parse_catalog(data, str(path), text)
