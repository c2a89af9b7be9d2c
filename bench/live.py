"""Live call assist benchmark: calls streamed at real-time speed through `/v1/calls/live` on a real server.

The demo calls (two channels, 8 kHz, English and Mandarin) and the real clips of ../shared/data/audio_asr (16 kHz
and their 8 kHz u-law copies) are streamed with 1, 2 and 4 calls at once on this machine's cores; the demo's
documents are the knowledge base. Per level:
- final latency: from the end of a customer segment (its `end`, in call seconds = when its last sample was sent)
  to its final transcript arriving, p50/p95 (all speakers in `final p95 all`);
- suggestion latency: from the same end to the pushed suggestion (answer or abstention), p50/p95;
- error: the streamed transcript against the offline transcript of the same file (the ingest path's own
  transcriber: per-channel VAD, word-timed turns, beam 5, full 30 s windows): WER for English, CER for Chinese;
  and for the clips with a human transcript, both against it (the target: streaming within 5 points of offline);
- CPU seconds per call-second of audio (this process: server and client; the hang-up ingest is off here).
Side by side at 2 calls, the baseline: the same live path with Whisper's full 30 s window (`live.window_padding_s=0`).

    python bench/live.py           # 8 demo calls + 8 clips (~5 min of audio) at 1, 2, 4 calls + baseline: ~12 min
    python bench/live.py --quick   # one clip, one call (the test suite runs this)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED, report
from bench.ingest import ACCURACY_CLIPS, AUDIO, error_rate, references
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEMO_CALLS = ["CALL-0001", "CALL-0003", "CALL-0008", "CALL-0017", "CALL-0002", "CALL-0004", "CALL-0006", "CALL-0007"]
QUICK_DOCS = ["returns-refunds.md", "warranty-policy.md"]


@dataclass(frozen=True)
class Call:
    path: Path
    language: str
    rate: int
    reference: str | None = None  # a human transcript (the clips)


def calls(quick: bool) -> list[Call]:
    import av

    refs = references() if AUDIO.is_dir() else {}
    out: list[Call] = []
    clips = ACCURACY_CLIPS[:1] if quick else ACCURACY_CLIPS
    for clip in clips:
        if (AUDIO / clip).exists():
            with av.open(str(AUDIO / clip)) as c:
                rate = 8000 if c.streams.audio[0].rate <= 8000 else 16000
            lang, text = refs[clip]
            out.append(Call(AUDIO / clip, lang, rate, text))
    if not quick:
        for name in DEMO_CALLS:
            meta = (ROOT / "demo" / "calls" / f"{name}.json").read_text()
            out.append(Call(ROOT / "demo" / "calls" / f"{name}.ogg", "zh" if '"zh"' in meta else "en", 8000))
    return out


def offline_text(settings: Settings, call: Call) -> str:
    """What the ingest path transcribes from the same file (channels in order, each whole)."""
    from core.ml.asr import load_transcriber
    from ingest.calls import decode

    transcriber = _offline.setdefault("t", load_transcriber(settings))
    if call.reference:  # a clip: streamed as one channel (a stereo clip mixed down), transcribed so here too
        return str(transcriber.transcribe(call.path, language=call.language).text)
    return " ".join(transcriber.transcribe(ch, language=call.language).text for ch in decode(call.path).channels)


_offline: dict[str, Any] = {}


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else float("nan")


async def stream_all(url: str, key: str, todo: list[Call], at_once: int, run: str) -> list[tuple[Call, Any]]:
    from api.live_client import stream_file

    gate = asyncio.Semaphore(at_once)

    async def one(i: int, call: Call) -> tuple[Call, Any]:
        async with gate:
            speakers = None if call.reference is None else ["customer"]  # the demo calls: agent left, customer right
            result = await stream_file(
                url,
                key,
                call.path,
                call_id=f"{run}-{i}",
                rate_hz=call.rate,
                language=call.language,
                speakers=speakers,
            )
            return call, result

    return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(todo))))


def measure(
    settings: Settings, url: str, key: str, todo: list[Call], at_once: int, label: str, offline: dict[Path, str]
) -> dict[str, Any]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    results = asyncio.run(stream_all(url, key, todo, at_once, f"{label}-{at_once}".replace(" ", "")))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finals_all: list[float] = []
    finals_customer: list[float] = []
    suggestions: list[float] = []
    errors: list[float] = []
    ref_stream: list[float] = []
    ref_offline: list[float] = []
    audio_s = 0.0
    for call, result in results:
        if result.refusal:
            raise SystemExit(f"{call.path.name}: refused: {result.refusal}")
        audio_s += result.audio_s
        ends: dict[int, float] = {}
        for arrived, event in result.arrivals("final"):
            late = arrived - event["end"]
            finals_all.append(late)
            if event["speaker"] != "agent":
                finals_customer.append(late)
                ends[event["segment"]] = event["end"]
        for arrived, event in result.arrivals("suggestion"):
            if event["segment"] in ends:
                suggestions.append(arrived - ends[event["segment"]])
        streamed = " ".join(e["text"] for e in result.of("final"))
        errors.append(error_rate(call.language, offline[call.path], streamed))
        if call.reference:
            ref_stream.append(error_rate(call.language, call.reference, streamed))
            ref_offline.append(error_rate(call.language, call.reference, offline[call.path]))
    return {
        "variant": label,
        "calls at once": at_once,
        "calls": len(results),
        "audio s": round(audio_s, 1),
        "final p50": pct(finals_customer, 50),
        "final p95": pct(finals_customer, 95),
        "final p95 all": pct(finals_all, 95),
        "suggestion p50": pct(suggestions, 50),
        "suggestion p95": pct(suggestions, 95),
        "suggestions": len(suggestions),
        "error vs offline": round(float(np.mean(errors)), 3),
        "clips: streamed": round(float(np.mean(ref_stream)), 3) if ref_stream else float("nan"),
        "clips: offline": round(float(np.mean(ref_offline)), 3) if ref_offline else float("nan"),
        "CPU s / call-s": round(cpu / audio_s, 3) if audio_s else float("nan"),
        "wall s": round(wall, 1),
    }


def run_level(
    root: Path, todo: list[Call], at_once: int, padding: float, label: str, docs: Path, offline: dict[Path, str]
) -> dict[str, Any]:
    """One fresh server (its own data folder and knowledge base) for one level, so no level warms the next."""
    from fastapi.testclient import TestClient

    from api import create_app
    from api.threaded import serving
    from core.db import transaction
    from core.keys import create_key
    from knowledge.index import index_path, open_store

    settings = Settings(_env_file=None, data_dir=root / f"{label}-{at_once}".replace(" ", ""))
    settings.ensure_dirs()
    settings.models.cache_dir = root / "models"
    settings.live.max_calls = max(at_once, 1)
    settings.live.window_padding_s = padding
    settings.live.store = False  # the hang-up ingest would run in another process, on the same cores
    app = create_app(settings)
    with TestClient(app):
        svc = app.state.services
        kb = open_store(settings, embedder=svc.embedder(), sessions=svc.sessions, index=svc.knowledge_index())
        index_path(kb, docs)
        with transaction(svc.sessions) as s:
            key = create_key(s, role="agent", name="bench").secret
        svc.live_transcriber()  # loaded and warmed before the first call, as a server that took calls before
        with serving(app, lifespan="off") as url:
            return measure(
                settings, url.replace("http://", "ws://") + "/v1/calls/live", key, todo, at_once, label, offline
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one clip, one call (for the test suite)")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4], help="calls at once")
    args = parser.parse_args()
    if not AUDIO.is_dir():
        print(f"skipping: {AUDIO} not found (../shared/data)")
        return
    todo = calls(args.quick)
    levels = [1] if args.quick else args.levels
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        docs = root / "docs"
        if args.quick:
            docs.mkdir()
            for name in QUICK_DOCS:
                shutil.copy(ROOT / "demo" / "docs" / "en" / name, docs / name)
        else:
            shutil.copytree(ROOT / "demo" / "docs", docs)
        base = Settings(_env_file=None, data_dir=root / "offline")
        base.ensure_dirs()
        base.models.cache_dir = root / "models"
        offline = {c.path: offline_text(base, c) for c in todo}
        rows = [run_level(root, todo, n, 3.0, "cxloop live", docs, offline) for n in levels]
        if not args.quick:
            rows.append(run_level(root, todo, 2, 0.0, "baseline: 30 s window", docs, offline))
    suffix = "-quick" if args.quick else ""
    report(
        f"live{suffix}",
        "Live call assist: latency after a customer segment ends (s), streamed vs offline error, CPU",
        rows,
        {"files": [str(c.path.relative_to(c.path.parents[1])) for c in todo], "shared": str(SHARED)},
    )


if __name__ == "__main__":
    main()
