"""Calls: real transcription of 2-channel demo calls, mono and 8 kHz telephone audio; bad audio is quarantined."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select

from core.db import session_factory
from core.ml.base import Segment, Transcript
from core.settings import Settings
from core.tables import ConversationRow
from ingest.calls import CallAudio, load_manifest, transcribe_turns
from ingest.pipeline import run_ingest

DEMO_CALLS = Path(__file__).resolve().parents[2] / "demo" / "calls"


class ScriptedTranscriber:
    """Returns fixed segments per channel, so turn interleaving can be tested without a model."""

    name = "scripted"
    workers = 1

    def __init__(self, per_call: list[list[tuple[float, float, str]]]) -> None:
        self.per_call = per_call
        self.calls = 0

    def transcribe(self, audio: object, *, language: str | None = None) -> Transcript:
        segs = self.per_call[self.calls % len(self.per_call)]
        self.calls += 1
        return Transcript(
            language=language or "en", duration=10.0, segments=[Segment(start=a, end=b, text=t) for a, b, t in segs]
        )


def _wav(path: Path, samples: np.ndarray, rate: int = 16000, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype("<i2").tobytes())
    return path


def test_channels_become_roles_and_interleave_by_time() -> None:
    fake = ScriptedTranscriber(
        [
            [
                (0.0, 2.0, "Lumora support, how can I help?"),
                (6.0, 8.0, "Your number please?"),
                (8.5, 9.0, "And your e-mail?"),
            ],
            [(2.5, 5.5, "My purifier leaks at the filter housing."), (9.5, 11.0, "It is 13812345678.")],
        ]
    )
    audio = CallAudio(channels=[np.zeros(16000), np.zeros(16000)], duration=11.0)
    turns, language = transcribe_turns(audio, fake, left_role="agent", language=None)
    assert [t.speaker for t in turns] == ["agent", "customer", "agent", "customer"]
    assert turns[2].text == "Your number please? And your e-mail?"  # one speaker, short pause: one turn
    assert turns[3].text == "It is [PHONE]."
    assert language == "en"
    turns, _ = transcribe_turns(audio, fake, left_role="customer", language=None)
    assert turns[0].speaker == "customer"


def test_manifest_needs_a_key_column(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("file,agent_id\nCALL-1.wav,A-1\n", encoding="utf-8")
    assert load_manifest(path) == {"CALL-1": {"file": "CALL-1.wav", "agent_id": "A-1"}}


def test_bad_audio_is_quarantined_and_the_rest_goes_on(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    _wav(folder / "a_silence.wav", np.zeros(16000 * 2))
    (folder / "b_not_audio.wav").write_bytes(b"RIFF....WAVEfmt definitely not audio")
    good = _wav(folder / "c_tone.wav", 0.3 * np.sin(np.linspace(0, 2000, 16000 * 2)))
    (folder / "c_tone.json").write_text(
        json.dumps({"id": "CALL-T1", "agent_id": "A-7", "customer_number": "13812345678", "product": "aquapure-x3"})
    )
    truncated = folder / "d_truncated.wav"
    truncated.write_bytes(good.read_bytes()[:30])
    fake = ScriptedTranscriber([[(0.1, 1.5, "滤芯座漏水了")]])
    sessions = session_factory(engine)
    report = run_ingest(settings, sessions, "call", folder, transcriber=fake)
    reasons = {Path(q["source"]).name: q["reason"] for q in report.quarantined}
    assert set(reasons) == {"a_silence.wav", "b_not_audio.wav", "d_truncated.wav"}
    assert "empty audio" in reasons["a_silence.wav"]
    assert "unreadable audio" in reasons["b_not_audio.wav"]
    assert report.counts.conversations_stored == 1 and report.counts.files_quarantined == 3
    with sessions() as s:
        conv = s.get(ConversationRow, "call:CALL-T1")
        assert conv is not None and conv.agent_id == "A-7" and conv.customer_key
        assert [t.speaker for t in conv.turns] == ["unknown"]


@pytest.mark.integration
def test_demo_calls_transcribed_with_roles_twice_idempotent(
    engine: Engine, settings: Settings, model_cache: Path, tmp_path: Path
) -> None:
    calls = sorted(DEMO_CALLS.glob("*.ogg"))
    folder = tmp_path / "calls"
    folder.mkdir()
    for audio in calls[:2]:
        shutil.copy(audio, folder)
        shutil.copy(audio.with_suffix(".json"), folder)
    settings.models.cache_dir = model_cache
    sessions = session_factory(engine)
    report = run_ingest(settings, sessions, "call", folder)
    assert report.counts.conversations_stored == 2, report.quarantined
    with sessions() as s:
        for conv in s.scalars(select(ConversationRow)):
            speakers = {t.speaker for t in conv.turns}
            assert speakers == {"agent", "customer"}
            starts = [t.start_s or 0.0 for t in conv.turns]
            assert starts == sorted(starts)
            assert conv.started_at is not None and conv.customer_key
    again = run_ingest(settings, sessions, "call", folder)
    assert again.counts.rows_stored == 0 and again.counts.files_unchanged == 2


@pytest.mark.integration
def test_mono_and_telephone_audio(
    engine: Engine, settings: Settings, model_cache: Path, shared_data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(shared_data / "audio_asr" / "tel8k" / "jfk_8k_ulaw.wav", folder)
    settings.models.cache_dir = model_cache
    sessions = session_factory(engine)
    report = run_ingest(settings, sessions, "call", folder)
    assert report.counts.conversations_stored == 1
    with sessions() as s:
        conv = s.scalars(select(ConversationRow)).one()
        assert conv.language == "en" and {t.speaker for t in conv.turns} == {"unknown"}
        assert "country" in " ".join(t.text for t in conv.turns).lower()
