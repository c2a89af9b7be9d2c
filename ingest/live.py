"""A live call's audio -> finalised, masked transcript segments per speaker, while the call goes on.

Framing (the README documents it for clients): a JSON `start` message (`CallStart`), then binary messages of raw
samples: 16-bit little-endian linear PCM (`pcm_s16le`) or G.711 mu-law (`mulaw`, one byte a sample), at 8 or 16 kHz,
interleaved when there are two channels. Any length that holds whole sample frames; 20-200 ms is usual.

Per channel (one speaker each): resampled to 16 kHz (PyAV, stateful, so frame edges leave no clicks), Silero VAD on
every 32 ms chunk; a segment opens on speech and closes after `live.min_silence_ms` of silence, or at
`live.max_segment_s`. A closed segment is transcribed once and never changes; the open one may get partial
transcripts. Memory per channel is the open segment and a short pad. The call as received goes to a 16-bit WAV at
its own rate, so at hang-up the recording ingest path gets a recording like any other.

All state here is touched from one thread (the socket's event loop); transcription gets copies of the samples.
"""

from __future__ import annotations

import json
import wave
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from core.errors import InvalidInput
from core.ml.base import Transcriber
from core.settings import Settings
from ingest.masking import mask_text

RATE = 16000
CHUNK = 512  # Silero's window at 16 kHz: 32 ms
PAD_S = 0.2  # kept before and after the speech VAD found, as faster-whisper's VAD does
MIN_SPEECH_S = 0.25
VAD_CONTEXT = 31 * CHUNK  # ~1 s of audio the VAD sees again before each new block

Encoding = Literal["pcm_s16le", "mulaw"]
LiveSpeaker = Literal["agent", "customer", "unknown"]


class CallStart(BaseModel):
    """The first message on the socket."""

    type: Literal["start"]
    call_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$", description="Your id for the call.")
    sample_rate: Literal[8000, 16000] = 16000
    encoding: Encoding = "pcm_s16le"
    channels: list[LiveSpeaker] = Field(
        default=["agent", "customer"], min_length=1, max_length=2, description="Who speaks on each channel."
    )
    language: Literal["zh", "en"] | None = Field(default=None, description="None: detected on the first speech.")
    product: str | None = Field(default=None, max_length=128)
    agent_id: str | None = Field(default=None, max_length=128)
    customer_number: str | None = Field(default=None, max_length=64, description="Kept only as a keyed hash.")
    started_at: datetime | None = None

    @model_validator(mode="after")
    def _distinct(self) -> CallStart:
        if len(self.channels) == 2 and sorted(self.channels) != ["agent", "customer"]:
            raise ValueError('two channels are the agent and the customer, in either order: ["agent", "customer"]')
        return self


def _ulaw_table() -> np.ndarray:
    """G.711 mu-law byte -> 16-bit linear sample (the ITU-T decoder)."""
    u = ~np.arange(256, dtype=np.uint8)
    exponent = (u >> 4).astype(np.int32) & 7
    magnitude = ((((u & 0x0F).astype(np.int32) << 3) + 0x84) << exponent) - 0x84
    return np.where(u & 0x80, -magnitude, magnitude).astype(np.int16)


ULAW = _ulaw_table()


def pcm_of(frame: bytes, encoding: Encoding, channels: int) -> np.ndarray:
    """One binary message -> int16 samples, shape (n, channels)."""
    if encoding == "mulaw":
        samples = ULAW[np.frombuffer(frame, dtype=np.uint8)]
    else:
        if len(frame) % 2:
            raise InvalidInput(f"a pcm_s16le frame of {len(frame)} bytes is not whole 2-byte samples")
        samples = np.frombuffer(frame, dtype="<i2")
    if len(samples) % channels:
        raise InvalidInput(f"a frame of {len(samples)} samples is not whole frames of {channels} channels")
    return samples.reshape(-1, channels)


class _To16k:
    """One channel's int16 samples at `rate` -> float32 at 16 kHz, across frame edges."""

    def __init__(self, rate: int) -> None:
        import av

        self.rate = rate
        self._av = av
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE) if rate != RATE else None

    def __call__(self, pcm: np.ndarray | None) -> np.ndarray:
        if self._resampler is None:
            return np.zeros(0, np.float32) if pcm is None else pcm.astype(np.float32) / 32768.0
        frame = None
        if pcm is not None:
            mono = np.ascontiguousarray(pcm).reshape(1, -1)
            frame = self._av.AudioFrame.from_ndarray(mono, format="s16", layout="mono")
            frame.sample_rate = self.rate
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)


@dataclass
class Speech:
    """Samples of one stretch of speech on one channel (with 0.2 s of pad each side); `start` and `end` are where
    the speech itself starts and ends, in seconds from the start of the call."""

    channel: int
    start: float
    end: float
    samples: np.ndarray


