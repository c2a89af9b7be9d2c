"""The local LLM: speed of the packaged models, and its labels with no training against today's zero-shot default.

a) Speed, per model and thread count: prompt tokens/s, generated tokens/s (a 100-token generation) and seconds per
   conversation for a short JSON summary of a demo chat.
b) Labels without training on the evaluation sets, side by side in one run: the zero-shot default head, the LLM
   labeler (`LLMLabeler`) on the test sample, and a head distilled from LLM labels of a sample of the TRAIN split
   (no gold labels anywhere in it). Pos-vs-neg sets force the choice between negative and positive: the LLM gets
   those two options only, and the zero-shot head (fitted on the full sentiment taxonomy) answers whichever of the
   two scores higher. Banking77's taxonomy is built from the 77 category names only (as `zero_shot_banking`), and the
   LLM sees the zero-shot head's top 8 of them per text. Each LLM column comes raw and calibrated (the letter
   probabilities divided by the model's answer to content-free texts, `LLMLabeler.calibrated`; the default
   `llm.calibrate_labels`), both from the same forward passes; `train_*` scores the LLM's labels of the train sample
   against its gold labels, which is where the default is chosen (never on the test split).
c) Summary quality: every fifth demo chat (13 conversations, zh and en), summarised by the LLM (as the nightly
   summaries step does: `insights.summaries.write.llm_summary`) and by the extractive fallback, scored against
   summaries written by hand (bench/data/summary_references.yaml, which says who wrote them): ROUGE-L F1 (Chinese by
   character, English by word) on the issue, on the outcome and on the whole summary, and the cosine similarity of
   the whole summary's embedding to the reference's (the insights embedder).

    python bench/llm.py            # the 1.5B, both thread counts (~30 min on 2 cores)
    python bench/llm.py --quick    # the 0.5B, 1 thread, 10 + 10 texts per set, 1 summary (for the test suite)
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, Field

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED, report
from bench.insights import DiskCachedEmbedder, airline, banking77, chinese, sample

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = Path("/tmp/llm/cache")
REFERENCES = ROOT / "bench" / "data" / "summary_references.yaml"
Rows = list[tuple[str, str]]
LABEL_SAMPLE = 200  # settings.llm.label_sample: texts per task labelled each night
NIGHTLY_TASKS = 3
NIGHTLY_CONVERSATIONS = 1000


class Summary(BaseModel):
    issue: str = Field(description="The customer's problem, one sentence.")
    actions: list[str] = Field(max_length=3, description="What the agent did, at most three short items.")
    outcome: str = Field(description="How the conversation ended, one sentence.")
    follow_ups: list[str] = Field(max_length=3, description="Open follow-ups, possibly none.")


def chat_model(name: str, threads: int, max_tokens: int = 400) -> Any:
    from core.ml.llama import LlamaChatModel

    return LlamaChatModel(
        packaged=name, cache_dir=CACHE_DIR, threads=threads, batch_threads=threads, max_tokens=max_tokens
    )


# ---------------------------------------------------------------- a) speed


def demo_chats() -> list[str]:
    by_id: dict[str, list[str]] = {}
    with (ROOT / "demo" / "chats" / "chats.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            by_id.setdefault(r["conversation_id"], []).append(f"{r['speaker']}: {r['text']}")
    return ["\n".join(turns) for turns in by_id.values()]


def speed(name: str, threads: int, chats: Sequence[str], n_summaries: int) -> dict[str, Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    model = chat_model(name, threads)
    t0 = time.perf_counter()
    model.server()
    load_s = time.perf_counter() - t0
    stamp = f"{name} {threads} {time.time()}"  # a prompt no cache has seen
    long_prompt = f"[{stamp}]\n" + "\n\n".join(chats[:3])
    prompt = model.complete([HumanMessage(long_prompt)], max_tokens=1)["timings"]
    gen = model.complete(
        [HumanMessage(f"[{stamp}] Write a long story about a customer-service agent.")],
        max_tokens=100,
        ignore_eos=True,
    )["timings"]
    structured = model.with_structured_output(Summary)
    system = SystemMessage("Summarise the customer-service conversation as JSON. Be brief; keep its language.")
    seconds = []
    failed = 0
    for chat in chats[:n_summaries]:
        t0 = time.perf_counter()
        try:
            structured.invoke([system, HumanMessage(f"Conversation:\n{chat}")])
        except ValueError:  # cut off at max_tokens, or JSON the schema rejects: timed all the same
            failed += 1
        seconds.append(time.perf_counter() - t0)
    out = {
        "model": name,
        "threads": threads,
        "load_s": round(load_s, 2),
        "prompt_tokens": int(prompt["prompt_n"]),
        "prompt_tok_per_s": round(float(prompt["prompt_per_second"]), 1),
        "generated_tokens": int(gen["predicted_n"]),
        "gen_tok_per_s": round(float(gen["predicted_per_second"]), 1),
        "summaries": len(seconds),
        "s_per_conversation": round(float(np.mean(seconds)), 2),
        "summaries_failed": failed,
    }
    print(f"  speed {out}", flush=True)
    return out


# ---------------------------------------------------------------- b) labels with no training


def evaluate(
    name: str,
    taxonomy: Any,
    labeler: Any,
    train: Rows,
    test: Rows,
    zero_shot: Callable[[Sequence[str]], list[str]],
    embedder: Any,
) -> tuple[dict[str, Any], Any]:
    """One set: raw and calibrated LLM labels come from the same forward passes (calibration re-weights them).

    The train split's gold labels never reach the heads; they only score the LLM's train labels (`train_*`), which is
    where the calibration default is chosen (never on the test split)."""
    from insights.classify.classifiers import fit_head_classifier

    texts, truth = [t for t, _ in test], [y for _, y in test]
    train_texts, train_truth = [t for t, _ in train], [y for _, y in train]
    zs = zero_shot(texts)
    t0 = time.perf_counter()
    direct = labeler.label(texts)
    test_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    train_labels = labeler.label(train_texts)
    train_s = time.perf_counter() - t0
    direct_cal, train_cal = labeler.calibrated(direct), labeler.calibrated(train_labels)
    head = fit_head_classifier(taxonomy, train_texts, [p.label for p in train_labels], embedder)
    head_cal = fit_head_classifier(taxonomy, train_texts, [p.label for p in train_cal], embedder)

    def acc(pred: Sequence[str], gold: Sequence[str] = truth) -> float:
        return round(float(np.mean([p == y for p, y in zip(pred, gold, strict=True)])), 4)

    row = {
        "set": name,
        "n_test": len(test),
        "zero_shot_acc": acc(zs),
        "llm_direct_acc": acc([p.label for p in direct]),
        "llm_calibrated_acc": acc([p.label for p in direct_cal]),
        "distilled_acc": acc([p.best for p in head.classify(texts)]),
        "distilled_calibrated_acc": acc([p.best for p in head_cal.classify(texts)]),
        "train_labelled": len(train_texts),
        "train_llm_acc": acc([p.label for p in train_labels], train_truth),
        "train_llm_calibrated_acc": acc([p.label for p in train_cal], train_truth),
        "llm_s_per_text": round((test_s + train_s) / (len(texts) + len(train_texts)), 3),
        "shortlist_recall": float("nan"),  # gold label among the LLM's options (narrowed taxonomies only)
    }
    print(f"  {row}", flush=True)
    return row, head_cal


def label_rows(model: Any, embedder: Any, n_train: int, n_test: int) -> tuple[list[dict[str, Any]], Any]:
    from insights.classify.classifiers import zero_shot_classifier
    from insights.classify.llm_labels import LLMLabeler
    from insights.classify.taxonomy import Taxonomy, load_taxonomy, taxonomy_from_labels

    sentiment = load_taxonomy("sentiment")
    pos_neg = Taxonomy(task="sentiment", labels=[label for label in sentiment.labels if label.name != "neutral"])
    zs_sentiment = zero_shot_classifier(sentiment, embedder)

    def zs_pos_neg(texts: Sequence[str]) -> list[str]:
        preds = zs_sentiment.classify(texts)
        return ["positive" if p.scores["positive"] > p.scores["negative"] else "negative" for p in preds]

    def zs_three(texts: Sequence[str]) -> list[str]:
        return [p.best for p in zs_sentiment.classify(texts)]

    rows: list[dict[str, Any]] = []
    heads: list[Any] = []
    for name, folder, file in (
        ("ChnSentiCorp hotels pos/neg (zh)", "sentiment_chnsenticorp_htl_zh", "ChnSentiCorp_htl_all.csv"),
        ("waimai_10k pos/neg (zh)", "sentiment_waimai10k_zh", "waimai_10k.csv"),
    ):
        train, test = chinese(folder, file)
        row, head = evaluate(
            name,
            pos_neg,
            LLMLabeler(model, pos_neg),
            sample(train, n_train),
            sample(test, n_test),
            zs_pos_neg,
            embedder,
        )
        rows.append(row)
        heads.append(head)

    air_train, air_test = airline()
    two_train = [(t, s) for t, s, _ in air_train if s != "neutral"]
    two_test = [(t, s) for t, s, _ in air_test if s != "neutral"]
    row, _ = evaluate(
        "airline pos/neg (en)",
        pos_neg,
        LLMLabeler(model, pos_neg),
        sample(two_train, n_train),
        sample(two_test, n_test),
        zs_pos_neg,
        embedder,
    )
    rows.append(row)
    row, _ = evaluate(
        "airline 3-way (en)",
        sentiment,
        LLMLabeler(model, sentiment),
        [(t, s) for t, s, _ in sample(air_train, n_train)],
        sample([(t, s) for t, s, _ in air_test], n_test),
        zs_three,
        embedder,
    )
    rows.append(row)

    b_train, b_test = banking77()
    b_test = sample(b_test, n_test)
    intents = taxonomy_from_labels("intent", sorted({y for _, y in b_train}))
    zs_banking = zero_shot_classifier(intents, embedder)
    labeler = LLMLabeler(model, intents, shortlist=zs_banking, k=8)
    options = labeler.options([t for t, _ in b_test])
    recall = np.mean([y in {o.name for o in opts} for opts, (_, y) in zip(options, b_test, strict=True)])
    row, _ = evaluate(
        "Banking77 intent, names only (77; LLM sees top 8)",
        intents,
        labeler,
        sample(b_train, n_train),
        b_test,
        lambda texts: [p.best for p in zs_banking.classify(texts)],
        embedder,
    )
    row["shortlist_recall"] = round(float(recall), 4)
    rows.append(row)
    return rows, heads[1]


# ---------------------------------------------------------------- c) summary quality


def demo_conversations(ids: Sequence[str]) -> list[Any]:
    """The demo chats with these ids as Conversations, their turns masked as ingest stores them."""
    from core.records import Conversation, Turn
    from ingest.masking import mask_text

    rows: dict[str, list[dict[str, str]]] = {}
    with (ROOT / "demo" / "chats" / "chats.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["conversation_id"] in ids:
                rows.setdefault(r["conversation_id"], []).append(r)
    out = []
    for cid in ids:
        first = rows[cid][0]
        turns = [Turn(index=int(r["turn_index"]), speaker=r["speaker"], text=mask_text(r["text"])) for r in rows[cid]]
        out.append(Conversation(id=cid, channel="chat", source_uri="demo/chats/chats.csv", source_sha256="-",
                                language=first["language"], product=first["product"], turns=turns))  # fmt: skip
    return out


def tokens(text: str) -> list[str]:
    """Chinese by character, anything else by lower-cased word: the units ROUGE-L counts."""
    return re.findall(r"[\u4e00-\u9fff]|[a-z0-9]+(?:[.'][a-z0-9]+)*", text.lower())


def rouge_l(candidate: str, reference: str) -> float:
    from rapidfuzz.distance import LCSseq

    cand, ref = tokens(candidate), tokens(reference)
    if not cand or not ref:
        return 0.0
    lcs = LCSseq.similarity(cand, ref)
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 0.0 if lcs == 0 else 2 * precision * recall / (precision + recall)


def whole(summary: dict[str, Any]) -> str:
    """A summary's fields as one text."""
    return " ".join([summary["issue"], *summary["actions"], summary["outcome"], *summary["follow_ups"]])


