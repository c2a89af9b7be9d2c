"""Knowledge-base benchmark: retrieval quality, answer recall, abstention and /v1/assist latency.

- Quality on ../shared/data/retrieval_xquad_en_zh: hit@1, hit@5 and MRR (passage level) for BM25 alone, dense alone,
  hybrid (score fusion plus the best-sentence re-rank, the default) and hybrid with reciprocal-rank fusion, in
  English, Chinese and cross-language (zh questions over en passages, and the reverse).
- Answer recall: share of questions whose extractive answer (at most 200 characters) contains a gold answer, against
  the single best BM25 sentence over all sentences of the same passages.
- Abstention: each question asked again with its gold passage removed (excluded by filter, see README); share of
  those that abstain, and share of the answerable ones answered.
- The demo's planted questions (demo/expected.yaml, `--demo-only`): demo/docs indexed (timed), each answerable
  question asked for the words its answer should contain, each gap question for an abstention.
- Latency: `/v1/assist` and `/v1/knowledge/search` (retrieval alone) served by uvicorn on loopback with the XQuAD
  passages plus filler chunks up to 50,000, at 1, 8 and 32 concurrent clients, with questions the server has not
  seen (plus one run of repeated questions, which the query-vector cache answers). Baseline: one process embedding
  one question at a time; then the `--servers` shapes (default: `cxloop serve` as shipped, one process embedding
  two questions at once, and two worker processes), side by side in the same run.

Splits: a question is in the validation split when `qid_fold(qid) == 0` (md5 of the id, about one in five). Only the
validation split is used to fit the abstention calibration (`--calibrate`) and to try settings; every number in the
tables is on the other four fifths (test).

    python bench/assist.py              # everything (passage and query embeddings are cached under bench/results)
    python bench/assist.py --calibrate  # refit the abstention calibration on the validation split first
    python bench/assist.py --quick      # 12 passages per language, 1,000 chunks for latency (the test suite)
    python bench/assist.py --demo-only  # the demo's planted questions alone
    python bench/assist.py --latency-only --servers 1x2,2x1   # latency alone: baseline 1x1, then 1x2 and 2x1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, SHARED, report
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
XQUAD = SHARED / "retrieval_xquad_en_zh"
CACHE = RESULTS / "cache"
LANGS = ("en", "zh")
PAIRS = (("en", "en", "en"), ("zh", "zh", "zh"), ("zh→en", "zh", "en"), ("en→zh", "en", "zh"))


# ---------------------------------------------------------------- data and cached embeddings


def load_xquad(quick: bool) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    passages = {lang: _jsonl(XQUAD / f"passages.{lang}.jsonl") for lang in LANGS}
    queries = {lang: _jsonl(XQUAD / f"queries.{lang}.jsonl") for lang in LANGS}
    if quick:
        keep = {p["pid"] for p in passages["en"][:12]}
        passages = {lang: [p for p in ps if p["pid"] in keep] for lang, ps in passages.items()}
        queries = {lang: [q for q in qs if q["gold_pid"] in keep] for lang, qs in queries.items()}
    return passages, queries


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def embed_cached(embedder: Any, texts: list[str], kind: str) -> np.ndarray:
    """Embeddings are the slow part on 2 cores: compute each text list once and keep it under bench/results/cache."""
    key = hashlib.sha256(("\x00".join(texts) + kind).encode()).hexdigest()[:16]
    path = CACHE / f"assist-{embedder.name}-{kind}-{len(texts)}-{key}.npy"
    if path.exists():
        return np.load(path)
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    parts = [embedder.embed(texts[i : i + 32], kind=kind) for i in range(0, len(texts), 32)]
    vectors = np.vstack(parts).astype(np.float32)
    np.save(path, vectors)
    print(f"embedded {len(texts)} {kind} texts in {time.perf_counter() - started:.0f} s (cached)")
    return vectors


# ---------------------------------------------------------------- building indexes


def _settings(data_dir: Path) -> Settings:
    s = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    s.ensure_dirs()
    return s


def xquad_documents(passages: dict[str, list[dict[str, Any]]]) -> list[Any]:
    from knowledge.documents import Block, SourceDocument

    docs = []
    for lang, rows in passages.items():
        for p in rows:
            docs.append(
                SourceDocument(
                    source=f"xquad:{lang}:{p['pid']}",
                    title=p["title"].replace("_", " "),
                    blocks=[Block("text", p["text"])],
                    content_hash=hashlib.sha256(p["text"].encode()).hexdigest(),
                    language=lang,
                )
            )
    return docs


def write_documents(store: Any, docs: list[Any], embedder: Any) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Chunk and store the documents with cached vectors (chunks and their sentences); returns each document's mean
    vector and every sentence's vector (for fillers).

    Each passage is a document, chunked by the product's chunker (a long passage becomes several chunks)."""
    from knowledge.chunking import chunk_document
    from knowledge.store import indexed_text
    from knowledge.text import split_sentences

    drafts = [chunk_document(d) for d in docs]
    texts = [indexed_text(d.title, c.section_path, c.text) for d, cs in zip(docs, drafts, strict=True) for c in cs]
    vectors = embed_cached(embedder, texts, "passage")
    sentences = sorted({s for cs in drafts for c in cs for s in split_sentences(c.text)})
    sentence_vector = dict(zip(sentences, embed_cached(embedder, sentences, "passage"), strict=True))
    means: dict[str, np.ndarray] = {}
    at = 0
    for doc, chunks in zip(docs, drafts, strict=True):
        part = vectors[at : at + len(chunks)]
        at += len(chunks)
        per_chunk = [
            np.array([sentence_vector[s] for s in split_sentences(c.text)], dtype=np.float32).reshape(-1, embedder.dim)
            for c in chunks
        ]
        store.write(doc, chunks, fingerprint=doc.content_hash, vectors=part, sentence_vectors=per_chunk, new=True)
        means[doc.source] = part.mean(axis=0)
    return means, sentence_vector