class SpeechGate:
    """One channel's VAD state machine over 32 ms chunks; hands back each closed stretch of speech once."""

    def __init__(self, channel: int, vad: Any, *, threshold: float, min_silence_s: float, max_segment_s: float) -> None:
        self.channel = channel
        self._vad = vad
        self.threshold = threshold
        self.negative = max(threshold - 0.15, 0.01)
        self.min_silence = int(min_silence_s * RATE / CHUNK + 0.5)
        self.max_chunks = int(max_segment_s * RATE / CHUNK)
        self.pad = int(PAD_S * RATE)
        self._buf = np.zeros(0, np.float32)
        self._origin = 0  # absolute sample index of _buf[0]
        self._scanned = 0  # absolute sample index the VAD has reached
        self._start: int | None = None  # chunk index where the open speech began
        self._last_voice = 0  # chunk index of the last chunk over the threshold
        self._padded = True  # the open stretch gets the pad before it (not when it goes on after a cut)
        self._context = np.zeros(0, np.float32)

    @property
    def total_s(self) -> float:
        return (self._origin + len(self._buf)) / RATE

    def push(self, samples: np.ndarray) -> list[Speech]:
        self._buf = np.concatenate([self._buf, samples])
        end = self._origin + len(self._buf)
        n = (end - self._scanned) // CHUNK
        closed: list[Speech] = []
        if n:
            lo = self._scanned - self._origin
            block = self._buf[lo : lo + n * CHUNK]
            # Silero's state starts afresh on every call and takes a few chunks to settle: the last second before
            # the new chunks goes in again, and only the new chunks' probabilities are read
            seen = len(self._context) // CHUNK
            probs = np.asarray(self._vad(np.concatenate([self._context, block]))).reshape(-1)[seen:]
            self._context = np.concatenate([self._context, block])[-VAD_CONTEXT:]
            first = self._scanned // CHUNK
            for i, prob in enumerate(probs):
                closed += self._step(first + i, float(prob))
            self._scanned += n * CHUNK
        self._trim()
        return closed

    def _step(self, chunk: int, prob: float) -> list[Speech]:
        if self._start is None:
            if prob >= self.threshold:
                self._start, self._last_voice, self._padded = chunk, chunk, True
            return []
        if prob >= self.negative:
            if prob >= self.threshold:
                self._last_voice = chunk
            if chunk - self._start + 1 >= self.max_chunks:
                return self._close(chunk + 1, cut=True)
            return []
        if chunk - self._last_voice >= self.min_silence:
            return self._close(self._last_voice + 1, cut=False)
        return []

    def _close(self, end_chunk: int, *, cut: bool) -> list[Speech]:
        assert self._start is not None
        begin, padded = self._start, self._padded
        self._start = None
        if cut:  # the next stretch goes on from here, without a pad of its own
            self._start, self._last_voice, self._padded = end_chunk, end_chunk, False
        if (end_chunk - begin) * CHUNK / RATE < MIN_SPEECH_S:
            return []
        start = max(begin * CHUNK - (self.pad if padded else 0), self._origin)
        return [self._speech(start, end_chunk * CHUNK + (0 if cut else self.pad), begin * CHUNK, end_chunk * CHUNK)]

    def _speech(self, lo: int, hi: int, start: int, end: int) -> Speech:
        """Samples lo..hi (the speech and its pads); times: where the speech itself starts and ends."""
        hi = min(hi, self._origin + len(self._buf))
        samples = self._buf[lo - self._origin : hi - self._origin].copy()
        return Speech(self.channel, round(start / RATE, 2), round(end / RATE, 2), samples)

    def _trim(self) -> None:
        keep_from = self._scanned - self.pad if self._start is None else self._start * CHUNK - self.pad
        drop = max(0, keep_from - self._origin)
        if drop:
            self._buf = self._buf[drop:]
            self._origin += drop

    def open(self) -> Speech | None:
        """The speech so far of the stretch still open (for a partial transcript), or None."""
        if self._start is None:
            return None
        lo = max(self._start * CHUNK - self.pad, self._origin)
        return self._speech(lo, self._scanned, self._start * CHUNK, self._scanned)

    def hang_up(self) -> list[Speech]:
        if self._start is None:
            return []
        return self._close(self._last_voice + 1, cut=False)


@dataclass
class Final:
    """One finalised segment: masked text, never changed afterwards."""

    segment: int
    channel: int
    speaker: LiveSpeaker
    start: float
    end: float
    text: str

    def event(self, kind: str = "final") -> dict[str, Any]:
        return {"type": kind} | asdict(self)


