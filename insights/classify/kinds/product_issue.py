"""The product behind a conversation (`product`: metadata, else what the customer names from the catalog) and, for a
service conversation that is a complaint, `product_issue` labelled `<product id>/<issue>` for the Andon rule."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.records import Insight, Turn
from core.settings import Settings
from insights.classify import complaints
from insights.classify.catalog import Catalog, load_catalog
from insights.classify.config import catalog_path
from insights.classify.kinds.base import Case, InsightKind, Predictions, registry


@dataclass
class ProductIssueKind:
    catalog: Catalog
    catalog_version: str = ""
    warnings: list[str] = field(default_factory=list)
    name: str = "product_issue"
    version: str = field(init=False)
    tasks: tuple[str, ...] = ("complaint_issue",)
    needs: tuple[str, ...] = ("outcome",)  # a prospect weighing a price is no product complaint

    def __post_init__(self) -> None:
        self.version = f"1/catalog={self.catalog_version}"

    def select(self, case: Case) -> Sequence[Turn]:
        return [] if case.records("outcome") else case.turns  # sales talks are left out

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        out = []
        found = complaints.find_product(case.conversation, self.catalog, case.turns)
        if found is not None:
            model = "catalog" if found.source == "text" else "metadata"
            version = self.catalog_version or "1"
            out.append(case.record("product", found.product_id, found.confidence, found.turn_index, model, version))
        issue_turns = [(t.index, p) for t, p in predictions["complaint_issue"]]
        fallback = predictions.classifier("complaint_issue").taxonomy.fallback
        issue = complaints.conversation_issue(issue_turns, fallback)
        if issue is None:
            return out
        p = dict(issue_turns)[issue.turn_index]
        label = complaints.product_issue_label(found.product_id if found else None, issue.label)
        version = f"{p.version}+{self.catalog_version}"[:64]
        out.append(case.record("product_issue", label, issue.confidence, issue.turn_index, p.model, version))
        return out


@registry.register("product_issue", "the product (catalog or metadata) and, for a complaint, <product>/<issue>")
def _product_issue(settings: Settings) -> InsightKind:
    path = catalog_path(settings, settings.insights)
    catalog = load_catalog(path)
    catalog_version = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path else "none"
    warnings = [] if len(catalog) else ["no product catalog: products come from conversation metadata only"]
    return ProductIssueKind(catalog, catalog_version, warnings)
