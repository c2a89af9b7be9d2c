"""A small client of `/v1/calls/live`: streams an audio file at real-time speed and collects what comes back.

`cxloop live stream FILE` uses it, and so do the live tests and `bench/live.py`. Every event is kept with the time
it arrived, in seconds since the first frame was sent, so a caller can tell how long after the end of a segment
(its `end`, in call seconds) its final and its suggestion came.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FRAME_MS = 100


@dataclass
class Streamed:
    call_id: str
    audio_s: float
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (arrived, event)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for _, e in self.events if e.get("type") == kind]

    def arrivals(self, kind: str) -> list[tuple[float, dict[str, Any]]]:
        return [(t, e) for t, e in self.events if e.get("type") == kind]

    @property
    def refusal(self) -> dict[str, Any] | None:
        errors = self.of("error")
        return errors[0] if errors and not self.of("ready") else None


def read_pcm(path: Path, rate: int, channels: int | None = None) -> tuple[np.ndarray, int]:
    """The file as int16 samples at `rate`, shape (n, channels), and its channel count: the file's (1 or 2), or
    `channels` (1 mixes a stereo file down)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = channels or (2 if stream.channels >= 2 else 1)
        resampler = av.AudioResampler(format="s16", layout="stereo" if channels == 2 else "mono", rate=rate)
        pieces = [f.to_ndarray().reshape(-1) for frame in container.decode(stream) for f in resampler.resample(frame)]
        pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    samples = np.concatenate(pieces).astype("<i2") if pieces else np.zeros(0, "<i2")
    return samples.reshape(-1, channels), channels


async def stream_file(
    url: str,
    key: str | None,
    path: Path,
    *,
    call_id: str,
    rate_hz: int = 16000,
    speakers: list[str] | None = None,
    speed: float = 1.0,
    language: str | None = None,
    product: str | None = None,
    headers: dict[str, str] | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    rate: str | None = None,
) -> Streamed:
    """Stream `path` to the live socket at `url` (ws://host:port/v1/calls/live) and return every event; `speed` 2
    sends twice as fast as real time; `rate` (helpful, wrong, not_used) rates each suggestion as it arrives."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    pcm, channels = read_pcm(path, rate_hz, len(speakers) if speakers else None)
    result = Streamed(call_id=call_id, audio_s=len(pcm) / rate_hz)
    start = {
        "type": "start",
        "call_id": call_id,
        "sample_rate": rate_hz,
        "encoding": "pcm_s16le",
        "channels": speakers or (["agent", "customer"] if channels == 2 else ["customer"]),
        "language": language,
        "product": product,
    }
    auth = {"X-API-Key": key} if key else {}
    async with connect(url, additional_headers={**auth, **(headers or {})}, max_size=None) as ws:
        await ws.send(json.dumps(start))
        try:
            event = json.loads(await ws.recv())
        except ConnectionClosed:
            return result
        result.events.append((0.0, event))
        if event.get("type") != "ready":
            return result
        t0 = time.perf_counter()

        async def receive() -> None:
            async for raw in ws:  # until the server closes, after `stored`
                event = json.loads(raw)
                result.events.append((time.perf_counter() - t0, event))
                if on_event:
                    on_event(event)
                if rate and event.get("type") == "suggestion" and not event.get("abstained"):
                    await ws.send(json.dumps({"type": "rate", "answer_id": event["id"], "rating": rate}))

        reader = asyncio.create_task(receive())
        step = rate_hz * FRAME_MS // 1000
        for i, lo in enumerate(range(0, len(pcm), step)):
            wait = t0 + i * FRAME_MS / 1000 / speed - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            await ws.send(pcm[lo : lo + step].tobytes())
        await ws.send(json.dumps({"type": "end"}))
        await reader
    return result
