"""QA (质检) items against hand labels, side by side with a keyword-only baseline, and scoring throughput.

The labels (`bench/data/qa_labels.csv`) are 78 demo conversations (62 chats and the 16 call scripts) x 8 items of
the packaged `service_basics` and `service_manner` forms = 624 judgements, written by hand by the engineer who
built the scorer (an AI model working on cxloop), conversation by conversation, before the scorer was run on
them; nothing was tuned on them afterwards. What each item means to the labeller:

- greeting: the agent's first turn greets (您好 / hello / hi / thank you for calling), not just "Sure" or a name;
- thanks_or_apology: the agent thanks or apologises somewhere ("Sorry to see you go" does not count);
- further_help: the agent's last turn offers more help ("有问题随时找我们", "reply to this chat if...");
- no_guarantee: no absolute promise (保证, 一定 answering "I hope it gets fixed", guarantee); commitments with a
  time are not one;
- no_rude_words: nothing rude or dismissive;
- empathy: the agent acknowledges the customer's trouble (sorry about that, 理解您的心情, I understand);
- identity_check: the agent asks for or confirms identifying data (order number, the account's e-mail);
- confirms_solution: the agent states a concrete action taken or booked for the customer, or confirms a fix worked;
  a pure product answer is a fail.

The keyword baseline, fixed before any result: each item passes when one of a few words appears anywhere in the
agent's turns (forbidden items fail when one does): no position, no boolean rules, no word boundaries, no meaning.

    python bench/quality.py            # all 624 judgements, throughput on 2,000 conversations
    python bench/quality.py --quick    # 20 conversations, 200 for throughput (the test suite)
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report
from bench.insights import DiskCachedEmbedder, demo_conversations, sample, scaled
from core.records import Conversation
from core.settings import InsightSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
LABELS = Path(__file__).parent / "data" / "qa_labels.csv"
KEYWORDS: dict[str, tuple[bool, tuple[str, ...]]] = {  # item -> (forbidden, words)
    "greeting": (False, ("您好", "你好", "hello", "hi")),
    "thanks_or_apology": (False, ("谢谢", "感谢", "抱歉", "thank", "sorry")),
    "further_help": (False, ("还有什么", "其他问题", "anything else")),
    "no_guarantee": (True, ("保证", "一定", "guarantee", "promise")),
    "no_rude_words": (True, ("不知道", "不归我管", "calm down", "not my problem")),
    "empathy": (False, ("抱歉", "理解", "sorry", "understand")),
    "identity_check": (False, ("订单号", "手机号", "order number", "email")),
    "confirms_solution": (False, ("已经", "已为您", "确认", "confirm", "done", "booked")),
}


def read_labels() -> dict[str, dict[str, str]]:
    with LABELS.open(encoding="utf-8") as fh:
        return {row.pop("conversation_id"): row for row in csv.DictReader(fh)}


def keyword_outcome(item: str, conversation: Conversation) -> str:
    forbidden, words = KEYWORDS[item]
    text = " ".join(t.text.lower() for t in conversation.turns if t.speaker == "agent")
    hit = any(w in text for w in words)
    return ("fail" if hit else "pass") if forbidden else ("pass" if hit else "fail")


def machine_outcomes(conversations: list[Conversation], embedder: Any) -> dict[str, dict[str, str]]:
    from insights.quality.score import score_conversation
    from insights.quality.scorecard import load_scorecards
    from insights.quality.semantic import SemanticMatcher

    cards = [c for c in load_scorecards() if c.name in ("service_basics", "service_manner")]
    matcher = SemanticMatcher(embedder)
    out: dict[str, dict[str, str]] = {}
    for conversation in conversations:
        out[conversation.id] = {
            r.item: r.outcome for card in cards for r in score_conversation(card, conversation, matcher).items
        }
    return out


def agreement(truth: list[str], said: list[str]) -> dict[str, Any]:
    """Catching failures is what QA is for: precision and recall of `fail`, plus raw agreement and kappa."""
    from sklearn.metrics import cohen_kappa_score

    tp = sum(t == s == "fail" for t, s in zip(truth, said, strict=True))
    flagged, failing = said.count("fail"), truth.count("fail")
    kappa = float(cohen_kappa_score(truth, said)) if len(set(truth) | set(said)) > 1 else float("nan")
    return {
        "precision": round(tp / flagged, 3) if flagged else float("nan"),
        "recall": round(tp / failing, 3) if failing else float("nan"),
        "agree": round(sum(t == s for t, s in zip(truth, said, strict=True)) / len(truth), 3),
        "kappa": round(kappa, 3),
    }


def accuracy_rows(conversations: list[Conversation], labels: dict[str, dict[str, str]], embedder: Any) -> list[Any]:
    machine = machine_outcomes(conversations, embedder)
    rows = []
    for item in KEYWORDS:
        ids = [c.id for c in conversations if c.id in labels]
        truth = [labels[cid][item] for cid in ids]
        ours = agreement(truth, [machine[cid].get(item, "na") for cid in ids])
        base = agreement(truth, [keyword_outcome(item, c) for c in conversations if c.id in labels])
        rows.append({"item": item, "labelled": len(truth), "fails": truth.count("fail"),
                     "precision": ours["precision"], "recall": ours["recall"], "agree": ours["agree"],
                     "kappa": ours["kappa"], "kw precision": base["precision"], "kw recall": base["recall"],
                     "kw agree": base["agree"], "kw kappa": base["kappa"]})  # fmt: skip
        print(f"  {item}: kappa {ours['kappa']} (keywords {base['kappa']})", flush=True)
    return rows


def throughput(base: list[Conversation], n: int, embedder: Any) -> dict[str, Any]:
    from insights.quality.score import score_conversation
    from insights.quality.scorecard import load_scorecards
    from insights.quality.semantic import SemanticMatcher

    cards = {c.name: c for c in load_scorecards()}
    convs = scaled(base, n)
    out: dict[str, Any] = {"conversations": n}
    for name, forms in (("rules only", ["service_basics"]), ("rules + timing", ["service_basics", "call_timing"]),
                        ("rules + semantic", ["service_basics", "service_manner"])):  # fmt: skip
        matcher = SemanticMatcher(embedder)
        t0 = time.perf_counter()
        for conversation in convs:
            for form in forms:
                if cards[form].applies_to(conversation.channel):
                    score_conversation(cards[form], conversation, matcher)
        seconds = time.perf_counter() - t0
        out[name] = round(n / seconds, 1)
        print(f"  throughput {name}: {out[name]} conversations/s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 labelled conversations, 200 for throughput")
    args = parser.parse_args()
    from core.ml.embedders import load_embedder

    settings = Settings(_env_file=None, demo_dir=ROOT / "demo")  # type: ignore[call-arg]
    embedder = DiskCachedEmbedder(load_embedder(settings, name=InsightSettings().embedder))
    labels = read_labels()
    every = [c for c in demo_conversations(settings) if c.channel != "work_order"]
    labelled = sample([c for c in every if c.id in labels], 20 if args.quick else None, seed=3)
    rows = accuracy_rows(labelled, labels, embedder)
    # a live embedder for throughput: the disk cache would make semantic items look free
    speed = throughput(every, 200 if args.quick else 2000, load_embedder(settings, name=InsightSettings().embedder))
    report(
        "quality" + ("-quick" if args.quick else ""),
        f"QA items against {sum(r['labelled'] for r in rows)} hand-labelled judgements: ours vs keyword baseline "
        "(precision / recall of fail)",
        rows,
        {"quick": args.quick, "throughput": speed, "labels": str(LABELS.relative_to(ROOT))},
    )


if __name__ == "__main__":
    main()
