"""Our filter format: clauses ANDed, the reference meaning (`matches`) and what it refuses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.errors import ConfigError, InvalidInput
from core.settings import Settings
from core.vectors import Clause, Metadata, Where, open_backend, vector_backends


def test_clauses_are_anded_and_an_empty_filter_matches_everything() -> None:
    meta: Metadata = {"channel": "chat", "product": "aquapure-x3", "day": 20261114}
    assert Where().matches(meta) and not Where()
    where = Where().eq("channel", "chat").one_of("product", ["aquapure-x3", ""]).gte("day", 20261101)
    assert where.clauses[0] == Clause("channel", "eq", "chat")
    assert where.matches(meta)
    assert not where.lte("day", 20261113).matches(meta)
    assert not where.eq("channel", "call").matches(meta)
    assert Where().none_of("product", ["crispair-5"]).matches(meta)
    assert not Where().none_of("product", ["aquapure-x3"]).matches(meta)


def test_a_record_without_the_key_passes_no_clause() -> None:
    assert not Where().eq("speaker", "agent").matches({})
    assert not Where().none_of("speaker", ["agent"]).matches({})


def test_empty_lists() -> None:
    assert Where().one_of("product", []).impossible
    assert Where().none_of("product", []) == Where()  # excluding nothing filters nothing


def test_builders_never_change_the_filter_they_start_from() -> None:
    base = Where().eq("language", "zh")
    narrower = base.eq("product", "x")
    assert len(base.clauses) == 1 and len(narrower.clauses) == 2


@pytest.mark.parametrize("bad", ["day; drop", "a-b", "", "1st", "`x`"])
def test_keys_must_be_plain_identifiers(bad: str) -> None:
    with pytest.raises(InvalidInput):
        Where().eq(bad, "x")


def test_ranges_take_numbers() -> None:
    with pytest.raises(InvalidInput):
        Where().gte("day", "2026-11-01")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Where().lte("day", True)


def test_unknown_backend_lists_the_valid_ones(settings: Settings) -> None:
    settings.storage.vector_backend = "pgvector"
    with pytest.raises(ConfigError, match=r"unknown vector backend 'pgvector'; valid names: chroma, lancedb"):
        open_backend(settings)
    assert vector_backends.names() == ["chroma", "lancedb"]


def test_the_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXLOOP_STORAGE__VECTOR_BACKEND", "lancedb")
    assert Settings(_env_file=None).storage.vector_backend == "lancedb"


def test_importing_the_seam_and_creating_a_backend_load_no_vector_library() -> None:
    code = (
        "import sys; from core.settings import Settings; from core.vectors import open_backend\n"
        "s = Settings(_env_file=None)\n"
        "for name in ('chroma', 'lancedb'):\n"
        "    s.storage.vector_backend = name; open_backend(s)\n"
        "print(sorted({'chromadb', 'lancedb', 'pyarrow'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