def mean_rouge(pairs: Sequence[tuple[str, str]]) -> float:
    return round(float(np.mean([rouge_l(candidate, reference) for candidate, reference in pairs])), 4)


def summary_rows(model: Any, model_name: str, embedder: Any, n: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from insights.summaries.write import extractive_summary, llm_summary

    refs: dict[str, dict[str, Any]] = yaml.safe_load(REFERENCES.read_text(encoding="utf-8"))
    conversations = demo_conversations(list(refs)[:n])
    written: dict[str, list[Any]] = {"extractive fallback": [], f"LLM {model_name}": []}
    seconds: list[float] = []
    failed = 0
    for conversation in conversations:
        written["extractive fallback"].append(extractive_summary(conversation))
        t0 = time.perf_counter()
        try:
            written[f"LLM {model_name}"].append(llm_summary(model, conversation, model_name))
        except ValueError:  # the answer did not fit the schema: the nightly step stores the extractive one instead
            failed += 1
            written[f"LLM {model_name}"].append(extractive_summary(conversation))
        seconds.append(time.perf_counter() - t0)
    rows = []
    examples: dict[str, Any] = {}
    reference = [refs[c.id] for c in conversations]
    for name, summaries in written.items():
        fields = [s.model_dump(include={"issue", "actions", "outcome", "follow_ups"}) for s in summaries]
        vectors = embedder.embed([whole(f) for f in fields] + [whole(r) for r in reference])
        a, b = vectors[: len(fields)], vectors[len(fields) :]
        cosine = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        pairs = list(zip(fields, reference, strict=True))
        rows.append({
            "set": f"summaries vs hand-written: {name}",
            "n_test": len(fields),
            "rougeL_issue": mean_rouge([(f["issue"], r["issue"]) for f, r in pairs]),
            "rougeL_outcome": mean_rouge([(f["outcome"], r["outcome"]) for f, r in pairs]),
            "rougeL_whole": mean_rouge([(whole(f), whole(r)) for f, r in pairs]),
            "cosine_whole": round(float(np.mean(cosine)), 4),
        })  # fmt: skip
        examples[name] = {c.id: f for c, f in zip(conversations[:3], fields, strict=False)}
        print(f"  {rows[-1]}", flush=True)
    extra = {
        "references": f"{REFERENCES.relative_to(ROOT)} (hand-written; see its header)",
        "llm_s_per_summary": round(float(np.mean(seconds)), 2),
        "llm_answers_rejected": failed,
        "examples": examples,
    }
    return rows, extra


def head_throughput(head: Any, raw_embedder: Any, texts: Sequence[str]) -> dict[str, Any]:
    head.embedder = raw_embedder  # no disk cache: every text embedded
    t0 = time.perf_counter()
    head.classify(list(texts))
    seconds = time.perf_counter() - t0
    out = {"texts": len(texts), "seconds": round(seconds, 2), "conversations_per_s": round(len(texts) / seconds, 1)}
    print(f"  distilled head throughput {out}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the 0.5B, one thread, 10 + 10 texts per set")
    parser.add_argument("--train", type=int, default=None, help="train texts the LLM labels per set")
    parser.add_argument("--test", type=int, default=None, help="test texts per set")
    args = parser.parse_args()
    quick = args.quick
    label_model = "qwen2.5-0.5b" if quick else "qwen2.5-1.5b"
    label_threads = 1 if quick else 2
    n_train = args.train or (10 if quick else 80)
    n_test = args.test or (10 if quick else 80)
    configs = [("qwen2.5-0.5b", 1)] if quick else [(m, t) for m in ("qwen2.5-0.5b", "qwen2.5-1.5b") for t in (1, 2)]
    print(f"sizes: {n_train} train texts labelled and {n_test} test texts per set; labels by {label_model}, "
          f"{label_threads} thread(s); speed for {configs}", flush=True)  # fmt: skip

    t_start = time.perf_counter()
    chats = demo_chats()
    speeds = [speed(m, t, chats, 1 if quick else 2) for m, t in configs]

    rows: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"quick": quick, "label_model": label_model, "label_threads": label_threads,
                             "n_train": n_train, "n_test": n_test, "speed": speeds}  # fmt: skip
    if SHARED.is_dir():
        from core.settings import Settings
        from insights.classify.build import load_insight_embedder

        raw = load_insight_embedder(Settings(_env_file=None))
        rows, head = label_rows(chat_model(label_model, label_threads), DiskCachedEmbedder(raw), n_train, n_test)
        waimai_train = [t for t, _ in chinese("sentiment_waimai10k_zh", "waimai_10k.csv")[0]]
        n_tp = 200 if quick else 1000
        extra["head_throughput"] = head_throughput(head, raw, sample(waimai_train, n_tp, seed=99))
        extra["embedder"] = raw.name
        n_sum = 1 if quick else len(yaml.safe_load(REFERENCES.read_text(encoding="utf-8")))
        sum_rows, sum_extra = summary_rows(chat_model(label_model, label_threads), label_model, raw, n_sum)
        extra["summaries"] = sum_rows
    else:
        print(f"skipping labels: {SHARED} not found")

    # nightly LLM hours: 2 processes, one thread each, on 2 cores; labels at the labelling run's seconds per text,
    # scaled to one thread by the prompt-speed ratio (labelling is prompt processing, max one generated token)
    by = {(s["model"], s["threads"]): s for s in speeds}
    one = by.get((label_model, 1))
    label_s = float(np.mean([r["llm_s_per_text"] for r in rows if "llm_s_per_text" in r])) if rows else float("nan")
    if one is not None and (label_model, label_threads) in by:
        label_s *= by[(label_model, label_threads)]["prompt_tok_per_s"] / one["prompt_tok_per_s"]
    summary_s = one["s_per_conversation"] if one else float("nan")
    texts = LABEL_SAMPLE * NIGHTLY_TASKS
    hours = (texts * label_s + NIGHTLY_CONVERSATIONS * summary_s) / 2 / 3600
    extra["nightly"] = {"model": label_model, "label_texts": texts, "label_s_per_text_1_thread": round(label_s, 3),
                        "summaries": NIGHTLY_CONVERSATIONS, "summary_s_per_conversation_1_thread": summary_s,
                        "processes": 2, "hours": round(hours, 2)}  # fmt: skip
    extra["seconds"] = round(time.perf_counter() - t_start, 1)

    speed_rows = [
        {"set": f"speed {s['model']} x{s['threads']} thread(s)"} | {k: s[k] for k in list(s)[2:]} for s in speeds
    ]
    report("llm-speed" + ("-quick" if quick else ""), "Local chat model speed (xllamacpp, CPU)", speed_rows)
    title = (
        f"No training on the evaluation sets: zero-shot head vs {label_model} labels vs head distilled from "
        f"{label_model} labels of {n_train} train texts (accuracy on {n_test} test texts)"
    )
    if "summaries" in extra:
        report("llm-summaries" + ("-quick" if quick else ""), "After-contact summaries against hand-written ones",
               extra["summaries"], sum_extra)  # fmt: skip
    report("llm" + ("-quick" if quick else ""), title, rows or speed_rows, extra)
    if "head_throughput" in extra:
        print(f"distilled head: {extra['head_throughput']['conversations_per_s']} texts/s over "
              f"{extra['head_throughput']['texts']} texts (embedding included)")  # fmt: skip
    print(f"nightly estimate: {texts} labels at {label_s:.2f} s + {NIGHTLY_CONVERSATIONS} summaries at "
          f"{summary_s:.2f} s, 2 processes on 2 cores: {hours:.2f} h with {label_model}")  # fmt: skip


if __name__ == "__main__":
    main()
