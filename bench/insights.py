"""Insight classifiers on public data, the default head against a TF-IDF + logistic-regression baseline, and
end-to-end throughput on the demo corpus scaled up.

Every split is fixed before anything is fitted; thresholds and hyper-parameters are tuned on a validation part of
the training rows only. Banking77 has its own train/test; the Chinese and airline sets use fixed-seed 80/20
splits; Deal-or-no-deal trains on its val file and tests on its test file.

    python bench/insights.py            # full (several minutes: embeds ~60k texts once, cached afterwards)
    python bench/insights.py --quick    # subsampled, for the test suite
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, SHARED, print_table, report
from core.settings import Settings
from insights.classify.kinds.outcome import OUTCOME_TURNS

ROOT = Path(__file__).resolve().parents[1]
CACHE = RESULTS / "cache"
Rows = list[tuple[str, str]]


class DiskCachedEmbedder:
    """Embeds a given list of texts once; later runs read the vectors from bench/results/cache."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dim, self.reentrant = inner, inner.name, inner.dim, False

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        digest = hashlib.sha256("\x1e".join(texts).encode()).hexdigest()[:16]
        path = CACHE / f"{self.name}-{kind}-{len(texts)}-{digest}.npy"
        if path.exists():
            return np.load(path)
        vectors = self.inner.embed(list(texts), kind=kind)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return np.asarray(vectors)


# ---------------------------------------------------------------- data sets (read-only, from ../shared/data)


def split(rows: list[Any], seed: int = 13) -> tuple[list[Any], list[Any]]:
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    cut = int(len(idx) * 0.8)
    return [rows[i] for i in idx[:cut]], [rows[i] for i in idx[cut:]]


def banking77() -> tuple[Rows, Rows]:
    def read(name: str) -> Rows:
        with (SHARED / "intent_banking77_en" / name).open(encoding="utf-8") as fh:
            return [(r["text"], r["category"]) for r in csv.DictReader(fh)]

    return read("train.csv"), read("test.csv")


def chinese(folder: str, file: str) -> tuple[Rows, Rows]:
    with (SHARED / folder / file).open(encoding="utf-8-sig") as fh:
        rows = [(r["review"], "positive" if r["label"] == "1" else "negative") for r in csv.DictReader(fh)]
    return split([r for r in rows if r[0]])


def airline() -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    with (SHARED / "sentiment_airline_tweets_en" / "Tweets.csv").open(encoding="utf-8") as fh:
        rows = [(r["text"], r["airline_sentiment"], r["negativereason"]) for r in csv.DictReader(fh)]
    return split(rows)


def deals(name: str) -> Rows:
    """Agreed (won) or not (lost) from the dialogue; each dialogue is stored once per side, kept once."""
    out: Rows = []
    seen: set[tuple[str, ...]] = set()
    for line in (SHARED / "winloss_proxy_dealornodeal_en" / f"{name}.txt").read_text().splitlines():
        dialogue = re.search(r"<dialogue> (.*?) </dialogue>", line)
        output = re.search(r"<output> (.*?) </output>", line)
        if not dialogue or not output:
            continue
        turns = [t.strip() for t in dialogue.group(1).split("<eos>") if t.strip() and "<selection>" not in t]
        key = tuple(sorted(t.split(":", 1)[-1].strip() for t in turns))
        if key in seen:
            continue
        seen.add(key)
        lost = "disagree" in output.group(1) or "no_agreement" in output.group(1)
        out.append(("\n".join(re.sub(r"^(YOU|THEM):", "", t).strip() for t in turns), "lost" if lost else "won"))
    return out


def tail(rows: Rows) -> Rows:
    from insights.classify.kinds.outcome import OUTCOME_TURNS

    return [("\n".join(text.split("\n")[-OUTCOME_TURNS:]), label) for text, label in rows]


def few_shot(rows: Rows, k: int, seed: int) -> Rows:
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    return [r for label in sorted(by_label) for r in rng.sample(by_label[label], min(k, len(by_label[label])))]


