"""QA (质检) items against hand labels, side by side with a keyword-only baseline; timing against the built audio;
scoring throughput.

Four labelled sets, 8 items of the packaged `service_basics` and `service_manner` forms each:

- **demo, the tuning set** (`bench/data/qa_labels.csv`): 78 demo conversations (62 chats, the 16 first call
  scripts) = 624 judgements, written by hand by the engineer who built the scorer (an AI model working on
  cxloop) before the scorer was first run on them. After that first run (kappa 0.52 / 0.02 / 0.00 / 0.00 on
  empathy / confirms_solution / further_help / no_guarantee) the packaged rules were tuned on this set, so its
  figures are not an estimate of accuracy on new data.
- **public, held out** (`bench/data/qa_labels_public.csv`, how in `qa_labels_public.md`): 48 real dialogues in
  `../shared/data` (the first 45 CrossWOZ test dialogues, zh, travel; the 3 ABCD dialogues, en, retail) = 384
  judgements, written by a separate AI helper that never saw the rules or the scorer's output. Never tuned on.
- **service dev, tuning** (`bench/data/qa_dialogues_dev.yaml`, how in `qa_dialogues_dev.md`): 80 more chats
  (40 zh, 40 en, many domains) written and labelled on 2026-12-05 by a separate AI helper that read only the item
  definitions; the rules, examples, counter-examples and bars were tuned on it.
- **service, held out** (`bench/data/qa_dialogues_test.yaml`, how in `qa_dialogues_test.md`): 80 customer-service
  chats (40 zh, 40 en: after-sales, orders, cards, telecom, airlines), written and labelled on 2026-12-04 by a
  separate AI helper blind to the rules, the scorecards, this script and its output = 640 judgements, with every
  item's minority label at least 13 of 80 and hard cases on purpose (empathy without apology words, apology words
  without empathy, solutions confirmed without 已 / "I have"). Never tuned on. A second AI helper labelled it again
  without the first labels (`qa_dialogues_test_second.csv`): its kappa with the first is a column.

What each item means to the labellers:

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

Timing: the demo calls are built by `demo/tools/make_calls.py`, which writes where each turn's voice is
(`demo/tools/src/call_timeline.yaml`): the truth, to the sample, instead of a hand measurement. Each timing measure
from the transcribed audio (the ingest pipeline's turns) is compared with the same measure on the true turns, for
cxloop's VAD threshold and for faster-whisper's default (0.5) as the baseline.

    python bench/quality.py            # both label sets, 18 calls twice, throughput on 2,000 conversations
    python bench/quality.py --quick    # 20 + 20 conversations, 1 call, 200 for throughput (the test suite)
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
PUBLIC_LABELS = Path(__file__).parent / "data" / "qa_labels_public.csv"
SERVICE_SET = Path(__file__).parent / "data" / "qa_dialogues_test.yaml"
SERVICE_DEV = Path(__file__).parent / "data" / "qa_dialogues_dev.yaml"
SECOND_LABELS = Path(__file__).parent / "data" / "qa_dialogues_test_second.csv"
LABEL_FILES = (LABELS, PUBLIC_LABELS, SERVICE_DEV, SERVICE_SET, SECOND_LABELS)
SHARED = ROOT.parent / "shared" / "data"
TIMELINE = ROOT / "demo" / "tools" / "src" / "call_timeline.yaml"
TIMED = ("longest_silence", "overtalk", "hold", "interruptions", "agent_talk_ratio")  # compared with the truth
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


def read_labels(path: Path = LABELS) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {row.pop("conversation_id"): row for row in csv.DictReader(fh)}


def public_dialogues(ids: set[str]) -> list[Conversation]:
    """The labelled CrossWOZ and ABCD dialogues as conversations (consecutive messages of one speaker = one turn)."""
    import json
    import zipfile

    from core.records import Turn
    from ingest.masking import mask_text

    def conversation(cid: str, language: str, lines: list[tuple[str, str]], source: Path) -> Conversation:
        merged: list[tuple[str, str]] = []
        for speaker, text in lines:
            if merged and merged[-1][0] == speaker:
                merged[-1] = (speaker, f"{merged[-1][1]} {text}")
            else:
                merged.append((speaker, text))
        turns = [Turn(index=i, speaker=sp, text=mask_text(t)) for i, (sp, t) in enumerate(merged)]  # type: ignore[arg-type]
        return Conversation(id=cid, channel="chat", source_uri=str(source), source_sha256="0" * 64,
                            language=language, turns=turns)  # fmt: skip

    out = []
    woz = SHARED / "dialogues_crosswoz_zh" / "test.json.zip"
    with zipfile.ZipFile(woz) as z:
        dialogues = json.loads(z.read(z.namelist()[0]))
    roles = {"usr": "customer", "sys": "agent"}
    for key, d in dialogues.items():
        if f"crosswoz:{key}" in ids:
            lines = [(roles[m["role"]], m["content"]) for m in d["messages"]]
            out.append(conversation(f"crosswoz:{key}", "zh", lines, woz))
    abcd = SHARED / "dialogues_abcd_en" / "abcd_sample.json"
    for d in json.loads(abcd.read_text(encoding="utf-8")):
        if f"abcd:{d['convo_id']}" in ids:
            lines = [(sp, text) for sp, text in d["original"] if sp in ("agent", "customer")]
            out.append(conversation(f"abcd:{d['convo_id']}", "en", lines, abcd))
    return sorted(out, key=lambda c: c.id)


def service_dialogues(path: Path = SERVICE_SET) -> tuple[list[Conversation], dict[str, dict[str, str]]]:
    """The hand-written service chats as conversations, with their labels."""
    import yaml

    from core.records import Turn
    from ingest.masking import mask_text

    conversations, labels = [], {}
    for d in yaml.safe_load(path.read_text(encoding="utf-8")):
        turns = [Turn(index=i, speaker=sp, text=mask_text(t)) for i, (sp, t) in enumerate(d["turns"])]
        conversations.append(Conversation(id=d["id"], channel="chat", source_uri=str(path), source_sha256="0" * 64,
                                          language=d["language"], turns=turns))  # fmt: skip
        labels[d["id"]] = {item: str(outcome) for item, outcome in d["labels"].items()}
    return conversations, labels


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


def accuracy_rows(
    name: str,
    conversations: list[Conversation],
    labels: dict[str, dict[str, str]],
    embedder: Any,
    second: dict[str, dict[str, str]] | None = None,
) -> list[Any]:
    """Per item: ours and the keyword baseline against the labels; with `second`, a second labeller against the
    first too (how far people agree: the ceiling a machine can be measured to)."""
    machine = machine_outcomes(conversations, embedder)
    rows = []
    for item in KEYWORDS:
        ids = [c.id for c in conversations if c.id in labels]
        truth = [labels[cid][item] for cid in ids]
        ours = agreement(truth, [machine[cid].get(item, "na") for cid in ids])
        base = agreement(truth, [keyword_outcome(item, c) for c in conversations if c.id in labels])
        rows.append({"set": name, "item": item, "labelled": len(truth), "fails": truth.count("fail"),
                     "precision": ours["precision"], "recall": ours["recall"], "agree": ours["agree"],
                     "kappa": ours["kappa"], "kw precision": base["precision"], "kw recall": base["recall"],
                     "kw agree": base["agree"], "kw kappa": base["kappa"]})  # fmt: skip
        rows[-1]["2nd labeller kappa"] = agreement(truth, [second[c][item] for c in ids])["kappa"] if second else None
        print(f"  {name} {item}: kappa {ours['kappa']} (keywords {base['kappa']})", flush=True)
    return rows


def timing_rows(settings: Settings, calls: list[str]) -> list[dict[str, Any]]:
    """Each timing measure from the transcribed call against the same measure on the true turn times."""
    import yaml

    from core.ml.asr import load_transcriber
    from core.records import Turn
    from ingest.calls import decode, transcribe_turns
    from insights.quality.timing import measure

    truth = yaml.safe_load(TIMELINE.read_text(encoding="utf-8"))["calls"]
    transcriber: Any = load_transcriber(settings)
    ours_threshold = settings.models.asr_vad_threshold
    rows = []
    for cid in calls:
        true_turns = [Turn(index=t["turn"], speaker=t["speaker"], text="·", start_s=t["start_s"], end_s=t["end_s"])
                      for t in truth[cid]]  # fmt: skip
        audio = decode(ROOT / "demo" / "calls" / f"{cid}.ogg")
        found: dict[str, dict[str, float | None]] = {}
        for who, threshold in (("cxloop", ours_threshold), ("baseline", 0.5)):
            transcriber.vad_threshold = threshold
            turns, _ = transcribe_turns(audio, transcriber, left_role="agent", language=None)
            found[who] = {m: getattr(measure(m, turns), "value", None) for m in TIMED}
        transcriber.vad_threshold = ours_threshold
        for m in TIMED:
            real = getattr(measure(m, true_turns), "value", None)
            ours, base = found["cxloop"][m], found["baseline"][m]
            rows.append({"call": cid, "measure": m, "truth": _round(real), "cxloop": _round(ours),
                         "cxloop error": _err(ours, real), "baseline (VAD 0.5)": _round(base),
                         "baseline error": _err(base, real)})  # fmt: skip
        print(f"  timing {cid}: " + ", ".join(f"{r['measure']} {r['cxloop error']}" for r in rows[-len(TIMED) :]))
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _err(found: float | None, real: float | None) -> float | None:
    return None if found is None or real is None else round(abs(found - real), 2)


def timing_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of (call, measure) within 0.5 s (seconds measures), exact (interruptions), within 0.05 (talk ratio)."""
    tolerance = {"longest_silence": 0.5, "overtalk": 0.5, "hold": 0.5, "interruptions": 0.0, "agent_talk_ratio": 0.05}
    out: dict[str, Any] = {}
    for who, column in (("cxloop", "cxloop error"), ("baseline", "baseline error")):
        for m, tol in tolerance.items():
            errs = [r[column] for r in rows if r["measure"] == m]
            ok = sum(e is not None and e <= tol for e in errs)
            out[f"{who} {m} within {tol}"] = f"{ok}/{len(errs)}"
    return out


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
    parser.add_argument("--quick", action="store_true", help="20 + 20 labelled conversations, 1 call, 200 for speed")
    args = parser.parse_args()
    import yaml

    from core.ml.embedders import load_embedder

    settings = Settings(_env_file=None, demo_dir=ROOT / "demo")  # type: ignore[call-arg]
    embedder = DiskCachedEmbedder(load_embedder(settings, name=InsightSettings().embedder))
    n = 20 if args.quick else None
    labels = read_labels()
    every = [c for c in demo_conversations(settings) if c.channel != "work_order"]
    rows = accuracy_rows("demo (tuning)", sample([c for c in every if c.id in labels], n, seed=3), labels, embedder)
    if SHARED.is_dir():
        public = read_labels(PUBLIC_LABELS)
        held_out = sample(public_dialogues(set(public)), n, seed=3)
        rows += accuracy_rows("public (held out)", held_out, public, embedder)
    dev, dev_labels = service_dialogues(SERVICE_DEV)
    rows += accuracy_rows("service dev (tuning)", sample(dev, n, seed=3), dev_labels, embedder)
    service, service_labels = service_dialogues()
    second = read_labels(SECOND_LABELS)
    rows += accuracy_rows("service (held out)", sample(service, n, seed=3), service_labels, embedder, second)
    calls = sorted(yaml.safe_load(TIMELINE.read_text(encoding="utf-8"))["calls"])
    timing = timing_rows(settings, ["CALL-0018"] if args.quick else calls)
    # a live embedder for throughput: the disk cache would make semantic items look free
    speed = throughput(every, 200 if args.quick else 2000, load_embedder(settings, name=InsightSettings().embedder))
    if not args.quick:
        speed |= llm_throughput(settings, every[:4])
    report(
        "quality" + ("-quick" if args.quick else ""),
        f"QA items against {sum(r['labelled'] for r in rows)} hand-labelled judgements: ours vs keyword baseline "
        "(precision / recall of fail)",
        rows,
        {
            "quick": args.quick,
            "throughput": speed,
            "timing": timing,
            "timing_summary": timing_summary(timing),
            "labels": [str(p.relative_to(ROOT)) for p in LABEL_FILES],
        },
    )
    title = "Timing measures: transcribed call vs the built audio's true turn times (cxloop VAD vs default 0.5)"
    report("quality-timing" + ("-quick" if args.quick else ""), title, timing, timing_summary(timing))


def llm_throughput(settings: Settings, conversations: list[Conversation]) -> dict[str, Any]:
    """Question items (the example form, 2 questions) answered by the packaged local model: seconds a conversation."""
    from core.ml.chat import load_chat_model
    from insights.quality.questions import ask
    from insights.quality.scorecard import DEFAULT_DIR, load_scorecards

    [card] = load_scorecards(DEFAULT_DIR / "examples")
    chat = load_chat_model(settings)
    if chat is None:
        return {"rules + LLM questions": "no chat model"}
    ask(chat, card.items[0], conversations[0])  # load the model outside the timing
    t0 = time.perf_counter()
    failed = 0
    for conversation in conversations:
        for item in card.items:
            try:
                ask(chat, item, conversation)
            except Exception:
                failed += 1
    seconds = time.perf_counter() - t0
    per = seconds / len(conversations)
    print(f"  LLM questions: {per:.1f} s a conversation ({failed} failed)", flush=True)
    return {"rules + LLM questions": round(1 / per, 3), "llm_seconds_per_conversation": round(per, 1),
            "llm_failed": failed, "llm_model": settings.llm.local_model}  # fmt: skip


if __name__ == "__main__":
    main()