def open_kb(settings: Settings, embedder: Any) -> tuple[Any, Any]:
    from knowledge.assist import build_assistant
    from knowledge.corpus import CorpusCache
    from knowledge.index import open_store

    store = open_store(settings, embedder=embedder)
    cache = CorpusCache(store.sessions, ttl_s=3600)
    return store, build_assistant(store.sessions, store.index, embedder, corpus_cache=cache)


# ---------------------------------------------------------------- quality


def ranked_pids(hits: list[Any]) -> list[str]:
    out: list[str] = []
    for h in hits:
        pid = h.chunk.source.rsplit(":", 1)[-1]
        if pid not in out:
            out.append(pid)
    return out


def rank_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "hit@1": sum(1 for r in ranks if r == 0) / n,
        "hit@5": sum(1 for r in ranks if r is not None and r < 5) / n,
        "mrr": sum(1.0 / (r + 1) for r in ranks if r is not None) / n,
    }


def retrieval_quality(
    assistant: Any, queries: dict[str, list[dict[str, Any]]], qvec: dict[str, np.ndarray], split: int
) -> list[dict[str, Any]]:
    from knowledge.calibration import qid_fold
    from knowledge.corpus import Filters
    from knowledge.retrieval import fuse

    hybrid = assistant.retriever
    rows = []
    for name, qlang, plang in PAIRS:
        filters = Filters(language=plang)
        ranks: dict[str, list[int | None]] = {"bm25": [], "dense": [], "hybrid": [], "hybrid-rrf": []}
        for q, v in zip(queries[qlang], qvec[qlang], strict=True):
            if (qid_fold(q["qid"]) == 0) != (split == 0):
                continue
            lexical = hybrid.lexical.retrieve(q["question"], k=30, filters=filters)
            dense = hybrid.dense.retrieve_vector(v, k=30, filters=filters)
            results = {
                "bm25": lexical,
                "dense": dense,
                "hybrid": hybrid.search(q["question"], k=30, filters=filters, vector=v).hits,
                "hybrid-rrf": fuse(lexical, dense, k=30),
            }
            for method, hits in results.items():
                pids = ranked_pids(hits)
                ranks[method].append(pids.index(q["gold_pid"]) if q["gold_pid"] in pids else None)
        for method, r in ranks.items():
            rows.append({"setting": name, "method": method, **rank_metrics(r), "questions": len(r)})
    return rows


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def answers_and_abstention(
    assistant: Any, queries: dict[str, list[dict[str, Any]]], qvec: dict[str, np.ndarray], split: int
) -> tuple[list[dict[str, Any]], dict[str, list[list[float]]]]:
    """Answer recall against the BM25-sentence baseline, and the abstention features of both question sets."""
    import bm25s

    from knowledge import extractive
    from knowledge.assist import assess
    from knowledge.calibration import qid_fold
    from knowledge.corpus import Filters
    from knowledge.text import split_sentences, tokenize

    corpus = assistant.corpus()
    calibration = assistant.calibration
    rows: list[dict[str, Any]] = []
    feats: dict[str, list[list[float]]] = {"answerable": [], "unanswerable": []}
    for name, qlang, plang in PAIRS:
        sentences = [s for c in corpus.chunks if c.language == plang for s in split_sentences(c.text)]
        baseline = bm25s.BM25()
        baseline.index([tokenize(s) for s in sentences], show_progress=False)
        got = base = answered = abstained = n = 0
        for q, v in zip(queries[qlang], qvec[qlang], strict=True):
            if (qid_fold(q["qid"]) == 0) != (split == 0):
                continue
            n += 1
            gold = [_norm(a) for a in q["answers"]]
            gold_doc = next(c.document_id for c in corpus.chunks if c.source == f"xquad:{plang}:{q['gold_pid']}")
            retrieval = assistant.retriever.search(q["question"], k=4, filters=Filters(language=plang), vector=v)
            found = assess(corpus, retrieval)
            answer = " ".join(e.text for e in extractive.select(found.evidence, found.weights, max_chars=200))
            got += any(g in _norm(answer) for g in gold)
            terms = [t for t in tokenize(q["question"]) if t in baseline.vocab_dict]
            if terms:
                best = sentences[int(np.argmax(baseline.get_scores(terms)))][:200]
                base += any(g in _norm(best) for g in gold)
            removed = assistant.retriever.search(
                q["question"], k=4, filters=Filters(language=plang, exclude_documents=frozenset({gold_doc})), vector=v
            )
            gone = assess(corpus, removed)
            if qlang == plang:
                feats["answerable"].append(found.features)
                feats["unanswerable"].append(gone.features)
            answered += not calibration.abstain(calibration.confidence(found.features))
            abstained += calibration.abstain(calibration.confidence(gone.features))
        rows.append(
            {
                "setting": name,
                "answer_recall": got / max(n, 1),
                "bm25_sentence_recall": base / max(n, 1),
                "answerable_answered": answered / max(n, 1),
                "unanswerable_abstained": abstained / max(n, 1),
                "questions": n,
            }
        )
    return rows, feats