def sample(rows: list[Any], n: int | None, seed: int = 7) -> list[Any]:
    if n is None or len(rows) <= n:
        return rows
    return random.Random(seed).sample(rows, n)


# ---------------------------------------------------------------- classifiers under test


def evaluate_default(train: Rows, test: Rows, embedder: Any, *, task: str = "bench") -> dict[str, Any]:
    from sklearn.metrics import f1_score

    from insights.classify.classifiers import fit_head_classifier
    from insights.classify.taxonomy import taxonomy_from_labels

    names = sorted({label for _, label in train} | {label for _, label in test})
    taxonomy = taxonomy_from_labels(task, names)
    slug = dict(zip(names, [label.name for label in taxonomy.labels], strict=True))
    t0 = time.perf_counter()
    classifier = fit_head_classifier(taxonomy, [t for t, _ in train], [slug[y] for _, y in train], embedder)
    preds = classifier.classify([t for t, _ in test])
    truth = [slug[y] for _, y in test]
    best = [p.best for p in preds]
    kept = [(p.label, y) for p, y in zip(preds, truth, strict=True) if p.label != taxonomy.fallback]
    return {
        "accuracy": float(np.mean([b == y for b, y in zip(best, truth, strict=True)])),
        "macro_f1": float(f1_score(truth, best, average="macro")),
        "kept": len(kept) / len(test),
        "kept_precision": float(np.mean([a == b for a, b in kept])) if kept else 0.0,
        "seconds": time.perf_counter() - t0,
    }


