"""The nightly micro-circulation: ingest new files -> LLM labels (heads retrained) -> classify (QA scoring too) ->
summaries -> QA question items -> work orders for fatal QA items -> Andon -> SLA sweep -> trend report and
loss-reason digest -> the lead score refit on closed deals.
The LLM steps share `llm.night_budget_minutes` in that order.

Each step is a sub-flow usable on its own (`cxloop flows run andon`); each flow takes an optional `Settings` so a
deployment (which passes no parameters) builds them from the worker's environment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from core.db import engine_for, migrate, session_factory, transaction
from core.errors import InvalidInput
from core.records import Channel
from core.settings import Settings
from core.tables import AndonAlertRow
from flows.retry import transient
from insights.andon.alerts import AndonRun

# drop-folder layout of the inbox: sub-folder -> channel
INBOX: tuple[tuple[str, Channel], ...] = (
    ("chats", "chat"),
    ("sales", "chat"),
    ("work_orders", "work_order"),
    ("calls", "call"),
)


class NightlyReport(BaseModel):
    now: datetime
    ingested: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Counts per inbox folder.")
    classified: int = 0
    labels: dict[str, Any] = Field(default_factory=dict, description="LLM labels per task, heads retrained.")
    summaries: dict[str, Any] = Field(default_factory=dict, description="LLM and extractive summaries written.")
    alerts_opened: int = 0
    alerts_updated: int = 0
    qa_work_orders: int = Field(default=0, description="Work orders opened for fatal QA items.")
    qa_questions: dict[str, Any] = Field(default_factory=dict, description="QA question items the LLM answered.")
    sla: dict[str, Any] = Field(default_factory=dict, description="SLA warnings and escalations, webhooks sent.")
    reports: dict[str, str] = Field(default_factory=dict, description="What was written, by kind.")
    lead_model: dict[str, Any] = Field(default_factory=dict, description="The lead score refit on closed deals.")
    seconds: dict[str, float] = Field(default_factory=dict, description="Wall time per step.")


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _named(prefix: str) -> Callable[[], str]:
    def name() -> str:
        from prefect.runtime import flow_run

        now = flow_run.parameters.get("now")
        return f"{prefix} {_now(now if isinstance(now, datetime) else None):%Y-%m-%d %H:%M} UTC"

    return name


def _ready(settings: Settings | None) -> Settings:
    settings = settings or Settings()
    settings.ensure_dirs()
    engine = engine_for(settings)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return settings


# --- Andon ------------------------------------------------------------------------------------------------------


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="andon-check")
def andon_check(settings: Settings, now: datetime) -> AndonRun:
    from core.ml.chat import load_chat_model
    from insights.andon.alerts import check
    from insights.andon.brief import chat_brief
    from insights.classify.build import load_insight_embedder
    from insights.workorders.desk import Desk

    embedder = load_insight_embedder(settings)
    chat = load_chat_model(settings) if settings.llm.uses.work_orders else None
    desk = Desk.from_settings(settings.workorders)
    engine = engine_for(settings)
    try:
        with transaction(session_factory(engine)) as session:
            return check(
                session,
                settings.andon,
                now=now,
                embed=embedder.embed,
                brief=chat_brief(chat) if chat else None,
                desk=desk,
            )
    finally:
        engine.dispose()


@flow(name="andon", flow_run_name=_named("andon check"), validate_parameters=False)
def andon(settings: Settings | None = None, now: datetime | None = None) -> AndonRun:
    """Open an alert + two routed work orders per (product, issue) that >= N distinct customers raised in the
    window, hold the product, and send the webhook messages."""
    from flows.workorders import deliver_outbox

    settings = _ready(settings)
    run = andon_check(settings, _now(now))
    deliver_outbox(settings)
    if run.opened:
        status = _notify_status(settings, [a.id for a in run.opened])
        for alert in run.opened:
            alert.notify_status = status.get(alert.id)
    return run


def _notify_status(settings: Settings, ids: list[str]) -> dict[str, str | None]:
    from sqlalchemy import select

    engine = engine_for(settings)
    try:
        with session_factory(engine)() as session:
            rows = session.execute(
                select(AndonAlertRow.id, AndonAlertRow.notify_status).where(AndonAlertRow.id.in_(ids))
            ).all()
    finally:
        engine.dispose()
    return {i: s for i, s in rows}


# --- reports ----------------------------------------------------------------------------------------------------


@task(retries=1, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="trend-report")
def trend_report(settings: Settings, now: datetime) -> dict[str, str]:
    from flows.reporting import write_trend_report

    return write_trend_report(settings, now)


@task(retries=1, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="loss-digest")
def loss_digest(settings: Settings, now: datetime) -> dict[str, str]:
    from flows.reporting import write_loss_digest

    return write_loss_digest(settings, now)


@task(retries=1, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="qa-digest")
def qa_digest(settings: Settings, now: datetime) -> dict[str, str]:
    from flows.reporting import write_qa_digests

    return write_qa_digests(settings, now)


@flow(name="reports", flow_run_name=_named("reports"), validate_parameters=False)
def reports(settings: Settings | None = None, now: datetime | None = None) -> dict[str, str]:
    """The trend report, the loss-reason digest and the QA digests for the period ending `now` (HTML, Markdown,
    JSON)."""
    settings = _ready(settings)
    now = _now(now)
    return trend_report(settings, now) | loss_digest(settings, now) | qa_digest(settings, now)


# --- nightly ----------------------------------------------------------------------------------------------------


@task(retries=1, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="qa-work-orders")
def qa_work_orders(settings: Settings, now: datetime) -> int:
    """Open a routed work order for each conversation that newly failed a fatal QA item."""
    from insights.quality.actions import open_fatal_work_orders
    from insights.quality.scorecard import scorecards_by_name
    from insights.workorders.desk import Desk

    cards = scorecards_by_name(settings.quality.scorecard_dir)
    engine = engine_for(settings)
    try:
        with transaction(session_factory(engine)) as session:
            desk = Desk.from_settings(settings.workorders)
            return len(open_fatal_work_orders(session, cards, desk=desk, now=now))
    finally:
        engine.dispose()


@task(retries=1, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="qa-questions")
def qa_questions(settings: Settings, budget_s: float) -> dict[str, Any]:
    """Have the chat model answer the scorecards' question items of newly scored conversations, within the budget."""
    from core.ml.chat import chat_model_name, load_chat_model
    from insights.quality.questions import answer_pending
    from insights.quality.scorecard import scorecards_by_name

    chat = load_chat_model(settings) if settings.llm.uses.qa_questions else None
    cards = scorecards_by_name(settings.quality.scorecard_dir)
    if chat is None or not any(i.kind == "question" for c in cards.values() for i in c.items):
        return {"skipped": "no chat model" if chat is None else "no question items"}
    name = chat_model_name(chat, settings)
    engine = engine_for(settings)
    try:
        return answer_pending(session_factory(engine), chat, cards, model_name=name, budget_s=budget_s).model_dump()
    finally:
        engine.dispose()


