"""The LanceDB adapter: our filters as SQL over the `m_` metadata columns, the table's layout, what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import ConfigError, InvalidInput
from core.settings import Settings
from core.vectors import Where
from core.vectors.lance import LanceBackend, lance_where, sql_literal
from tests.conftest import FakeEmbedder


def test_filters_as_sql() -> None:
    assert lance_where(None) is None and lance_where(Where()) is None
    assert lance_where(Where().eq("language", "zh")) == "`m_language` = 'zh'"
    assert (
        lance_where(Where().one_of("product", ["a", ""]).none_of("document_id", ["d2", "d1"]))
        == "`m_product` IN ('a', '') AND `m_document_id` NOT IN ('d2', 'd1')"
    )
    assert (
        lance_where(Where().eq("channel", "chat").gte("day", 20261101).lte("score", 0.5).eq("flag", False))
        == "`m_channel` = 'chat' AND `m_day` >= 20261101 AND `m_score` <= 0.5 AND `m_flag` = FALSE"
    )


def test_literals_are_quoted() -> None:
    assert sql_literal("it's") == "'it''s'"
    assert sql_literal("x' OR '1'='1") == "'x'' OR ''1''=''1'"
    assert sql_literal(True) == "TRUE" and sql_literal(3) == "3" and sql_literal(0.25) == "0.25"


def test_the_table_lives_in_the_data_folder_with_one_column_per_key(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    backend = LanceBackend(settings)
    assert backend.ping() == f"lancedb embedded {settings.data_dir / 'lancedb'}" and not backend.shared_writers
    index = backend.open("cxloop-probe-fake", fake_embedder)
    index.upsert(["a"], documents=["hello"], metadatas=[{"id": "not the record id", "day": 1}])
    index.upsert(["b"], documents=["world"], metadatas=[{"speaker": "agent"}])  # a new key adds a column
    names = index.table.schema.names
    assert names == ["id", "vector", "document", "m_day", "m_id", "m_speaker"]
    assert {r.id: r.metadata for r in index.get()} == {
        "a": {"id": "not the record id", "day": 1},
        "b": {"speaker": "agent"},
    }
    assert (settings.data_dir / "lancedb" / "cxloop-probe-fake.lance").is_dir()


def test_a_key_keeps_its_type_and_vectors_their_size(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    index = LanceBackend(settings).open("cxloop-probe-fake", fake_embedder)
    index.upsert(["a"], documents=["hello"], metadatas=[{"day": 1}])
    with pytest.raises(InvalidInput, match="'day'"):
        index.upsert(["b"], documents=["hello"], metadatas=[{"day": "monday"}])
    with pytest.raises(InvalidInput, match="mixes types"):
        index.upsert(["c", "d"], documents=["x", "y"], metadatas=[{"new": 1}, {"new": "one"}])
    with pytest.raises(InvalidInput, match="vectors of 64"):
        index.upsert(["e"], vectors=np.zeros((1, 8), dtype=np.float32))
    small = FakeEmbedder()
    small.dim = 8
    with pytest.raises(ConfigError, match="64-d vectors"):
        LanceBackend(settings).open("cxloop-probe-fake", small)
