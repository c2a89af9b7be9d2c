"""Customer and sales intelligence: price mentions and their roles against hand labels (regex-only baseline in the
same run), the acceptable range; the lead score's AUC and calibration on deal-or-no-deal and on the demo's sales
conversations (TF-IDF baseline); churn risk on resampled journeys with planted churners (contact-count baseline).

- **Prices** (`bench/data/prices_test.yaml`, held out; `prices_dev.yaml` and `prices_dev2.yaml` are the sets
  the rules were tuned on, `--prices dev|dev2`): single utterances from sales and service talk in Chinese and
  English, each price mention with its bounds, currency and role, plus near-miss utterances whose numbers are
  no price (order and model numbers, dates, phones, quantities, discounts). Written by hand by AI helpers
  working on cxloop before the extractor was first run on them. A predicted mention matches a labelled one of
  the same item with the same bounds (value match, open ends equal). The baseline: one regex for a number next
  to a currency sign or word, the agent's a list price and the customer's a budget.
- **Acceptable range**: per item with a customer-side price, the range built from the labelled mentions against the
  one built from the extracted mentions (same rule, `prices.acceptable_range`); error = |high - high'| / high
  (1.0 when none was found).
- **Lead score** on deal-or-no-deal (`../shared/data/winloss_proxy_dealornodeal_en`, both perspectives of a
  dialogue kept once): the open half of each dialogue (its first half of turns: a lead is scored while the talk is
  open), agreed = won. Signals refit on val, reported on test; the packaged priors unfitted; TF-IDF + logistic
  regression on the same val texts as the baseline. Demo sales (26 conversations): the priors on the first half of
  each conversation, TF-IDF leave-one-out.
- **Churn** on resampled journeys: customers made of Banking77 test utterances (1-6 contacts), a planted share
  churns (their journeys draw more complaint contacts, more unresolved endings, and a closing/cancelling
  utterance with some probability; non-churners rarely do); the churn score (priors, and refit on half) against
  the number of contacts alone.

    python bench/customers.py            # all: ~1 min on 2 cores
    python bench/customers.py --quick    # 60 price items, 150 dialogues, 300 journeys (the test suite)
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED, report
from insights.customers import prices, signals
from insights.customers.money import Amount
from insights.customers.refit import open_half
from insights.customers.scores import ScoreModel, churn_priors, fit, lead_priors, text_model

DATA = Path(__file__).parent / "data"
PRICE_SETS = {"test": "prices_test.yaml", "dev": "prices_dev.yaml", "dev2": "prices_dev2.yaml"}
DND = SHARED / "winloss_proxy_dealornodeal_en"
BANKING = SHARED / "intent_banking77_en" / "test.csv"
DEMO_SALES = Path(__file__).resolve().parents[1] / "demo" / "sales" / "sales.csv"
PLANTED_CHURN = 0.15

_BASELINE = re.compile(
    r"(?:[¥￥$€£]\s?(\d[\d,]*(?:\.\d+)?))|(?:(\d[\d,]*(?:\.\d+)?)\s?(?:元|块|dollars?|bucks?|USD|RMB))", re.IGNORECASE
)


# --- prices ------------------------------------------------------------------------------------------------------


def load_prices(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    if limit is not None:  # keep near-misses in a quick run: every k-th item
        step = max(1, len(items) // limit)
        items = items[::step][:limit]
    return items


def _key(low: float | None, high: float | None) -> tuple[float | None, float | None]:
    return (None if low is None else round(float(low), 2), None if high is None else round(float(high), 2))


def baseline_mentions(speaker: str, text: str) -> list[prices.PriceMention]:
    out = []
    for m in _BASELINE.finditer(text):
        value = float((m.group(1) or m.group(2)).replace(",", ""))
        amount = Amount(m.group(0), m.start(), m.end(), value, value, "CNY", True)
        out.append(prices.PriceMention(0, speaker, amount, "list_price" if speaker == "agent" else "budget"))
    return out


def cxloop_mentions(speaker: str, text: str) -> list[prices.PriceMention]:
    return prices.mentions([(0, speaker, text)])


def score_prices(items: Sequence[dict[str, Any]], extract: Any) -> dict[str, Any]:
    tp = fp = fn = role_ok = 0
    errors: list[float] = []
    misses: list[str] = []
    for item in items:
        gold = [(_key(g["low"], g["high"]), g["role"]) for g in item["mentions"]]
        found = extract(item["speaker"], item["text"])
        pred = [(_key(m.amount.low, m.amount.high), m.role) for m in found]
        left = list(gold)
        for key, role in pred:
            match = next((g for g in left if g[0] == key), None)
            if match is None:
                fp += 1
                misses.append(f"FP {item['id']}: {key} in {item['text'][:60]}")
                continue
            left.remove(match)
            tp += 1
            role_ok += match[1] == role
            if match[1] != role:
                misses.append(f"ROLE {item['id']}: {key} {match[1]} -> {role}: {item['text'][:60]}")
        fn += len(left)
        misses.extend(f"FN {item['id']}: {g[0]} in {item['text'][:60]}" for g in left)
        truth = _gold_range(item)
        if truth is not None and truth.high:
            got = prices.acceptable_range(found)
            high = got.high if got is not None else None
            errors.append(1.0 if high is None else min(1.0, abs(high - truth.high) / truth.high))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "mentions": tp + fn,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "role_accuracy": round(role_ok / tp, 3) if tp else 0.0,
        "range_items": len(errors),
        "range_error": round(sum(errors) / len(errors), 3) if errors else 0.0,
        "range_exact": round(sum(e < 0.005 for e in errors) / len(errors), 3) if errors else 0.0,
        "_misses": misses,
    }


def _gold_range(item: dict[str, Any]) -> prices.PriceRange | None:
    gold = [
        prices.PriceMention(
            0, item["speaker"], Amount(g["text"], 0, 0, g["low"], g["high"], g["currency"], True), g["role"]
        )
        for g in item["mentions"]
    ]
    return prices.acceptable_range(gold)


# --- lead score --------------------------------------------------------------------------------------------------


def load_dnd(path: Path, limit: int | None = None) -> list[tuple[list[str], int]]:
    """(turns of the dialogue, agreed) once per dialogue (the file holds each from both sides)."""
    seen: set[str] = set()
    out: list[tuple[list[str], int]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        body = re.search(r"<dialogue>(.*?)</dialogue>", line)
        output = re.search(r"<output>(.*?)</output>", line)
        if not body or not output:
            continue
        turns = [t.strip() for t in body.group(1).split("<eos>")]
        texts = [re.sub(r"^(YOU|THEM):\s*", "", t) for t in turns if "<selection>" not in t]
        key = " | ".join(texts)
        if key in seen or not texts:
            continue
        seen.add(key)
        agreed = int(not re.search(r"<(disagree|no_agreement|disconnect)>", output.group(1)))
        out.append((texts, agreed))
    return out[:limit] if limit else out


def lead_values(texts: Sequence[str], speakers: Sequence[str] | None = None) -> dict[str, float]:
    turns = [(i, (speakers[i] if speakers else "customer"), t) for i, t in enumerate(texts)]
    found = prices.mentions(turns)
    return signals.values(signals.lead_signals(turns, found))


def _row(name: str, model: str, y: Sequence[int], p: Sequence[float]) -> dict[str, Any]:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    return {
        "set": name,
        "model": model,
        "n": len(y),
        "positive_rate": round(sum(y) / len(y), 3),
        "auc": round(float(roc_auc_score(y, p)), 3),
        "brier": round(float(brier_score_loss(y, p)), 3),
    }


def tfidf_probabilities(train: Sequence[str], y: Sequence[int], test: Sequence[str]) -> list[float]:
    model = text_model()  # the same text model the lead score's `wording` signal uses
    model.fit(list(train), list(y))
    return [float(p) for p in model.predict_proba(list(test))[:, 1]]


def bench_dnd(limit: int | None) -> tuple[list[dict[str, Any]], ScoreModel]:
    val = load_dnd(DND / "val.txt", limit)
    test = load_dnd(DND / "test.txt", limit)
    val_x = [lead_values(open_half(t)) for t, _ in val]
    test_x = [lead_values(open_half(t)) for t, _ in test]
    val_y = [y for _, y in val]
    test_y = [y for _, y in test]
    rows = []
    priors = lead_priors()
    name = "deal-or-no-deal test"
    rows.append(_row(name, "cxloop lead score, packaged priors", test_y, [priors.probability(x) for x in test_x]))
    fitted = fit(priors, val_x, val_y)
    rows.append(
        _row(
            name,
            f"cxloop lead score, signals refit on val ({len(val)})",
            test_y,
            [fitted.probability(x) for x in test_x],
        )
    )
    texts = [" ".join(open_half(t)) for t, _ in val]
    test_texts = [" ".join(open_half(t)) for t, _ in test]
    worded = fit(priors, val_x, val_y, texts)
    p = [worded.probability(worded.with_wording(x, t)) for x, t in zip(test_x, test_texts, strict=True)]
    rows.append(_row(name, f"cxloop lead score, signals + wording refit on val ({len(val)})", test_y, p))
    probs = tfidf_probabilities(texts, val_y, test_texts)
    rows.append(_row(name, f"baseline: TF-IDF + LR on val ({len(val)})", test_y, probs))
    return rows, fitted


def bench_demo_sales(dnd_fitted: ScoreModel) -> list[dict[str, Any]]:
    convs: dict[str, list[tuple[str, str]]] = {}
    outcome: dict[str, int] = {}
    with DEMO_SALES.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            convs.setdefault(r["conversation_id"], []).append((r["speaker"], r["text"]))
            outcome[r["conversation_id"]] = int(r["outcome"] == "won")
    ids = sorted(convs)
    halves = {cid: open_half([t for _, t in convs[cid]]) for cid in ids}
    speakers = {cid: [s for s, _ in convs[cid]][: len(halves[cid])] for cid in ids}
    y = [outcome[cid] for cid in ids]
    priors = lead_priors()
    p = [priors.probability(lead_values(halves[cid], speakers[cid])) for cid in ids]
    rows = []
    rows.append(_row("demo sales", "cxloop lead score, packaged priors", y, p))
    transfer = [dnd_fitted.probability(lead_values(halves[cid], speakers[cid])) for cid in ids]
    rows.append(_row("demo sales", "cxloop lead score, signals refit on deal-or-no-deal val", y, transfer))
    loo = []
    for i, cid in enumerate(ids):
        train = [" ".join(halves[c]) for j, c in enumerate(ids) if j != i]
        loo.append(tfidf_probabilities(train, [v for j, v in enumerate(y) if j != i], [" ".join(halves[cid])])[0])
    rows.append(_row("demo sales", "baseline: TF-IDF + LR, leave-one-out", y, loo))
    return rows


# --- churn -------------------------------------------------------------------------------------------------------

_COMPLAINT_CLASSES = (
    "card_not_working", "declined_transfer", "declined_card_payment", "Refund_not_showing_up",
    "transfer_not_received_by_recipient", "card_payment_wrong_exchange_rate", "extra_charge_on_statement",
    "wrong_amount_of_cash_received", "compromised_card", "cash_withdrawal_charge", "failed_transfer",
    "pending_transfer", "card_swallowed", "direct_debit_payment_not_recognised",
)  # fmt: skip
_CLOSING_CLASSES = ("terminate_account",)


def journeys(n: int, seed: int = 7) -> list[tuple[list[signals.Contact], int]]:
    """Customers built from Banking77 test utterances; PLANTED_CHURN of them churn (see the module's notes)."""
    rng = random.Random(seed)
    by_class: dict[str, list[str]] = {}
    with BANKING.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            by_class.setdefault(r["category"], []).append(r["text"])
    complaint = [t for c in _COMPLAINT_CLASSES for t in by_class.get(c, [])]
    closing = [t for c in _CLOSING_CLASSES for t in by_class.get(c, [])]
    neutral = [t for c, ts in by_class.items() if c not in _COMPLAINT_CLASSES + _CLOSING_CLASSES for t in ts]
    out = []
    start = datetime(2026, 9, 1)
    for _ in range(n):
        churner = rng.random() < PLANTED_CHURN
        k = rng.choice([1, 2, 3, 3, 4, 5, 6] if churner else [1, 1, 1, 2, 2, 3, 4])
        contacts = []
        for j in range(k):
            is_complaint = rng.random() < (0.6 if churner else 0.25)
            text = rng.choice(complaint if is_complaint else neutral)
            last = j == k - 1
            if last and rng.random() < (0.45 if churner else 0.03):
                text = rng.choice(closing)
            resolved = rng.random() < (0.4 if churner and last else 0.75)
            at = start + timedelta(days=j * rng.randint(2, 20))
            mood = "negative" if is_complaint and rng.random() < 0.7 else "neutral"
            contacts.append(
                signals.Contact(f"c{j}", at, "service_complaint" if is_complaint else "other", mood, resolved, text)
            )
        out.append((contacts, int(churner)))
    return out


def bench_churn(n: int) -> list[dict[str, Any]]:
    data = journeys(n)
    half = len(data) // 2
    x = [signals.values(signals.churn_signals(c)) for c, _ in data]
    y = [v for _, v in data]
    rows = []
    priors = churn_priors()
    name = f"resampled journeys (planted churn {PLANTED_CHURN:.0%})"
    rows.append(_row(name, "cxloop churn risk, packaged priors", y[half:], [priors.probability(v) for v in x[half:]]))
    fitted = fit(priors, x[:half], y[:half])
    rows.append(_row(name, f"cxloop churn risk, refit on {half}", y[half:], [fitted.probability(v) for v in x[half:]]))
    counts = [len(c) / 6 for c, _ in data[half:]]
    rows.append(_row(name, "baseline: number of contacts", y[half:], counts))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="60 price items, 150 dialogues, 300 journeys")
    parser.add_argument(
        "--prices", choices=sorted(PRICE_SETS), default="test", help="held-out test (default) or a tuning set"
    )
    parser.add_argument("--misses", action="store_true", help="print every price miss of cxloop's extractor")
    args = parser.parse_args()
    items = load_prices(DATA / PRICE_SETS[args.prices], 60 if args.quick else None)
    price_rows = []
    for name, extract in (("cxloop (money + roles)", cxloop_mentions), ("baseline: currency regex", baseline_mentions)):
        result = score_prices(items, extract)
        misses = result.pop("_misses")
        if args.misses and name.startswith("cxloop"):
            print("\n".join(misses))
        price_rows.append({"extractor": name, "items": len(items), **result})
    report("customers_prices", "Price mentions and roles (hand labels)", price_rows)
    dnd_rows, dnd_fitted = bench_dnd(150 if args.quick else None)
    score_rows = dnd_rows + bench_demo_sales(dnd_fitted)
    score_rows += bench_churn(300 if args.quick else 3000)
    report("customers_scores", "Lead and churn scores: AUC and Brier", score_rows)


if __name__ == "__main__":
    main()
