"""Calibrated scores from named signals: a logistic model whose weights are readable, so every probability comes with
the signals that moved it most.

The packaged weights are priors written by hand (what a sales lead or a retention manager would expect); `fit` refits
them on an install's own outcomes (won/lost deals, customers who left), which is what makes the probability
calibrated for that install. Given the conversations' texts too, `fit` adds one more signal, `wording`: the log-odds
of a TF-IDF text model trained on the same outcomes (out-of-fold, so its weight is not fitted on its own training
predictions). Both scores (`lead`, `churn`) are one `ScoreModel` each.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import InvalidInput

# signal name -> prior weight (log-odds per unit of the signal's value)
LEAD_PRIORS: dict[str, float] = {
    "buying_signal": 1.1,  # how do I order, invoice, when can it arrive
    "next_step": 0.9,  # a visit, a quote sent, a trial booked
    "agreed_price": 2.0,  # a price both sides took
    "budget_stated": 0.3,  # a customer who names a budget is shopping
    "objection": -0.6,  # too expensive, let me think, not now
    "competitor_price": -0.5,  # a cheaper price elsewhere was named
    "price_above_budget": -1.2,  # our last price is above the customer's ceiling
    "refusal": -1.8,  # no deal, not interested, we went with another
    "hard_line": -0.4,  # must have all of it, or no deal
    "concession": 0.4,  # you can have the rest, sounds good, 可以给你
    "length": -0.2,  # per 10 turns: long talks are harder ones
    "pushback": -0.2,  # customer turns that say no, not, 不行, 没有
}
LEAD_BIAS = -0.3
CHURN_PRIORS: dict[str, float] = {
    "cancellation_intent": 2.2,  # cancel, close my account, 退订, 换别家
    "repeat_contacts": 0.6,  # contacts within the window beyond the first (capped)
    "unresolved": 0.9,  # the last contact ended without a resolution
    "worsening_sentiment": 0.8,  # the last contact's sentiment is below the first's
    "negative_sentiment": 0.5,  # share of contacts that were negative
    "complaint": 0.4,  # complaints within the window
    "praise": -0.8,
}
CHURN_BIAS = -2.4


@dataclass(frozen=True)
class Contribution:
    signal: str
    value: float
    effect: float  # weight * value: + raises the probability, - lowers it


@dataclass
class ScoreModel:
    name: str
    weights: dict[str, float]
    bias: float
    source: str = "priors"  # priors, or "fit on N outcomes"
    wording: Any = None  # a fitted text pipeline (predict_proba on texts), or None
    signals: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.signals = tuple(s for s in self.weights if s != WORDING)

    def with_wording(self, values: Mapping[str, float], text: str | None) -> dict[str, float]:
        """`values` plus the `wording` signal of `text` when the model has a text part."""
        out = dict(values)
        if self.wording is not None and text:
            out[WORDING] = round(_logit(float(self.wording.predict_proba([text])[0][1])), 4)
        return out

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.bias + sum(w * values.get(s, 0.0) for s, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def explain(self, values: Mapping[str, float], top: int = 3) -> list[Contribution]:
        """The signals present, largest effect first (either direction)."""
        found = [
            Contribution(s, v, round(self.weights[s] * v, 4)) for s, v in values.items() if s in self.weights and v
        ]
        return sorted(found, key=lambda c: -abs(c.effect))[:top]

    def save(self, path: Path) -> None:
        """The weights as JSON at `path`; the text part, if any, beside it (`<name>.wording.joblib`)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.wording is not None:  # first, so the weights never name a text part that is not there
            import joblib

            joblib.dump(self.wording, _wording_path(path))
        body = {"name": self.name, "weights": self.weights, "bias": self.bias, "source": self.source}
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")
        partial.replace(path)


WORDING = "wording"


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _wording_path(path: Path) -> Path:
    return path.with_suffix(".wording.joblib")


def load_model(path: Path, default: ScoreModel) -> ScoreModel:
    """The model fitted and saved at `path`, or `default` (the priors) when there is none."""
    if not path.exists():
        return default
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        model = ScoreModel(data["name"], weights, float(data["bias"]), str(data.get("source", "fit")))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"score model {path}: not a saved score model ({exc})") from None
    if WORDING in weights and _wording_path(path).exists():
        import joblib

        model.wording = joblib.load(_wording_path(path))
    return model


def lead_priors() -> ScoreModel:
    return ScoreModel("lead", dict(LEAD_PRIORS), LEAD_BIAS)


def churn_priors() -> ScoreModel:
    return ScoreModel("churn", dict(CHURN_PRIORS), CHURN_BIAS)


MIN_FIT = 20  # outcomes of each class below which the priors stay


def fit(
    base: ScoreModel,
    rows: Sequence[Mapping[str, float]],
    outcomes: Sequence[int],
    texts: Sequence[str] | None = None,
) -> ScoreModel:
    """`base`'s signals refit on outcomes (1 = won / churned), with `wording` when `texts` are given; the priors when
    either class has fewer than MIN_FIT rows."""
    positives = sum(1 for y in outcomes if y)
    if positives < MIN_FIT or len(outcomes) - positives < MIN_FIT:
        return base
    from sklearn.linear_model import LogisticRegression

    names = list(base.signals)
    x = [[row.get(s, 0.0) for s in names] for row in rows]
    wording = None
    if texts is not None:
        from sklearn.model_selection import cross_val_predict

        wording = text_model()
        held_out = cross_val_predict(wording, list(texts), list(outcomes), cv=5, method="predict_proba")[:, 1]
        x = [[*r, _logit(float(p))] for r, p in zip(x, held_out, strict=True)]
        names.append(WORDING)
        wording.fit(list(texts), list(outcomes))
    model = LogisticRegression(max_iter=1000).fit(x, list(outcomes))
    weights = {s: round(float(w), 4) for s, w in zip(names, model.coef_[0], strict=True)}
    source = f"fit on {len(outcomes)} outcomes"
    return ScoreModel(base.name, weights, round(float(model.intercept_[0]), 4), source, wording)


def text_model() -> Any:
    """TF-IDF word and bigram features (characters for Chinese) and a logistic regression: the `wording` signal."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=_TOKENS)
    return make_pipeline(vectorizer, LogisticRegression(C=1.0, max_iter=2000))


_TOKENS = r"(?u)[\u4e00-\u9fff]|\b\w\w+\b"  # one Chinese character, or a Latin word of 2+ letters