def _ingest_inbox(settings: Settings, inbox: Path) -> dict[str, dict[str, Any]]:
    from flows.ingest_files import run_ingest_flow

    if not inbox.is_dir():
        raise InvalidInput(f"inbox {inbox} is not a folder (expected chats/, sales/, work_orders/ or calls/ inside)")
    out: dict[str, dict[str, Any]] = {}
    for folder, channel in INBOX:
        path = inbox / folder
        if not path.is_dir():
            continue
        mapping = path / "mapping.yaml"
        report = run_ingest_flow(settings, channel, path, mapping_path=mapping if mapping.exists() else None)
        out[folder] = report.counts.model_dump() | {"quarantined": len(report.quarantined)}
    return out


@task(retries=1, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="lead-model")
def lead_model(settings: Settings) -> dict[str, object]:
    """Refit the lead score on the closed deals; the next classify run scores open leads with it."""
    from insights.classify.config import score_model_path
    from insights.customers.refit import refit_lead

    engine = engine_for(settings)
    try:
        with transaction(session_factory(engine)) as session:
            return refit_lead(session, score_model_path(settings, "lead")).as_dict()
    finally:
        engine.dispose()


@flow(name="nightly", flow_run_name=_named("nightly"), validate_parameters=False)
def nightly(settings: Settings | None = None, now: datetime | None = None, inbox: Path | None = None) -> NightlyReport:
    """Ingest the inbox, classify what is new, run the Andon check, write the report and the digest."""
    from flows.classify import classify_flow
    from flows.labels import labels_flow
    from flows.summaries import summaries_flow
    from flows.workorders import sla

    settings = _ready(settings)
    result = NightlyReport(now=_now(now))
    inbox = inbox or settings.flows.inbox

    def step(name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = fn()
        result.seconds[name] = round(time.perf_counter() - started, 3)
        return value

    if inbox is not None:
        result.ingested = step("ingest", lambda: _ingest_inbox(settings, inbox))
    budget = settings.llm.night_budget_minutes * 60
    labels = step("labels", lambda: labels_flow(settings, budget))
    result.labels = labels.model_dump() | {"llm_seconds_per_text": labels.llm_seconds_per_text}
    result.classified = step("classify", lambda: classify_flow(settings)).classified
    summaries = step("summaries", lambda: summaries_flow(settings, max(0.0, budget - labels.llm_seconds)))
    result.summaries = summaries.model_dump() | {"llm_seconds_per_conversation": summaries.llm_seconds_per_conversation}
    left = max(0.0, budget - labels.llm_seconds - summaries.llm_seconds)
    result.qa_questions = step("qa_questions", lambda: qa_questions(settings, left))
    if settings.quality.fatal_work_orders:
        result.qa_work_orders = step("qa_work_orders", lambda: qa_work_orders(settings, result.now))
    run: AndonRun = step("andon", lambda: andon(settings, result.now))
    result.alerts_opened, result.alerts_updated = len(run.opened), len(run.updated)
    result.sla = step("sla", lambda: sla(settings, result.now)).model_dump(mode="json")
    result.reports = step("reports", lambda: reports(settings, result.now))
    result.lead_model = step("lead_model", lambda: lead_model(settings))
    return result


def corpus_now(settings: Settings) -> datetime:
    """Local midnight after the newest stored conversation: `now` for replaying a fixed corpus (the demo, tests)."""
    from sqlalchemy import func, select

    from core.tables import ConversationRow
    from insights.reports.report import period_end

    engine = engine_for(settings)
    try:
        with session_factory(engine)() as session:
            latest = session.scalar(select(func.max(ConversationRow.started_at)))
    finally:
        engine.dispose()
    if latest is None:
        return datetime.now(UTC)
    latest = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
    return period_end(latest + timedelta(days=1), settings.flows.timezone)
