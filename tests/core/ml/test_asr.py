"""ASR: the packaged Whisper base model, joined once and verified; real transcription in integration tests."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from core.errors import ModelUnavailable
from core.ml import asr
from core.settings import Settings


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def test_a_corrupt_join_is_refused_and_leaves_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for part in ("part1", "part2"):
        data = tmp_path / part / "data"
        data.mkdir(parents=True)
        (data / f"model.bin.{part}").write_bytes(b"not a model")
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            (data / name).write_text("{}")
    monkeypatch.setattr(asr, "package_dir", lambda module, *_: tmp_path / module[-5:])
    with pytest.raises(ModelUnavailable, match="sha256"):
        asr.prepare_packaged_whisper_base(tmp_path / "cache")
    assert not (tmp_path / "cache" / "whisper-base" / "model.bin").exists()
    assert not list((tmp_path / "cache" / "whisper-base").glob("*.tmp"))


@pytest.mark.integration
def test_packaged_whisper_is_joined_once(model_cache: Path) -> None:
    folder = asr.prepare_packaged_whisper_base(model_cache)
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert asr.prepare_packaged_whisper_base(model_cache) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == stamp


@pytest.mark.integration
def test_transcribes_jfk_with_the_packaged_model(settings: Settings, model_cache: Path, shared_data: Path) -> None:
    settings.models.cache_dir = model_cache
    transcriber = asr.load_transcriber(settings)
    result = transcriber.transcribe(shared_data / "audio_asr" / "jfk.flac")
    assert result.language == "en"
    expected = _words(
        "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
    )
    got = _words(result.text)
    assert len(set(expected) - set(got)) <= 1, result.text
    assert result.segments and result.segments[0].start >= 0 and result.duration == pytest.approx(11, abs=0.5)


@pytest.mark.integration
def test_chinese_comes_out_simplified(settings: Settings, model_cache: Path, shared_data: Path) -> None:
    settings.models.cache_dir = model_cache
    result = asr.load_transcriber(settings).transcribe(shared_data / "audio_asr" / "aishell-BAC009S0724W0121.wav")
    assert result.language == "zh"
    assert "广州" in result.text
    assert asr.to_simplified(result.text) == result.text


def test_a_live_transcription_pads_only_to_its_own_length() -> None:
    """The hook the live path relies on (faster-whisper 1.2.1 pads each window through its module's `pad_or_trim`):
    a file keeps Whisper's 30 s window, a live segment gets its length plus the padding."""
    import inspect

    import faster_whisper.transcribe as fwt

    assert "pad_or_trim(segment)" in inspect.getsource(fwt.WhisperModel.generate_segments)
    asr._install_short_window(fwt)
    features = np.zeros((80, 300), np.float32)
    assert fwt.pad_or_trim(features).shape[-1] == 3000
    token = asr._SHORT_WINDOW.set(300)
    try:
        assert fwt.pad_or_trim(features).shape[-1] == 600
    finally:
        asr._SHORT_WINDOW.reset(token)
    assert fwt.pad_or_trim(features).shape[-1] == 3000
