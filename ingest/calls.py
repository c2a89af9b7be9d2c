"""Call recordings -> timed, role-labelled, masked turns.

2-channel recordings carry one party per channel (default agent left, customer right): each channel is transcribed
on its own (VAD skips the other party's silence) and the turns are interleaved by time. Mono recordings get speaker
`unknown`. Call metadata comes from a sidecar `<name>.json` or a CSV manifest.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InvalidInput
from core.ml.base import Transcriber
from core.records import Conversation, Outcome, Speaker, Turn
from core.settings import Settings
from ingest.identity import customer_key
from ingest.masking import mask_text, masker_for
from ingest.units import Unit, parse_time

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".opus", ".oga", ".m4a", ".webm"}
MIN_SECONDS = 0.3
MERGE_GAP_S = 1.0  # consecutive segments of one speaker closer than this are one turn


@dataclass(frozen=True)
class CallAudio:
    channels: list[np.ndarray]  # 16 kHz float32, one array per channel used
    duration: float


def list_audio(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InvalidInput(f"{path}: no such file or folder")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)


def load_manifest(path: Path | None) -> dict[str, dict[str, Any]]:
    """A CSV with a `file` (or `id`) column; other columns as in a sidecar JSON."""
    if path is None:
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "file" not in rows[0] and "id" not in rows[0]:
        raise InvalidInput(f"{path.name}: a call manifest needs a 'file' or 'id' column")
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row.get("file") or row.get("id") or ""
        out[Path(key).stem] = {k: v for k, v in row.items() if v not in (None, "")}
    return out


def call_metadata(audio: Path, manifest: dict[str, dict[str, Any]]) -> dict[str, Any]:
    sidecar = audio.with_suffix(".json")
    meta: dict[str, Any] = dict(manifest.get(audio.stem, {}))
    if sidecar.exists():
        try:
            meta.update(json.loads(sidecar.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{sidecar.name}: malformed metadata JSON: {exc.msg}") from None
    return meta


def decode(path: Path) -> CallAudio:
    """Decode any container/codec PyAV reads (incl. 8 kHz u-law/a-law WAV) to 16 kHz float32 channels."""
    import av
    from faster_whisper import decode_audio

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InvalidInput(f"{path.name}: no audio stream")
            channels = container.streams.audio[0].channels
        if channels == 2:
            left, right = decode_audio(str(path), split_stereo=True)
            arrays = [np.asarray(left), np.asarray(right)]
        else:
            arrays = [np.asarray(decode_audio(str(path)))]
    except InvalidInput:
        raise
    except Exception as exc:  # PyAV raises many error types for damaged or truncated files
        raise InvalidInput(f"{path.name}: unreadable audio ({exc.__class__.__name__}: {exc})") from None
    duration = max(len(a) for a in arrays) / 16000.0 if arrays else 0.0
    if duration < MIN_SECONDS or all(float(np.abs(a).max(initial=0.0)) < 1e-4 for a in arrays):
        raise InvalidInput(f"{path.name}: empty audio ({duration:.2f} s, no signal)")
    return CallAudio(channels=arrays, duration=duration)


def transcribe_turns(
    audio: CallAudio, transcriber: Transcriber, *, left_role: Speaker, language: str | None
) -> tuple[list[Turn], str | None]:
    roles: list[Speaker]
    if len(audio.channels) == 2:
        roles = [left_role, "customer" if left_role == "agent" else "agent"]
    else:
        roles = ["unknown"]
    pieces: list[tuple[float, float, Speaker, str]] = []
    spoken: dict[str, float] = {}
    for samples, role in zip(audio.channels, roles, strict=True):
        result = transcriber.transcribe(samples, language=language)
        language = language or result.language  # one call, one language: detect it once, not per channel
        for seg in result.segments:
            pieces.append((seg.start, seg.end, role, seg.text))
            spoken[result.language] = spoken.get(result.language, 0.0) + seg.end - seg.start
    pieces.sort(key=lambda p: p[0])
    turns: list[Turn] = []
    for start, end, role, text in pieces:
        last = turns[-1] if turns else None
        if last and last.speaker == role and last.end_s is not None and start - last.end_s < MERGE_GAP_S:
            joiner = "" if _is_cjk(last.text[-1:]) and _is_cjk(text[:1]) else " "
            last.text = last.text + joiner + text
            last.end_s = end
        else:
            turns.append(Turn(index=len(turns), speaker=role, text=text, start_s=round(start, 2), end_s=end))
    for turn in turns:
        turn.text = mask_text(turn.text)
        turn.end_s = round(turn.end_s or 0.0, 2)
    main_language = max(spoken, key=lambda k: spoken[k]) if spoken else None
    return turns, main_language


def _is_cjk(ch: str) -> bool:
    return bool(ch) and "\u3000" <= ch <= "\u9fff"


def call_unit(
    path: Path, sha256: str, meta: dict[str, Any], turns: list[Turn], language: str | None, settings: Settings
) -> Unit:
    source_id = str(meta.get("id") or path.stem)
    outcome_raw = str(meta.get("outcome") or "").lower() or None
    outcome: Outcome | None = outcome_raw if outcome_raw in ("won", "lost", "open") else None  # type: ignore[assignment]
    started = parse_time(meta.get("started_at"), settings.ingest.default_timezone)
    identity = meta.get("customer_number") or meta.get("customer_id") or meta.get("customer_email")
    mask = masker_for(settings) if settings.privacy.mask_names else mask_text
    if settings.privacy.mask_names:  # the turns are rule-masked already; names and addresses need the model
        turns = [t.model_copy(update={"text": mask(t.text)}) for t in turns]
    conversation = Conversation(
        id=f"call:{source_id}",
        channel="call",
        source_uri=str(path),
        source_sha256=sha256,
        started_at=started,
        language=language or meta.get("language"),
        customer_key=customer_key(str(identity) if identity else None, settings.privacy.customer_key_secret),
        agent_id=meta.get("agent_id"),
        team=meta.get("team"),
        product=meta.get("product"),
        outcome=outcome,
        metadata={k: mask(str(v)) for k, v in meta.items() if k in ("loss_reason", "queue", "direction")},
        turns=turns,
    )
    return Unit(conversation=conversation, content_sha256=sha256, rows=1)
