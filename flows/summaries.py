"""Prefect flow `summaries`: an after-contact summary for every new or changed conversation.

The LLM writes them while `llm.night_budget_minutes` lasts (labels come first in the nightly run and share it);
the rest get extractive summaries that a later night upgrades.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from core.db import engine_for, migrate, session_factory
from core.settings import Settings
from flows.retry import transient
from insights.summaries.run import SummaryRun, summarise_pending


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="summarise-pending")
def summarise_task(settings: Settings, budget_s: float, limit: int | None) -> SummaryRun:
    from core.ml.chat import chat_model_name, load_chat_model

    chat = load_chat_model(settings) if settings.llm.uses.summaries else None
    name = chat_model_name(chat, settings) if chat is not None else ""
    engine = engine_for(settings)
    try:
        return summarise_pending(session_factory(engine), chat, model_name=name, budget_s=budget_s, limit=limit)
    finally:
        engine.dispose()


@flow(name="summaries", validate_parameters=False)
def summaries_flow(settings: Settings, budget_s: float | None = None, limit: int | None = None) -> SummaryRun:
    engine = engine_for(settings)
    migrate(engine)
    engine.dispose()
    budget = settings.llm.night_budget_minutes * 60 if budget_s is None else budget_s
    report: SummaryRun = summarise_task(settings, budget, limit)
    return report
