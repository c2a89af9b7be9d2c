"""Every backend keeps the same contract (run once per backend): records replaced whole, filters meaning what
`Where.matches` says, cosine distances, persistence across clients."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from core.settings import Settings
from core.vectors import Metadata, VectorIndex, Where, open_backend, open_index
from tests.conftest import FakeEmbedder

PRODUCTS = ("aquapure-x3", "crispair-5", "")
CHANNELS = ("call", "chat", "work_order")


def _records(n: int = 30) -> tuple[list[str], list[str], list[Metadata]]:
    ids: list[str] = []
    docs: list[str] = []
    metas: list[Metadata] = []
    for i in range(n):
        ids.append(f"r{i:02d}")
        docs.append(f"turn {i} about {PRODUCTS[i % 3] or 'anything'} it's {i}")
        metas.append(
            {
                "channel": CHANNELS[i % 3],
                "product": PRODUCTS[(i // 3) % 3],
                "day": 20261101 + i,
                "score": i / 10,
                "flag": i % 2 == 0,
                "speaker": "agent" if i % 4 else "customer",
            }
        )
    return ids, docs, metas


@pytest.fixture
def index(vector_backend: str, settings: Settings, fake_embedder: FakeEmbedder) -> VectorIndex:
    index = open_index(settings, "contract", fake_embedder)
    ids, docs, metas = _records()
    index.upsert(ids, documents=docs, metadatas=metas)
    return index


FILTERS = [
    Where(),
    Where().eq("channel", "chat"),
    Where().eq("flag", True),
    Where().eq("product", ""),
    Where().one_of("product", ["aquapure-x3", ""]),
    Where().none_of("speaker", ["customer"]),
    Where().gte("day", 20261110).lte("day", 20261120),
    Where().gte("score", 1.5),
    Where().eq("channel", "call").one_of("product", ["crispair-5"]).gte("day", 20261105),
    Where().eq("speaker", "it's"),  # a quote in a value
    Where().one_of("product", []),
    Where().eq("missing_key", "x"),
]


@pytest.mark.parametrize("where", FILTERS, ids=[f"f{i}" for i in range(len(FILTERS))])
def test_filters_select_what_matches_says(index: VectorIndex, where: Where) -> None:
    ids, _, metas = _records()
    expected = {i for i, m in zip(ids, metas, strict=True) if where.matches(m)}
    assert {r.id for r in index.get(where=where)} == expected
    query = FakeEmbedder().embed(["turn about aquapure"], kind="query")[0]
    hits = index.query(query, k=50, where=where)
    assert {h.id for h in hits} == expected
    assert all(a.distance <= b.distance for a, b in itertools.pairwise(hits))


def test_query_returns_cosine_distances_payload_and_the_nearest_first(index: VectorIndex) -> None:
    embedder = FakeEmbedder()
    _, docs, metas = _records()
    hits = index.query(embedder.embed([docs[7]], kind="query")[0], k=3)
    assert hits[0].id == "r07" and hits[0].document == docs[7] and hits[0].metadata == metas[7]
    assert hits[0].distance == pytest.approx(0.0, abs=1e-5) and hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    vectors = embedder.embed([docs[7], docs[int(hits[1].id[1:])]])  # the runner-up's distance is its cosine
    assert hits[1].distance == pytest.approx(1.0 - float(vectors[0] @ vectors[1]), abs=1e-4)
    bare = index.query(embedder.embed([docs[7]], kind="query")[0], k=2, payload=False)
    # the same ranking (records at an equal distance may come in either order)
    assert [h.distance for h in bare] == pytest.approx([h.distance for h in hits[:2]], abs=1e-5)
    assert bare[0].id == "r07" and bare[0].metadata == {} and bare[0].document is None
    assert index.query(embedder.embed([docs[7]])[0], k=0) == []


def test_upsert_replaces_whole_records_and_delete_by_ids_or_filter(index: VectorIndex) -> None:
    index.upsert(["r01", "new"], vectors=np.eye(64, dtype=np.float32)[:2], metadatas=[{"channel": "call"}, {}])
    assert index.count() == 31
    (r01,) = index.get(ids=["r01"])
    assert r01.metadata == {"channel": "call"} and r01.document is None  # nothing of the old record is left
    index.delete(ids=["new"])
    index.delete(where=Where().eq("channel", "chat"))  # 9 of the 10 left: r01 is a call now
    index.delete(where=Where().one_of("product", []))  # matches nothing: deletes nothing
    assert index.count() == 21 and not index.get(where=Where().eq("channel", "chat"))
    index.delete(ids=["r00", "r03"], where=Where().eq("speaker", "agent"))  # both must hold: only r03
    assert {r.id for r in index.get(ids=["r00", "r03"])} == {"r00"}
    with pytest.raises(ValueError):
        index.delete()


def test_an_index_outlives_its_client(
    vector_backend: str, settings: Settings, fake_embedder: FakeEmbedder, index: VectorIndex
) -> None:
    again = open_backend(settings).open(index.name, fake_embedder)
    assert again.count() == 30
    assert {r.id for r in again.get(where=Where().eq("channel", "chat"))} == {
        r.id for r in index.get(where=Where().eq("channel", "chat"))
    }
    index.delete(ids=["r00"])
    assert again.count() == 29  # a second client sees the first one's writes


def test_a_new_index_is_empty_and_ping_answers(
    vector_backend: str, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    backend = open_backend(settings)
    assert backend.name == vector_backend and backend.ping()
    empty = backend.open("cxloop-empty-fake", fake_embedder)
    assert empty.count() == 0 and empty.get() == []
    assert empty.query(fake_embedder.embed(["x"])[0], k=3, where=Where().eq("channel", "chat")) == []
    empty.delete(where=Where().eq("channel", "chat"))