def evaluate_baseline(train: Rows, test: Rows) -> dict[str, Any]:
    """Word 1-2 gram TF-IDF (jieba for Chinese) + logistic regression, C chosen on the same validation split."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from insights.classify.features import word_tfidf
    from insights.classify.head import stratified_holdout

    t0 = time.perf_counter()
    texts, labels = [t for t, _ in train], [y for _, y in train]
    fit_rows, val_rows = stratified_holdout(labels)
    best_c, best_acc = 10.0, -1.0
    if len(val_rows) >= 12:
        for c in (1.0, 10.0, 100.0):
            vec = word_tfidf()
            x = vec.fit_transform([texts[i] for i in fit_rows])
            model = LogisticRegression(C=c, max_iter=2000).fit(x, [labels[i] for i in fit_rows])
            acc = float(
                np.mean(model.predict(vec.transform([texts[i] for i in val_rows])) == [labels[i] for i in val_rows])
            )
            if acc > best_acc:
                best_c, best_acc = c, acc
    vec = word_tfidf()
    model = LogisticRegression(C=best_c, max_iter=2000).fit(vec.fit_transform(texts), labels)
    pred = model.predict(vec.transform([t for t, _ in test]))
    truth = [y for _, y in test]
    return {
        "accuracy": float(np.mean(pred == np.array(truth))),
        "macro_f1": float(f1_score(truth, pred, average="macro")),
        "seconds": time.perf_counter() - t0,
    }


def row(name: str, train: Rows, test: Rows, embedder: Any, *, baseline: bool = True) -> dict[str, Any]:
    d = evaluate_default(train, test, embedder)
    b = evaluate_baseline(train, test) if baseline else {"accuracy": float("nan"), "macro_f1": float("nan")}
    print(f"  {name}: default {d['accuracy']:.4f} / baseline {b['accuracy']:.4f}", flush=True)
    return {
        "set": name,
        "train": len(train),
        "test": len(test),
        "default_acc": round(d["accuracy"], 4),
        "default_f1": round(d["macro_f1"], 4),
        "baseline_acc": round(b["accuracy"], 4),
        "baseline_f1": round(b["macro_f1"], 4),
        "kept": round(d["kept"], 3),
        "kept_precision": round(d["kept_precision"], 4),
        "seconds": round(d["seconds"] + b.get("seconds", 0.0), 1),
    }


def zero_shot_banking(test: Rows, embedder: Any) -> dict[str, Any]:
    """Accuracy from the label names turned into descriptions, no training rows at all."""
    from insights.classify.classifiers import zero_shot_classifier
    from insights.classify.taxonomy import taxonomy_from_labels

    names = sorted({y for _, y in test})
    taxonomy = taxonomy_from_labels("intent", names)
    classifier = zero_shot_classifier(taxonomy, embedder)
    preds = classifier.classify([t for t, _ in test])
    accuracy = float(np.mean([p.best == y for p, (_, y) in zip(preds, test, strict=True)]))
    print(f"  Banking77 zero-shot: {accuracy:.4f}", flush=True)
    return {
        "set": "Banking77 zero-shot (label names only)", "train": 0, "test": len(test),
        "default_acc": round(accuracy, 4), "default_f1": float("nan"), "baseline_acc": float("nan"),
        "baseline_f1": float("nan"), "kept": float("nan"), "kept_precision": float("nan"), "seconds": 0.0,
    }  # fmt: skip


def out_of_scope(train: Rows, test: Rows, embedder: Any, *, unseen: bool = False) -> dict[str, Any]:
    """Banking77 with every fifth intent (in name order: fixed before any result was seen) relabelled `other`, in
    training and test alike. The shipped threshold rule against the earlier one (precision 0.85 on validation) and
    against no threshold at all, on the same test rows.

    With `unseen`, the harder case a company meets: only every other one of those intents gives `other` training
    rows; the rest are out-of-scope questions of a kind the training data never showed (absent from training,
    `other` in test)."""
    from insights.classify.classifiers import fit_head_classifier
    from insights.classify.taxonomy import taxonomy_from_labels

    names = sorted({y for _, y in train})
    held = names[::5]
    never = set(held[1::2]) if unseen else set()

    def relabel(rows: Rows) -> Rows:
        return [(t, "other" if y in held else y) for t, y in rows]

    train, test = relabel([(t, y) for t, y in train if y not in never]), relabel(test)
    every = sorted({y for _, y in train} | {y for _, y in test})
    taxonomy = taxonomy_from_labels("intent", every)
    slug = dict(zip(every, [label.name for label in taxonomy.labels], strict=True))
    texts, labels = [t for t, _ in train], [slug[y] for _, y in train]
    truth = [slug[y] for _, y in test]
    out: dict[str, Any] = {"held_out_intents": len(held), "unseen_intents": len(never), "train": len(train),
                           "test": len(test), "test_other": sum(y == "other" for y in truth)}  # fmt: skip
    t0 = time.perf_counter()
    shipped = fit_head_classifier(taxonomy, texts, labels, embedder)
    earlier = fit_head_classifier(taxonomy, texts, labels, embedder, out_of_scope_rule=False)
    test_texts = [t for t, _ in test]
    answers = {"shipped": [p.label for p in shipped.classify(test_texts)]}
    earlier_preds = earlier.classify(test_texts)
    answers["earlier rule"] = [p.label for p in earlier_preds]
    answers["no threshold"] = [p.best for p in earlier_preds]
    for name, said in answers.items():
        inside = [(a, y) for a, y in zip(said, truth, strict=True) if y != "other"]
        other = [a for a, y in zip(said, truth, strict=True) if y == "other"]
        answered_other = [y for a, y in zip(said, truth, strict=True) if a == "other"]
        out[name] = {
            "in_scope_accuracy": round(float(np.mean([a == y for a, y in inside])), 4),
            "other_recall": round(float(np.mean([a == "other" for a in other])), 4),
            "other_precision": round(float(np.mean([y == "other" for y in answered_other])), 4) if answered_other
            else float("nan"),
        }  # fmt: skip
    out["thresholds"] = {"shipped": round(shipped.threshold, 4), "earlier rule": round(earlier.threshold, 4)}
    out["rule"] = shipped.head.tuning.rule
    out["seconds"] = round(time.perf_counter() - t0, 1)
    s, n = out["shipped"], out["no threshold"]
    print(f"  out-of-scope: shipped other recall {s['other_recall']:.3f} at in-scope {s['in_scope_accuracy']:.3f} "
          f"(no threshold {n['in_scope_accuracy']:.3f}; earlier rule recall {out['earlier rule']['other_recall']:.3f})",
          flush=True)  # fmt: skip
    return out


def out_of_scope_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name in ("shipped", "earlier rule", "no threshold"):
        r = result[name]
        threshold = result["thresholds"].get(name, 0.0)
        rows.append({"threshold rule": name, "threshold": threshold, "in-scope accuracy": r["in_scope_accuracy"],
                     "other recall": r["other_recall"], "other precision": r["other_precision"]})  # fmt: skip
    return rows


def sizes(quick: bool) -> tuple[int | None, int | None]:
    return (600, 250) if quick else (None, None)


def accuracy_rows(quick: bool, embedder: Any) -> list[dict[str, Any]]:
    n_train, n_test = sizes(quick)
    rows: list[dict[str, Any]] = []
    train, test = banking77()
    test = sample(test, n_test)
    rows.append(row("Banking77 intent (77)", sample(train, n_train), test, embedder))
    seeds = (0,) if quick else (0, 1, 2)
    shots = [row(f"Banking77 10 per intent, seed {s}", few_shot(train, 10, s), test, embedder) for s in seeds]
    mean = {k: round(float(np.mean([r[k] for r in shots])), 4) for k in shots[0] if k != "set"}
    rows.append({"set": f"Banking77 10 per intent (mean of {len(seeds)} draws)", **mean})
    rows.append(zero_shot_banking(test, embedder))

    hotel = chinese("sentiment_chnsenticorp_htl_zh", "ChnSentiCorp_htl_all.csv")
    waimai = chinese("sentiment_waimai10k_zh", "waimai_10k.csv")
    hotel = (sample(hotel[0], n_train), sample(hotel[1], n_test))
    waimai = (sample(waimai[0], n_train), sample(waimai[1], n_test))
    rows.append(row("ChnSentiCorp hotels sentiment (zh)", hotel[0], hotel[1], embedder))
    rows.append(row("waimai_10k sentiment (zh)", waimai[0], waimai[1], embedder))
    if not quick:
        rows.append(row("hotels -> waimai (cross-domain)", hotel[0], waimai[1], embedder))
        rows.append(row("waimai -> hotels (cross-domain)", waimai[0], hotel[1], embedder))

    air_train, air_test = airline()
    air_train, air_test = sample(air_train, n_train), sample(air_test, n_test)
    rows.append(row("airline sentiment, 3-way (en)", [(t, s) for t, s, _ in air_train],
                    [(t, s) for t, s, _ in air_test], embedder))  # fmt: skip
    neg_train = [(t, r) for t, s, r in air_train if s == "negative" and r]
    neg_test = [(t, r) for t, s, r in air_test if s == "negative" and r]
    rows.append(row("airline complaint reason (negative tweets)", neg_train, neg_test, embedder))

    # the pipeline infers an outcome from a conversation's last turns; both classifiers get the same text
    deal_train, deal_test = tail(deals("val")), tail(deals("test"))
    rows.append(row(f"Deal-or-no-deal agreed vs not, last {OUTCOME_TURNS} turns (en)", sample(deal_train, n_train),
                    sample(deal_test, n_test), embedder))  # fmt: skip
    return rows


# ---------------------------------------------------------------- throughput, end to end


def demo_conversations(settings: Settings) -> list[Any]:
    """The demo's chats, work orders, sales talks (through ingest's readers) and the call scripts' text."""
    import yaml

    from core.records import Conversation, Turn
    from ingest.exports import read_export
    from ingest.mapping import load_mapping

    out: list[Any] = []
    for channel, path in (("chat", "chats/chats.csv"), ("work_order", "work_orders/work_orders.csv"),
                          ("chat", "sales/sales.csv")):  # fmt: skip
        if (ROOT / "demo" / path).exists():
            batch = read_export(ROOT / "demo" / path, channel, load_mapping(None, channel), settings)  # type: ignore[arg-type]
            out += [u.conversation for u in batch.units]
    scripts = ROOT / "demo" / "calls" / "scripts.yaml"
    if scripts.exists():
        for call in yaml.safe_load(scripts.read_text(encoding="utf-8"))["calls"]:
            out.append(Conversation(
                id=call["id"], channel="call", source_uri=str(scripts), source_sha256="0" * 64,
                language=call.get("language"), product=call.get("product"), outcome=call.get("outcome"),
                turns=[Turn(index=i, speaker=t["speaker"], text=t["text"]) for i, t in enumerate(call["turns"])],
            ))  # fmt: skip
    return out


