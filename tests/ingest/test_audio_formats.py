"""Every container and codec a contact center exports decodes to 16 kHz channels (PyAV), without a model."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from ingest.calls import decode

FORMATS = [
    ("call.wav", "pcm_s16le", 16000, "s16"),
    ("call_ulaw.wav", "pcm_mulaw", 8000, "s16"),
    ("call_alaw.wav", "pcm_alaw", 8000, "s16"),
    ("call.flac", "flac", 8000, "s16"),
    ("call.mp3", "libmp3lame", 16000, "fltp"),
    ("call.opus", "libopus", 16000, "flt"),
]


def _encode(path: Path, codec: str, rate: int, fmt: str) -> None:
    import av

    t = np.arange(rate * 2) / rate
    left = 0.3 * np.sin(2 * np.pi * 440 * t)
    right = np.zeros_like(left)
    right[rate:] = 0.3 * np.sin(2 * np.pi * 220 * t[rate:])
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        stream.time_base = Fraction(1, rate)
        planar = fmt.endswith("p")
        data = np.stack([left, right]) if planar else np.stack([left, right]).T.reshape(1, -1)
        if fmt.startswith("s16"):
            data = (data * 32767).astype(np.int16)
        else:
            data = data.astype(np.float32)
        frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="stereo")
        frame.sample_rate = rate
        for packet in stream.encode(frame):  # type: ignore[union-attr, arg-type]  # an audio stream
            out.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            out.mux(packet)


@pytest.mark.parametrize(("name", "codec", "rate", "fmt"), FORMATS)
def test_stereo_formats_decode_to_two_channels(tmp_path: Path, name: str, codec: str, rate: int, fmt: str) -> None:
    path = tmp_path / name
    _encode(path, codec, rate, fmt)  # PyAV's wheel bundles every encoder listed
    audio = decode(path)
    assert len(audio.channels) == 2
    assert audio.duration == pytest.approx(2.0, abs=0.15)
    left, right = audio.channels
    # the right channel is silent for the first second and speaks in the second
    half = len(right) // 2
    assert np.abs(left[: half - 800]).mean() > 0.05
    assert np.abs(right[: half - 800]).mean() < 0.02 < np.abs(right[half + 800 :]).mean()


def test_demo_ogg_vorbis_calls_decode_to_two_channels() -> None:
    calls = sorted((Path(__file__).resolve().parents[2] / "demo" / "calls").glob("*.ogg"))
    audio = decode(calls[0])
    assert len(audio.channels) == 2 and audio.duration > 5
