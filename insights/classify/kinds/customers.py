"""Sales intelligence on sales conversations: `price` (every price mention, label `role:low-high:currency`, evidence
the turn; `price_range`, the customer's acceptable range), `preference` (label `feature:wanted|rejected`, evidence the
turn) and `lead_score` (the probability of a win as confidence, label `hot|warm|cold`; a `lead_signal` record per
signal present, label `signal:effect` with the effect on the log-odds, `buying_signal:+1.10`, evidence the turn that
showed it)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.records import Insight, Turn
from core.settings import Settings
from insights.classify.catalog import load_catalog
from insights.classify.config import catalog_path, score_model_path
from insights.classify.kinds.base import Case, InsightKind, Predictions, registry
from insights.customers import prices
from insights.customers.preferences import FeatureList, feature_list, preferences
from insights.customers.scores import ScoreModel, lead_priors, load_model
from insights.customers.signals import lead_signals, signal_label, values

HOT, WARM = 0.6, 0.35  # lead probability bands


def _turns(case: Case) -> list[tuple[int, str, str]]:
    return [(t.index, t.speaker, t.text) for t in case.conversation.turns]


def price_mentions(case: Case) -> list[prices.PriceMention]:
    return prices.mentions(_turns(case))


class PriceKind:
    name: str = "price"
    version: str = "1"
    tasks: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def select(self, case: Case) -> Sequence[Turn]:
        return []

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        found = price_mentions(case)
        out = [
            case.record("price", prices.label(m), 1.0 if m.amount.marked else 0.7, m.turn_index, "rules", self.version)
            for m in found
        ]
        accepted = prices.acceptable_range(found)
        if accepted is not None:
            out.append(case.record("price_range", prices.range_label(accepted), 1.0, None, "rules", self.version))
        return out


@dataclass
class PreferenceKind:
    features: FeatureList
    fingerprint: str
    name: str = "preference"
    version: str = field(init=False)
    tasks: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.version = f"1/features={self.fingerprint}"

    def select(self, case: Case) -> Sequence[Turn]:
        return []

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        found = preferences(self.features, [(t.index, t.text) for t in case.turns])
        return [
            case.record("preference", f"{p.feature}:{p.polarity}", 1.0, p.turn_index, "rules", self.version)
            for p in found
        ]


@dataclass
class LeadScoreKind:
    model: ScoreModel
    name: str = "lead_score"
    version: str = field(init=False)
    tasks: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        weights = ",".join(f"{s}={w}" for s, w in sorted(self.model.weights.items()))
        self.version = "1/" + hashlib.sha256(f"{weights};{self.model.bias}".encode()).hexdigest()[:12]

    def select(self, case: Case) -> Sequence[Turn]:
        return []

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        signals = lead_signals(_turns(case), price_mentions(case))
        p = self.model.probability(values(signals))
        band = "hot" if p >= HOT else "warm" if p >= WARM else "cold"
        model = f"lead/{self.model.source}"
        out = [case.record("lead_score", band, round(p, 4), None, model, self.version)]
        for c in self.model.explain(values(signals), top=len(signals)):
            label = signal_label(c.signal, c.effect)
            out.append(case.record("lead_signal", label, 1.0, signals[c.signal].turn_index, model, self.version))
        return out


@registry.register("price", "every price mention with its role (list, budget, competitor, counter, agreed) and range")
def _price(settings: Settings) -> InsightKind:
    return PriceKind()


@registry.register("preference", "features a customer asks for or rejects, normalised to the feature list")
def _preference(settings: Settings) -> InsightKind:
    path = catalog_path(settings, settings.insights)
    catalog = load_catalog(path)
    fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path else "packaged"
    return PreferenceKind(feature_list(catalog), fingerprint)


@registry.register("lead_score", "the probability a sales conversation is won, with the signals that moved it")
def _lead_score(settings: Settings) -> InsightKind:
    return LeadScoreKind(load_model(score_model_path(settings, "lead"), lead_priors()))
