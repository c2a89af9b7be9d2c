"""Prefect flow `index_documents`: bring the knowledge base in line with a folder of documents."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from core.ml.base import Embedder
from core.settings import Settings
from knowledge.index import IndexReport, index_folder


@task(name="index-folder", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def index_task(settings: Settings, path: Path, default_product: str | None, embedder: Embedder | None) -> IndexReport:
    # a retry is safe: unchanged documents are skipped and a half-written one is replaced
    return index_folder(settings, path, embedder=embedder, default_product=default_product)


@flow(name="index_documents", flow_run_name="index documents from {path}", validate_parameters=False)
def index_documents(
    settings: Settings, path: Path, default_product: str | None = None, embedder: Embedder | None = None
) -> IndexReport:
    """Index `path` (a folder or one file) incrementally; returns what was added, updated, removed or skipped.

    `embedder` reuses a model the caller already holds (default: the one the settings name)."""
    report: IndexReport = index_task(settings, path, default_product, embedder)
    return report
