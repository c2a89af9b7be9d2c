"""The live call's audio path: framing, mu-law, the VAD gate, and a call fed frame by frame (a fake transcriber;
the real Whisper model is in tests/api/test_live.py)."""

from __future__ import annotations

import itertools
import warnings
import wave
from pathlib import Path

import numpy as np
import pytest

from core.errors import InvalidInput
from core.ml.base import Segment, Transcript
from core.settings import Settings
from ingest.live import CHUNK, RATE, CallStart, LiveCall, SpeechGate, pcm_of
from tests.conftest import ROOT


def loud_vad(audio: np.ndarray) -> np.ndarray:
    """Speech wherever a 32 ms chunk is loud: stands in for Silero in the gate's own tests."""
    chunks = audio[: len(audio) // CHUNK * CHUNK].reshape(-1, CHUNK)
    return (np.abs(chunks).mean(axis=1) > 0.05).astype(np.float32)


def tone(seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def gate(**kw: float) -> SpeechGate:
    options = {"threshold": 0.5, "min_silence_s": 0.4, "max_segment_s": 12.0} | kw
    return SpeechGate(0, loud_vad, **options)


def test_mu_law_decodes_as_the_itu_table_does() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop  # the standard library's G.711 (gone in Python 3.13; a reference here only)

    every_byte = bytes(range(256))
    expected = np.frombuffer(audioop.ulaw2lin(every_byte, 2), dtype="<i2")
    assert np.array_equal(pcm_of(every_byte, "mulaw", 1)[:, 0], expected)


def test_frames_must_hold_whole_samples_and_channels() -> None:
    assert pcm_of(b"\x01\x00\x02\x00", "pcm_s16le", 2).tolist() == [[1, 2]]
    with pytest.raises(InvalidInput, match="2-byte samples"):
        pcm_of(b"\x01\x00\x02", "pcm_s16le", 1)
    with pytest.raises(InvalidInput, match="2 channels"):
        pcm_of(b"\x01\x00\x02\x00\x03\x00", "pcm_s16le", 2)


def test_a_stretch_closes_after_the_silence_and_only_once() -> None:
    g = gate()
    closed = []
    for piece in (silence(1.0), tone(2.0), silence(0.2)):
        closed += g.push(piece)
    assert closed == [] and g.open() is not None  # 0.2 s of silence does not end it
    closed += g.push(silence(1.0))
    (speech,) = closed
    assert speech.start == pytest.approx(1.0, abs=0.05)  # where the tone starts and ends...
    assert len(speech.samples) / RATE == pytest.approx(2.4, abs=0.05)  # ...with 0.2 s of pad each side
    assert speech.end == pytest.approx(3.0, abs=0.05)
    assert g.push(silence(2.0)) == [] and g.open() is None


def test_a_long_stretch_is_cut_and_goes_on_without_overlap() -> None:
    g = gate(max_segment_s=3.0)
    closed = g.push(tone(7.0)) + g.push(silence(1.0))
    assert len(closed) == 3
    assert [round(s.end - s.start) for s in closed[:2]] == [3, 3]
    for before, after in itertools.pairwise(closed):
        assert after.start == pytest.approx(before.end, abs=0.01)


def test_a_click_is_not_speech_and_memory_stays_bounded() -> None:
    g = gate()
    assert g.push(np.concatenate([tone(0.1), silence(1.0)])) == []
    for _ in range(100):  # 100 s of silence
        g.push(silence(1.0))
    assert len(g._buf) < RATE  # only the pad and a partial chunk are kept


class Echo:
    """Says how long each piece of audio was, so the test can tell which stretch it was given."""

    name = "echo"
    workers = 1

    def transcribe(self, audio: Path | np.ndarray, *, language: str | None = None) -> Transcript:
        assert isinstance(audio, np.ndarray)
        seconds = len(audio) / RATE
        return Transcript(
            language="en", duration=seconds, segments=[Segment(start=0, end=seconds, text="call me on 13812345678")]
        )


def test_a_call_fed_in_frames_gives_finals_per_speaker_and_a_recording(settings: Settings) -> None:
    start = CallStart(type="start", call_id="t-1", sample_rate=8000, channels=["customer", "agent"])
    recording = settings.data_dir / "live" / "t-1.wav"
    call = LiveCall(start, settings, Echo(), recording, vad=loud_vad)  # a tone is no speech to Silero
    left = np.concatenate([tone(1.5), silence(3.0)])  # the customer speaks first...
    right = np.concatenate([silence(2.0), tone(1.5), silence(1.0)])  # ...then the agent
    both = (np.stack([left, right], axis=1)[::2] * 32767).astype("<i2")  # 8 kHz, interleaved
    closed = []
    for lo in range(0, len(both), 800):  # 100 ms frames
        closed += call.feed(both[lo : lo + 800].tobytes())
    closed += call.hang_up()
    finals = [call.final(s, call.text_of(s)) for s in closed]
    assert [(f.speaker, f.segment) for f in finals if f] == [("customer", 0), ("agent", 1)]
    assert all(f and "13812345678" not in f.text for f in finals)  # masked before anyone sees it
    with wave.open(str(recording)) as wav:
        assert (wav.getnchannels(), wav.getframerate()) == (2, 8000)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    # ingest expects the agent on the left (ingest.left_channel): the recording's channels are swapped to match
    assert np.abs(frames[:8000, 0]).max() < 100 and np.abs(frames[:8000, 1]).max() > 1000
    meta = call.write_metadata().read_text()
    assert '"id": "t-1"' in meta and '"direction": "live"' in meta


def test_the_start_message_is_checked() -> None:
    with pytest.raises(ValueError, match="agent and the customer"):
        CallStart(type="start", call_id="x", channels=["agent", "agent"])
    with pytest.raises(ValueError, match="call_id"):
        CallStart(type="start", call_id="../etc/passwd")


def test_silero_finds_the_speech_of_a_real_call(settings: Settings) -> None:
    from api.live_client import read_pcm

    pcm, channels = read_pcm(ROOT / "demo" / "calls" / "CALL-0017.ogg", 16000)
    start = CallStart(type="start", call_id="t-2", channels=["agent", "customer"])
    call = LiveCall(start, settings, Echo(), settings.data_dir / "live" / "t-2.wav")
    closed = []
    for lo in range(0, len(pcm), 1600):
        closed += call.feed(pcm[lo : lo + 1600].tobytes())
    closed += call.hang_up()
    assert channels == 2
    assert {s.channel for s in closed} == {0, 1}
    assert 5 <= len(closed) <= 12  # the script has seven turns
    assert all(0 < s.end - s.start <= settings.live.max_segment_s + 0.5 for s in closed)
