"""Scores: a probability from named signals, explained by the largest effects; refit on outcomes; saved and loaded."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.errors import InvalidInput
from insights.customers import prices
from insights.customers.scores import MIN_FIT, churn_priors, fit, lead_priors, load_model
from insights.customers.signals import Contact, churn_signals, lead_signals, values


def test_buying_signals_raise_the_lead_score_and_explain_it() -> None:
    warm = [(0, "agent", "标价2499元"), (1, "customer", "可以，怎么下单？能开发票吗"), (2, "customer", "明天发我合同")]
    cold = [(0, "agent", "标价2499元"), (1, "customer", "太贵了，预算只有1500以内"), (2, "customer", "算了，不买了")]
    model = lead_priors()
    p_warm = model.probability(values(lead_signals(warm, prices.mentions(warm))))
    found = lead_signals(cold, prices.mentions(cold))
    p_cold = model.probability(values(found))
    assert p_warm > 0.6 > 0.3 > p_cold
    top = model.explain(values(found))
    assert top[0].signal == "refusal" and top[0].effect < 0
    assert {"price_above_budget", "objection"} & {c.signal for c in top}
    assert found["refusal"].turn_index == 2


def test_churn_signals_from_a_customer_s_contacts() -> None:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    contacts = [
        Contact("a", day, "defect", "neutral", False, "净水器漏水"),
        Contact("b", day + timedelta(days=5), "defect", "negative", False, "又漏了，还没修好"),
        Contact("c", day + timedelta(days=9), "cancellation", "negative", False, "我要退货，换别家"),
    ]
    found = churn_signals(contacts)
    assert {"cancellation_intent", "repeat_contacts", "unresolved", "worsening_sentiment"} <= set(found)
    happy = [Contact("a", day, "praise", "positive", True, "谢谢，很好用")]
    model = churn_priors()
    assert model.probability(values(found)) > 0.7 > 0.1 > model.probability(values(churn_signals(happy)))


def test_a_refit_learns_the_install_s_own_weights_and_keeps_priors_when_too_few(tmp_path: Path) -> None:
    rng = random.Random(3)
    rows, ys = [], []
    for _ in range(200):
        won = rng.random() < 0.5
        rows.append({"buying_signal": float(won and rng.random() < 0.8), "objection": float(rng.random() < 0.5)})
        ys.append(int(won))
    base = lead_priors()
    assert fit(base, rows[:MIN_FIT], ys[:MIN_FIT]) is base
    fitted = fit(base, rows, ys)
    assert fitted.source == "fit on 200 outcomes"
    assert fitted.weights["buying_signal"] > 1 and abs(fitted.weights["objection"]) < 0.6
    path = tmp_path / "lead.json"
    fitted.save(path)
    again = load_model(path, base)
    assert again.weights == fitted.weights and again.bias == fitted.bias
    assert load_model(tmp_path / "none.json", base) is base
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a saved score model"):
        load_model(path, base)


def test_the_wording_signal_is_fit_out_of_fold_and_saved_beside_the_weights(tmp_path: Path) -> None:
    texts = [("great, send the contract" if i % 2 else "too expensive, no deal") + f" {i}" for i in range(60)]
    ys = [i % 2 for i in range(60)]
    fitted = fit(lead_priors(), [{} for _ in texts], ys, texts)
    assert "wording" in fitted.weights and fitted.wording is not None
    worded = fitted.with_wording({}, "send the contract")
    assert worded["wording"] > 0 and fitted.probability(worded) > 0.5
    fitted.save(tmp_path / "lead.json")
    again = load_model(tmp_path / "lead.json", lead_priors())
    assert again.with_wording({}, "no deal")["wording"] < 0
