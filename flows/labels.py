"""Prefect flow `labels`: the LLM labels a sample of new conversations and the fast heads are retrained on them.

The nightly flow runs it before classification, so tonight's insights already use the retrained heads; it spends
at most `budget_s` of LLM time (the nightly budget, shared with the summaries after it).
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from core.db import engine_for, migrate, session_factory
from core.settings import Settings
from flows.retry import transient
from insights.classify.distill import TASKS, DistillRun


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="llm-labels")
def labels_task(settings: Settings, budget_s: float, sample: int | None) -> DistillRun:
    from core.ml.chat import load_chat_model
    from insights.classify.build import load_insight_embedder, load_taxonomies
    from insights.classify.distill import distill

    chat = load_chat_model(settings) if settings.llm.uses.labels else None
    if chat is None or not hasattr(chat, "choose"):
        return DistillRun(budget_left=True)  # off, or a model that cannot give letter probabilities (a remote one)
    taxonomies = load_taxonomies(settings.insights, [t for t in TASKS])
    engine = engine_for(settings)
    try:
        embedder = load_insight_embedder(settings)
        return distill(settings, session_factory(engine), chat, embedder, taxonomies, sample=sample, budget_s=budget_s)
    finally:
        engine.dispose()


@flow(name="labels", validate_parameters=False)
def labels_flow(settings: Settings, budget_s: float | None = None, sample: int | None = None) -> DistillRun:
    engine = engine_for(settings)
    migrate(engine)
    engine.dispose()
    budget = settings.llm.night_budget_minutes * 60 if budget_s is None else budget_s
    report: DistillRun = labels_task(settings, budget, sample)
    return report