# ---------------------------------------------------------------- latency


def build_latency_store(embedder: Any, passages: dict[str, list[dict[str, Any]]], target: int, quick: bool) -> Path:
    """XQuAD passages plus filler chunks up to `target`. Filler text is real XQuAD sentences re-mixed (3 from
    different passages per chunk, 25 chunks per document); its vector is the normalised mean of those passages'
    real embeddings plus noise, so 50,000 chunks need no 50,000 model calls (about 10 minutes here)."""
    from knowledge.chunking import ChunkDraft
    from knowledge.documents import Block, SourceDocument
    from knowledge.index import open_store
    from knowledge.text import split_sentences

    docs = xquad_documents(passages)
    key = hashlib.sha256("".join(d.content_hash for d in docs).encode()).hexdigest()[:10]
    folder = CACHE / f"assist-latency-{embedder.name}-{target}-{key}-sv"  # -sv: chunks carry sentence vectors
    if (folder / "ready").exists():
        return folder
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    settings = _settings(folder)
    store = open_store(settings, embedder=embedder)
    started = time.perf_counter()
    means, sentence_vector = write_documents(store, docs, embedder)
    with store.sessions() as session:
        from knowledge.corpus import corpus_signature

        total = corpus_signature(session)[0]
    rng = np.random.default_rng(7)
    pools = {lang: [(d.source, split_sentences(d.text)) for d in docs if d.language == lang] for lang in LANGS}
    n_doc = 0
    while total < target:
        lang = LANGS[n_doc % 2]
        pool = pools[lang]
        drafts, vectors, sentence_vectors = [], [], []
        for ordinal in range(min(25, target - total)):
            picks = rng.choice(len(pool), size=3, replace=False)
            text = ("" if lang == "zh" else " ").join(pool[i][1][rng.integers(len(pool[i][1]))] for i in picks)
            drafts.append(ChunkDraft(ordinal=ordinal, section_path=f"part {ordinal}", text=text))
            v = np.mean([means[pool[i][0]] for i in picks], axis=0) + rng.normal(0, 0.05, embedder.dim)
            vectors.append(v / np.linalg.norm(v))
            # its sentences are real XQuAD sentences, with their real vectors (the chunk's own vector stands in for
            # one the sentence splitter cut differently after joining)
            sentence_vectors.append(
                np.array([sentence_vector.get(s, vectors[-1]) for s in split_sentences(text)], dtype=np.float32)
            )
        doc = SourceDocument(
            source=f"filler:{n_doc}",
            title=f"Filler document {n_doc}",
            blocks=[Block("text", d.text) for d in drafts],
            content_hash=f"filler{n_doc}",
            product="filler",
            language=lang,
        )
        total += store.write(
            doc,
            drafts,
            fingerprint=doc.content_hash,
            vectors=np.array(vectors, dtype=np.float32),
            sentence_vectors=sentence_vectors,
            new=True,
        )
        n_doc += 1
        if n_doc % 200 == 0:
            print(f"  {total} chunks ({time.perf_counter() - started:.0f} s)")
    (folder / "ready").write_text(json.dumps({"chunks": total, "seconds": round(time.perf_counter() - started)}))
    print(f"latency store: {total} chunks in {time.perf_counter() - started:.0f} s")
    return folder


