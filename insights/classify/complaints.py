"""The product behind a conversation (catalog aliases, model numbers, metadata) and the complaint issue.

Stored together as one `product_issue` insight labelled `<product id>/<issue>`, so the Andon rule can count
distinct customers per (product, issue) with one GROUP BY.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from core.records import Conversation, Turn
from insights.classify.catalog import Catalog
from insights.classify.classifiers import Prediction

UNKNOWN_PRODUCT = "unknown"


def product_issue_label(product: str | None, issue: str) -> str:
    return f"{product or UNKNOWN_PRODUCT}/{issue}"


def split_product_issue(label: str) -> tuple[str, str]:
    product, _, issue = label.rpartition("/")
    return product, issue


@dataclass(frozen=True)
class ProductFinding:
    product_id: str
    confidence: float
    turn_index: int | None  # None when it came from metadata
    source: str  # metadata | text


def find_product(conversation: Conversation, catalog: Catalog, customer_turns: Sequence[Turn]) -> ProductFinding | None:
    """Metadata first (the source system knows what was sold), then the products the customer names most."""
    from_meta = catalog.resolve(conversation.product) if len(catalog) else None
    if from_meta:
        return ProductFinding(from_meta, 1.0, None, "metadata")
    customer_indexes = {t.index for t in customer_turns}
    weight: Counter[str] = Counter()
    first: dict[str, int] = {}
    for turn in conversation.turns:
        for m in catalog.mentions(turn.text):
            # the customer's own words count double; longer aliases are more specific
            weight[m.product_id] += (2 if turn.index in customer_indexes else 1) * len(m.alias)
            first.setdefault(m.product_id, turn.index)
    if weight:
        product, w = weight.most_common(1)[0]
        return ProductFinding(product, round(w / sum(weight.values()), 4), first[product], "text")
    if conversation.product:  # not in the catalog, but the source named it
        return ProductFinding(conversation.product, 0.5, None, "metadata")
    return None


@dataclass(frozen=True)
class Issue:
    label: str
    confidence: float
    turn_index: int


def conversation_issue(turns: Sequence[tuple[int, Prediction]], fallback: str) -> Issue | None:
    """The complaint issue of a conversation from its customer turns' predictions; None when it is no complaint.

    Each turn that names an issue (its label is not the fallback, so it passed the threshold) votes with its
    probabilities, weighted by how much of a complaint it is (1 - P(fallback)), so one odd turn cannot outvote the
    turns that describe the problem. A conversation is a complaint when such a turn is more likely a complaint
    than not.
    """
    votes: dict[str, float] = defaultdict(float)
    strongest: dict[str, tuple[float, int]] = {}
    complaint = 0.0
    for index, p in turns:
        if p.label == fallback:
            continue
        scores = p.scores or {p.label: p.confidence}
        weight = 1.0 - scores.get(fallback, 0.0)
        complaint = max(complaint, weight)
        for label, prob in scores.items():
            if label == fallback:
                continue
            votes[label] += weight * prob
            if weight * prob > strongest.get(label, (-1.0, 0))[0]:
                strongest[label] = (weight * prob, index)
    if complaint < 0.5 or not votes:
        return None
    label, vote = max(votes.items(), key=lambda kv: kv[1])
    share = vote / sum(votes.values())
    return Issue(label, round(share * complaint, 4), strongest[label][1])
