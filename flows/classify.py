"""Prefect flow `classify`: insights for every new or changed conversation, retried on transient store errors.

The nightly flow runs it after ingest; the demo flow and `cxloop insights run` call the same plain function.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from core.db import engine_for, migrate, session_factory
from core.settings import Settings
from flows.retry import transient
from insights.classify.runner import RunReport, classify_pending


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="classify-pending")
def classify_task(settings: Settings, force: bool, limit: int | None) -> RunReport:
    engine = engine_for(settings)
    try:
        # batches already written stay written: a retry picks up only what is still pending
        return classify_pending(settings, session_factory(engine), force=force, limit=limit)
    finally:
        engine.dispose()


@flow(name="classify", validate_parameters=False)
def classify_flow(settings: Settings, force: bool = False, limit: int | None = None) -> RunReport:
    engine = engine_for(settings)
    migrate(engine)
    engine.dispose()
    report: RunReport = classify_task(settings, force, limit)
    return report