def serve(folder: Path, workers: int = 1, query_threads: int = 2) -> tuple[subprocess.Popen[bytes], str, str, Path]:
    from core.db import engine_for, migrate, session_factory, transaction
    from core.keys import create_key
    from tests.conftest import free_port

    settings = _settings(folder)
    engine = engine_for(settings)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        key = create_key(session, role="agent", name="bench").secret
    engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXLOOP_")}
    env["CXLOOP_API__QUERY_THREADS"] = str(query_threads)
    server_log = Path(tempfile.mkstemp(prefix="cxloop-bench-serve-", suffix=".log")[1])
    command = [sys.executable, "-m", "cli.main", "serve", "--data-dir", str(folder), "--port", str(port)]
    with server_log.open("wb") as err:
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # uvicorn's access log
            stderr=err,
        )
    return proc, f"http://127.0.0.1:{port}", key, server_log


def wait_until_up(proc: subprocess.Popen[bytes], url: str, key: str, server_log: Path, workers: int) -> float:
    """Seconds until every worker has loaded the index (uvicorn logs one 'startup complete' per worker) and a
    question is answered."""
    import httpx

    started = time.time()
    deadline = started + 900
    while True:
        if server_log.read_text(errors="replace").count("Application startup complete") >= workers:
            try:
                r = httpx.post(f"{url}/v1/assist", json={"question": "warm up"}, headers={"X-API-Key": key}, timeout=60)
                if r.status_code == 200:
                    return time.time() - started
            except httpx.TransportError:
                pass
        if time.time() > deadline or proc.poll() is not None:
            raise RuntimeError(f"the API did not come up; its log: {server_log}")
        time.sleep(0.5)


