"""LanceDB behind the VectorIndex protocol: embedded, persistent, in the data folder (data/lancedb).

One table per index: `id`, `vector` (float32, the embedder's size), `document`, and one nullable column per
metadata key, named `m_<key>` (so no key can collide with the three fixed ones), added when a key is first
written. Filters become SQL on those columns. Search is exact: no ANN index is built, so every query scans the
table (fine for a knowledge base; an index of millions of turns would want LanceDB's `create_index` first).
The only module that imports lancedb.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from core.errors import ConfigError, InvalidInput, StoreUnavailable
from core.ml.base import Embedder
from core.settings import Settings
from core.vectors.base import Metadata, Scalar, VectorHit, VectorRecord, Vectors, Where, check_field, upsert_vectors

PREFIX = "m_"
FIXED = ("id", "vector", "document")


def column(key: str) -> str:
    return PREFIX + check_field(key)


def sql_literal(value: Scalar) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def lance_where(where: Where | None) -> str | None:
    """Our filter as a LanceDB (DataFusion) SQL predicate over the `m_` columns; None for no filter."""
    if not where:
        return None
    parts = []
    for c in where.clauses:
        name = f"`{column(c.field)}`"
        if c.op in ("in", "not_in"):
            assert isinstance(c.value, tuple)
            values = ", ".join(sql_literal(v) for v in c.value)
            parts.append(f"{name} {'IN' if c.op == 'in' else 'NOT IN'} ({values})")
        else:
            assert not isinstance(c.value, tuple)
            op = {"eq": "=", "gte": ">=", "lte": "<="}[c.op]
            parts.append(f"{name} {op} {sql_literal(c.value)}")
    return " AND ".join(parts)


def _ids_sql(ids: Sequence[str]) -> str:
    return f"id IN ({', '.join(sql_literal(i) for i in ids)})"


class LanceBackend:
    name = "lancedb"
    shared_writers = False  # writers in several processes retry on conflicts; one writer is the safe set-up

    def __init__(self, settings: Settings) -> None:
        self.path = settings.lancedb_path
        self._lock = threading.Lock()
        self._db: Any = None

    @property
    def db(self) -> Any:
        with self._lock:
            if self._db is None:
                import lancedb

                try:
                    self.path.mkdir(parents=True, exist_ok=True)
                    # every read looks for a newer table version: another process (ingest, the API) may have written
                    self._db = lancedb.connect(str(self.path), read_consistency_interval=timedelta(0))
                except Exception as exc:
                    raise StoreUnavailable(f"LanceDB unavailable at {self.path}: {exc}") from exc
            return self._db

    def open(self, name: str, embedder: Embedder) -> LanceIndex:
        import pyarrow as pa

        schema = pa.schema(
            [
                pa.field("id", pa.string(), nullable=False),
                pa.field("vector", pa.list_(pa.float32(), embedder.dim)),
                pa.field("document", pa.string()),
            ],
            metadata={"embedder": embedder.name},
        )
        try:
            table = self.db.open_table(name)
        except ValueError:  # not there yet (a table that gained metadata columns no longer matches `schema`)
            table = self.db.create_table(name, schema=schema, exist_ok=True)
        size = table.schema.field("vector").type.list_size
        if size != embedder.dim:
            raise ConfigError(
                f"LanceDB table {name!r} holds {size}-d vectors; embedder {embedder.name} makes {embedder.dim}"
            )
        return LanceIndex(name, embedder, table)

    def ping(self) -> str:
        try:
            self.db.list_tables()
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(f"LanceDB at {self.path} does not answer: {exc}") from exc
        return f"lancedb embedded {self.path}"


class LanceIndex:
    def __init__(self, name: str, embedder: Embedder, table: Any) -> None:
        self.name = name
        self.embedder = embedder
        self.table = table
        self._lock = threading.Lock()  # guards adding columns

    def _columns(self) -> dict[str, Any]:
        return {f.name: f.type for f in self.table.schema}

    def _predicate(self, ids: Sequence[str] | None, where: Where | None) -> str | None:
        """The SQL for ids and filter, or "" when nothing can match (a filter on a key never written)."""
        if (where is not None and where.impossible) or (ids is not None and not ids):
            return ""
        parts = []
        if ids is not None:
            parts.append(_ids_sql(ids))
        if where:
            if not {column(f) for f in where.fields()} <= set(self._columns()):
                return ""  # a record without the key passes no clause
            parts.append(f"({lance_where(where)})")
        return " AND ".join(parts) if parts else None

    def upsert(
        self,
        ids: Sequence[str],
        *,
        vectors: Vectors | None = None,
        documents: Sequence[str] | None = None,
        metadatas: Sequence[Metadata] | None = None,
    ) -> None:
        import pyarrow as pa

        if not ids:
            return
        matrix = upsert_vectors(self.embedder, vectors, documents)
        if matrix.shape != (len(ids), self.embedder.dim):
            raise InvalidInput(f"{len(ids)} ids need {len(ids)} vectors of {self.embedder.dim}, got {matrix.shape}")
        metas = [dict(m) for m in metadatas] if metadatas is not None else [{} for _ in ids]
        schema = self._ensure_columns({k: [m.get(k) for m in metas] for k in sorted({k for m in metas for k in m})})
        data: dict[str, Any] = {
            "id": pa.array(list(ids), pa.string()),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1)), self.embedder.dim),
            "document": pa.array(list(documents) if documents is not None else [None] * len(ids), pa.string()),
        }
        for f in schema:
            if f.name in FIXED:
                continue
            key = f.name[len(PREFIX) :]  # every metadata column: a key this record lacks is written as null
            try:
                data[f.name] = pa.array([m.get(key) for m in metas], f.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise InvalidInput(f"metadata '{key}' must stay of type {f.type} in index {self.name}: {exc}") from exc
        batch = pa.Table.from_pydict(data, schema=schema)
        self.table.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(batch)

    def _ensure_columns(self, values: dict[str, list[Scalar | None]]) -> Any:
        """The table's schema, after adding the metadata columns these values need."""
        import pyarrow as pa

        with self._lock:
            have = self._columns()
            new = [pa.field(column(k), _arrow_type(k, vals)) for k, vals in values.items() if column(k) not in have]
            if new:
                self.table.add_columns(new)
            return self.table.schema

    def delete(self, *, ids: Sequence[str] | None = None, where: Where | None = None) -> None:
        if ids is None and not where:
            raise ValueError("delete needs ids or a filter (use a filter that matches everything on purpose)")
        predicate = self._predicate(ids, where)
        if predicate:
            self.table.delete(predicate)

    def query(
        self, vector: np.ndarray | Sequence[float], *, k: int = 10, where: Where | None = None, payload: bool = True
    ) -> list[VectorHit]:
        predicate = self._predicate(None, where)
        if k <= 0 or predicate == "":
            return []
        search = self.table.search(np.asarray(vector, dtype=np.float32), vector_column_name="vector")
        search = search.distance_type("cosine").limit(k)
        if predicate:
            search = search.where(predicate, prefilter=True)
        rows = search.select([*self._wanted(payload), "_distance"]).to_list()
        return [
            VectorHit(id=r["id"], distance=float(r["_distance"]), metadata=_metadata(r), document=r.get("document"))
            for r in rows
        ]

    def get(
        self, *, ids: Sequence[str] | None = None, where: Where | None = None, payload: bool = True
    ) -> list[VectorRecord]:
        predicate = self._predicate(ids, where)
        if predicate == "":
            return []
        scan = self.table.search().limit(None)
        if predicate:
            scan = scan.where(predicate)
        rows = scan.select(self._wanted(payload)).to_list()
        return [VectorRecord(id=r["id"], metadata=_metadata(r), document=r.get("document")) for r in rows]

    def count(self) -> int:
        return int(self.table.count_rows())

    def _wanted(self, payload: bool) -> list[str]:
        if not payload:
            return ["id"]
        return ["id", "document", *(n for n in self._columns() if n.startswith(PREFIX))]


def _metadata(row: dict[str, Any]) -> dict[str, Scalar]:
    return {k[len(PREFIX) :]: v for k, v in row.items() if k.startswith(PREFIX) and v is not None}


def _arrow_type(key: str, values: Sequence[Scalar | None]) -> Any:
    import pyarrow as pa

    kinds = {type(v) for v in values if v is not None}
    if not kinds or kinds == {str}:
        return pa.string()
    if kinds == {bool}:
        return pa.bool_()
    if kinds == {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    raise InvalidInput(f"metadata '{key}' mixes types {sorted(k.__name__ for k in kinds)}")