@dataclass
class LiveCall:
    """One call: feed it frames, transcribe what it hands back, hang up. Writes the call to `recording`."""

    start: CallStart
    settings: Settings
    transcriber: Transcriber
    recording: Path
    finals: list[Final] = field(default_factory=list)
    received_s: float = 0.0
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    vad: Any = None  # chunks -> speech probabilities; None: the Silero model faster-whisper ships

    def __post_init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        live = self.settings.live
        vad = self.vad or get_vad_model()
        self.language: str | None = self.start.language
        self._resample = [_To16k(self.start.sample_rate) for _ in self.start.channels]
        self._gates = [
            SpeechGate(
                ch,
                vad,
                threshold=self.settings.models.asr_vad_threshold,
                min_silence_s=live.min_silence_ms / 1000,
                max_segment_s=live.max_segment_s,
            )
            for ch in range(len(self.start.channels))
        ]
        self._partial_at = [0.0 for _ in self.start.channels]
        # the recording's left channel is the role the ingest path expects there (ingest.left_channel)
        left = self.settings.ingest.left_channel
        mono = len(self.start.channels) == 1
        self._file_order = [0] if mono else [0, 1] if self.start.channels[0] == left else [1, 0]
        self.recording.parent.mkdir(parents=True, exist_ok=True)
        self._wav = wave.open(str(self.recording), "wb")  # noqa: SIM115 - closed at hang-up
        self._wav.setnchannels(len(self.start.channels))
        self._wav.setsampwidth(2)
        self._wav.setframerate(self.start.sample_rate)

    def feed(self, frame: bytes) -> list[Speech]:
        """One binary message -> the stretches of speech it closed, in time order."""
        pcm = pcm_of(frame, self.start.encoding, len(self.start.channels))
        self._wav.writeframes(pcm[:, self._file_order].astype("<i2").tobytes())
        self.received_s += len(pcm) / self.start.sample_rate
        if self.received_s > self.settings.live.max_call_minutes * 60:
            raise InvalidInput(f"the call is over the limit of {self.settings.live.max_call_minutes:g} minutes")
        closed: list[Speech] = []
        for ch, gate in enumerate(self._gates):
            closed += gate.push(self._resample[ch](pcm[:, ch]))
        return sorted(closed, key=lambda s: s.end)

    def due_partials(self) -> list[Speech]:
        """Open stretches that have grown `live.partial_every_s` since their last partial."""
        every = self.settings.live.partial_every_s
        out = []
        for ch, gate in enumerate(self._gates):
            speech = gate.open()
            if speech is not None and speech.end - max(speech.start, self._partial_at[ch]) >= every:
                self._partial_at[ch] = speech.end
                out.append(speech)
        return out

    def text_of(self, speech: Speech) -> str:
        """Transcribe one stretch (called off the event loop): masked, Simplified Chinese for Chinese."""
        result = self.transcriber.transcribe(speech.samples, language=self.language)
        if self.language is None and result.language in ("zh", "en") and speech.end - speech.start >= 1.0:
            self.language = result.language  # one call, one language: detected once on real speech
        return mask_text(result.text)

    def final(self, speech: Speech, text: str) -> Final | None:
        if not text:
            return None
        speaker = self.start.channels[speech.channel]
        done = Final(len(self.finals), speech.channel, speaker, speech.start, speech.end, text)
        self.finals.append(done)
        return done

    def partial_event(self, speech: Speech, text: str) -> dict[str, Any]:
        """What the client sees of an open stretch: replaced by the next partial or the final of its channel."""
        speaker = self.start.channels[speech.channel]
        return {
            "type": "partial",
            "channel": speech.channel,
            "speaker": speaker,
            "start": speech.start,
            "end": speech.end,
            "text": text,
        }

    def hang_up(self) -> list[Speech]:
        """The stretches still open, closed; the recording and its metadata written."""
        closed: list[Speech] = []
        for ch, gate in enumerate(self._gates):
            closed += gate.push(self._resample[ch](None))
            closed += gate.hang_up()
        self._wav.close()
        return sorted(closed, key=lambda s: s.end)

    def abandon(self) -> None:
        """The call ended in an error before any speech: no recording is kept."""
        self._wav.close()
        self.recording.unlink(missing_ok=True)

    def write_metadata(self) -> Path:
        """The sidecar the recording ingest path reads (`<name>.json`): same id, so a later upload of the full
        recording with this id replaces this conversation instead of adding a second one."""
        s = self.start
        meta: dict[str, Any] = {
            "id": s.call_id,
            "started_at": (s.started_at or self.started).isoformat(),
            "language": self.language,
            "agent_id": s.agent_id,
            "product": s.product,
            "customer_number": s.customer_number,
            "direction": "live",
        }
        sidecar = self.recording.with_suffix(".json")
        sidecar.write_text(json.dumps({k: v for k, v in meta.items() if v}, ensure_ascii=False), encoding="utf-8")
        return sidecar


def recording_path(settings: Settings, call_id: str) -> Path:
    return settings.data_dir / "live" / f"{call_id.replace(':', '_')}.wav"