def server_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by the server and its worker processes; None off Linux. Unlike
    latency, CPU per request hardly depends on what else the machine is running."""
    proc = Path("/proc")
    if not (proc / str(pid) / "stat").exists():
        return None
    total = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # the server itself, or one of its children
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load(url: str, key: str, path: str, bodies: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    import httpx

    def worker(part: list[dict[str, Any]]) -> list[float]:
        times = []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            for body in part:
                t0 = time.perf_counter()
                r = http.post(path, json=body)
                times.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
        return times

    parts = [bodies[i::clients] for i in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = [t for ts in pool.map(worker, parts) for t in ts]
    wall = time.perf_counter() - started
    return {
        "p50_ms": float(np.percentile(times, 50)),
        "p95_ms": float(np.percentile(times, 95)),
        "p99_ms": float(np.percentile(times, 99)),
        "rps": len(times) / wall,
        "requests": len(times),
    }


def latency(
    folder: Path, queries: dict[str, list[dict[str, Any]]], quick: bool, workers: int = 1, query_threads: int = 2
) -> list[dict[str, Any]]:
    """One server with `workers` processes, each embedding up to `query_threads` questions at once. Every run asks
    questions it has not asked before (the server keeps recent query vectors), except the 'repeated' run, which
    draws from 50 questions (agents repeat themselves)."""
    questions = [q["question"] for pair in zip(queries["en"], queries["zh"], strict=False) for q in pair]
    proc, url, key, server_log = serve(folder, workers, query_threads)
    rows = []
    try:
        up_s = wait_until_up(proc, url, key, server_log, workers)
        print(f"  {workers} worker(s) x {query_threads} question thread(s) up in {up_s:.0f} s")
        per_client = 3 if quick else 25
        fresh = iter(range(10**9))
        levels = (1, 8) if quick else (1, 8, 32)  # --quick keeps every path, not every load level
        runs: list[tuple[str, str, int, Any]] = [("/v1/assist", "new", c, lambda q: {"question": q}) for c in levels]
        runs.append(("/v1/assist", "repeated", 8, lambda q: {"question": q}))
        runs += [("/v1/knowledge/search", "new", c, lambda q: {"query": q, "k": 5}) for c in levels]
        for path, questions_kind, clients, make in runs:
            n = per_client * clients if clients > 1 else (10 if quick else 100)
            if questions_kind == "new":
                picks = [questions[next(fresh) % len(questions)] for _ in range(n)]
            else:
                picks = [questions[i % 50] for i in range(n)]
            load_before = round(os.getloadavg()[0], 2)
            cpu_before = server_cpu_s(proc.pid)
            row = load(url, key, path, [make(q) for q in picks], clients)
            cpu_after = server_cpu_s(proc.pid)
            if cpu_before is not None and cpu_after is not None:
                row["cpu_ms_per_request"] = (cpu_after - cpu_before) * 1000 / n
            rows.append(
                {
                    "workers": workers,
                    "query_threads": query_threads,
                    "endpoint": path,
                    "questions": questions_kind,
                    "clients": clients,
                    **row,
                    "load_1min": load_before,
                }
            )
            print(f"  {rows[-1]}")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        server_log.unlink(missing_ok=True)
    return rows


# ---------------------------------------------------------------- the demo's own questions


def demo_questions(embedder: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Index demo/docs (timed) and ask the questions demo/expected.yaml plants: answerable ones with the words the
    answer should contain, and gaps the documents cannot answer."""
    import yaml

    from core.db import migrate
    from core.runtime import Runtime
    from knowledge.assist import assistant_for
    from knowledge.index import index_folder

    settings = _settings(Path(tempfile.mkdtemp(prefix="cxloop-bench-assist-demo-")))
    started = time.perf_counter()
    indexed = index_folder(settings, ROOT / "demo" / "docs", embedder=embedder)
    index_s = time.perf_counter() - started
    runtime = Runtime(settings, embedder=embedder)
    migrate(runtime.engine)
    assistant = assistant_for(runtime, use_llm=False)
    planted = yaml.safe_load((ROOT / "demo" / "expected.yaml").read_text(encoding="utf-8"))["knowledge"]
    rows = []
    for kind, items in (("answerable", planted["answerable"]), ("gap", planted["gaps"])):
        for item in items:
            result = assistant.ask(item["question"])
            expected = item.get("answer")
            rows.append(
                {
                    "kind": kind,
                    "language": item["language"],
                    "question": item["question"],
                    "abstained": result.abstained,
                    "has_expected_words": bool(expected) and _norm(expected) in _norm(result.answer),
                    "confidence": round(result.confidence, 3),
                    "answer": result.answer[:120],
                }
            )
    extra = {"documents": indexed.added, "chunks": indexed.chunks_written, "index_seconds": round(index_s, 1)}
    return rows, extra


# ---------------------------------------------------------------- calibration