def scaled(base: list[Any], n: int) -> list[Any]:
    """n conversations cycling through the demo ones; each copy's text is made unique, so no cache can help."""
    out = []
    for k in range(n):
        conv = base[k % len(base)]
        copy = conv.model_copy(deep=True)
        copy.id = f"{conv.id}#{k}"
        copy.customer_key = f"c{k % 3000}"
        for turn in copy.turns:
            turn.text = f"{turn.text}（单号 {k}）" if conv.language == "zh" else f"{turn.text} (ref {k})"
        out.append(copy)
    return out


def throughput(n: int) -> dict[str, Any]:
    from core.db import make_engine, migrate, session_factory
    from ingest.ledger import to_row
    from insights.classify.runner import classify_pending

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), demo_dir=ROOT / "demo")  # type: ignore[call-arg]
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        sessions = session_factory(engine)
        convs = scaled(demo_conversations(settings), n)
        with sessions() as session, session.begin():
            session.add_all([to_row(c) for c in convs])
        t0 = time.perf_counter()
        result = classify_pending(settings, sessions, batch_size=500)
        total = time.perf_counter() - t0
        again = classify_pending(settings, sessions)
        engine.dispose()
    turns = sum(len(c.turns) for c in convs)
    print(f"  throughput: {n} conversations in {total:.1f} s", flush=True)
    return {
        "conversations": n,
        "turns": turns,
        "insights": result.insights,
        "seconds": round(total, 2),
        "conversations_per_s": round(n / total, 1),
        "insights_per_s": round(result.insights / total, 1),
        "rerun_classified": again.classified,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="subsample every set (what the test suite runs)")
    parser.add_argument("--embedder", default=None, help="embedder for the heads (default: the insights default)")
    args = parser.parse_args()
    from core.ml.embedders import load_embedder
    from insights.classify.config import InsightSettings

    name = args.embedder or InsightSettings().embedder
    embedder = DiskCachedEmbedder(load_embedder(Settings(_env_file=None), name=name))  # type: ignore[call-arg]
    rows: list[dict[str, Any]] = []
    oos: dict[str, Any] = {}
    if SHARED.is_dir():
        rows = accuracy_rows(args.quick, embedder)
        n_train, n_test = sizes(args.quick)
        train, test = banking77()
        for unseen in (False, True):
            key = "unseen" if unseen else "seen"
            oos[key] = result = out_of_scope(sample(train, n_train), sample(test, n_test), embedder, unseen=unseen)
            detail = f", {result['unseen_intents']} of them absent from training" if unseen else ""
            print_table(
                f"Out-of-scope: Banking77, {result['held_out_intents']} of 77 intents relabelled other{detail} "
                f"({result['train']} train, {result['test']} test rows, {result['test_other']} of them other)",
                out_of_scope_rows(result),
            )
    else:
        print(f"skipping accuracy: {SHARED} not found")
    speed = throughput(500 if args.quick else 10_000)
    rows.append({"set": f"throughput: demo corpus x{speed['conversations']}", "train": 0,
                 "test": speed["conversations"], "default_acc": speed["conversations_per_s"],
                 "default_f1": float("nan"), "baseline_acc": float("nan"), "baseline_f1": float("nan"),
                 "kept": float("nan"), "kept_precision": float("nan"), "seconds": speed["seconds"]})  # fmt: skip
    report(
        "insights" + ("-quick" if args.quick else ""),
        f"Insight classifiers (default: hybrid head, {name}) vs TF-IDF + LR; accuracy / macro-F1 on test splits",
        rows,
        {"embedder": name, "quick": args.quick, "throughput": speed, "out_of_scope": oos},
    )


if __name__ == "__main__":
    main()