def write_calibration(name: str, feats: dict[str, list[list[float]]]) -> None:
    from knowledge.calibration import fit_calibration

    n = len(feats["answerable"])
    fitted_on = f"XQuAD en+zh validation split (qid_fold == 0): {n} answerable, {n} with gold removed"
    dense = fit_calibration(name, feats["answerable"], feats["unanswerable"], fitted_on=fitted_on)
    lexical = fit_calibration(
        "lexical-only", feats["answerable"], feats["unanswerable"], fitted_on=fitted_on, lexical_only=True
    )
    entries = {name: dense.as_dict(), "*": lexical.as_dict()}
    path = ROOT / "knowledge" / "calibration_data.py"
    text = (
        '"""Fitted abstention calibrations, written by `python bench/assist.py --calibrate` (validation split only)."""'
        "\n\nfrom __future__ import annotations\n\nfrom typing import Any\n\n"
        f"CALIBRATIONS: dict[str, dict[str, Any]] = {json.dumps(entries, indent=4, ensure_ascii=False)}\n"
    )
    path.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", str(path)], cwd=ROOT, check=False, capture_output=True)
    print(f"calibration written to {path}: {dense.as_dict()}")


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (the test suite runs this)")
    parser.add_argument("--calibrate", action="store_true", help="refit abstention on the validation split first")
    parser.add_argument("--validation", action="store_true", help="report on the validation split (for tuning)")
    parser.add_argument("--chunks", type=int, default=None, help="chunks in the latency index (default 50,000)")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--latency-only", action="store_true", help="only the latency table")
    parser.add_argument("--demo-only", action="store_true", help="only the demo's planted questions")
    parser.add_argument(
        "--servers",
        type=lambda v: [tuple(int(n) for n in x.split("x")) for x in v.split(",")],
        default=[(1, 2), (2, 1)],
        help="server shapes WORKERSxQUESTION_THREADS to measure after the baseline 1x1 (one process embedding one "
        "question at a time), comma-separated; default 1x2,2x1 (the default serve on 2 cores, then 2 workers)",
    )
    args = parser.parse_args()
    if not XQUAD.is_dir():
        print(f"evaluation data not found at {XQUAD}; nothing to measure")
        report("assist-skipped" + ("-quick" if args.quick else ""), "assist: no data", [{"skipped": "no data"}])
        return
    from core.ml.embedders import load_embedder

    suffix = "-quick" if args.quick else ""
    split = 0 if args.validation else 1
    passages, queries = load_xquad(args.quick)
    settings = _settings(Path(tempfile.mkdtemp(prefix="cxloop-bench-assist-")))
    embedder = load_embedder(settings)
    qvec = {lang: embed_cached(embedder, [q["question"] for q in queries[lang]], "query") for lang in LANGS}
    store, assistant = open_kb(settings, embedder)
    write_documents(store, xquad_documents(passages), embedder)

    if args.calibrate and not args.quick:
        _, feats = answers_and_abstention(assistant, queries, qvec, split=0)
        write_calibration(embedder.name, feats)
        import importlib

        import knowledge.calibration
        import knowledge.calibration_data

        importlib.reload(knowledge.calibration_data)
        importlib.reload(knowledge.calibration)
        assistant.calibration = knowledge.calibration.load_calibration(embedder.name)

    split_name = "validation" if split == 0 else "test"
    if args.demo_only:
        report_demo(embedder, suffix)
        return
    if args.latency_only:
        folder = build_latency_store(embedder, passages, args.chunks or (1000 if args.quick else 50000), args.quick)
        report_latency(folder, queries, args, suffix)
        return
    started = time.perf_counter()
    quality = retrieval_quality(assistant, queries, qvec, split)
    report(
        f"assist-retrieval{suffix}",
        f"XQuAD passage retrieval ({split_name} split, {embedder.name}, {len(passages['en'])} passages per language)",
        quality,
        {"split": split_name, "embedder": embedder.name, "seconds": round(time.perf_counter() - started, 1)},
    )
    answers, _ = answers_and_abstention(assistant, queries, qvec, split)
    report(
        f"assist-answers{suffix}",
        f"Extractive answers (<= 200 chars) and abstention ({split_name} split)",
        answers,
        {"split": split_name, "calibration": assistant.calibration.as_dict()},
    )
    report_demo(embedder, suffix)
    if not args.no_latency:
        folder = build_latency_store(embedder, passages, args.chunks or (1000 if args.quick else 50000), args.quick)
        report_latency(folder, queries, args, suffix)


def report_demo(embedder: Any, suffix: str) -> None:
    rows, extra = demo_questions(embedder)
    answerable = [r for r in rows if r["kind"] == "answerable"]
    gaps = [r for r in rows if r["kind"] == "gap"]
    extra["summary"] = {
        "answerable_answered": sum(not r["abstained"] for r in answerable),
        "answerable_with_expected_words": sum(r["has_expected_words"] and not r["abstained"] for r in answerable),
        "answerable": len(answerable),
        "gaps_abstained": sum(r["abstained"] for r in gaps),
        "gaps": len(gaps),
    }
    report(
        f"assist-demo{suffix}",
        f"The demo's planted questions ({extra['chunks']} chunks indexed in {extra['index_seconds']} s): "
        f"{extra['summary']}",
        rows,
        extra,
    )


def report_latency(folder: Path, queries: dict[str, list[dict[str, Any]]], args: Any, suffix: str) -> None:
    """The baseline (one process, one question embedded at a time) first, then each other shape, in the same run."""
    target = args.chunks or (1000 if args.quick else 50000)
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    for workers, query_threads in dict.fromkeys([(1, 1), *args.servers]):
        rows += latency(folder, queries, args.quick, workers, query_threads)
    report(
        f"assist-latency{suffix}",
        f"Latency over uvicorn on loopback, {target:,} chunks, extractive (no LLM); baseline: 1 process x 1 thread",
        rows,
        {
            "chunks": target,
            "store": json.loads((folder / "ready").read_text()),
            "load_before": load_before,
            "load_after": os.getloadavg(),
        },
    )


if __name__ == "__main__":
    main()
