"""The SLA sweep (warnings, escalations) and the webhook outbox's delivery, as flows: on their own on
`workorders.sla_cron`, and in the nightly run before the report."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field
from sqlalchemy import select

from core.db import engine_for, session_factory, transaction
from core.settings import Settings
from core.tables import AndonAlertRow
from flows.retry import transient
from insights.workorders.sla import SweepRun


class SlaReport(BaseModel):
    sweep: SweepRun
    delivered: dict[str, int] = Field(default_factory=dict, description="Webhook messages by outcome.")


@task(cache_policy=NO_CACHE, name="webhook-outbox")
def deliver_outbox(settings: Settings) -> dict[str, int]:
    """Send what is pending; each `andon.opened` outcome is also kept on its alert (`notify_status`)."""
    from core.outbox import deliver

    engine = engine_for(settings)
    try:
        sessions = session_factory(engine)
        counts: dict[str, int] = {}
        sent = deliver(sessions, settings.andon)
        opened = {d.payload.get("alert", {}).get("id"): d.status for d in sent if d.event == "andon.opened"}
        if opened:
            with transaction(sessions) as session:
                for row in session.scalars(select(AndonAlertRow).where(AndonAlertRow.id.in_(list(opened)))):
                    row.notify_status, row.notified_at = opened[row.id][:64], datetime.now(UTC)
        for d in sent:
            key = "sent" if d.status == "sent" else "none" if d.status == "no webhook" else "failed"
            counts[key] = counts.get(key, 0) + 1
        return counts
    finally:
        engine.dispose()


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=transient, cache_policy=NO_CACHE, name="sla-sweep")
def sla_sweep(settings: Settings, now: datetime) -> SweepRun:
    from insights.workorders.desk import Desk
    from insights.workorders.sla import sweep

    desk = Desk.from_settings(settings.workorders)
    engine = engine_for(settings)
    try:
        with transaction(session_factory(engine)) as session:
            return sweep(session, desk, now=now)
    finally:
        engine.dispose()


@flow(name="sla", validate_parameters=False)
def sla(settings: Settings | None = None, now: datetime | None = None) -> SlaReport:
    """Warn before SLA deadlines, escalate breaches to the team lead and then the manager, send the webhooks."""
    from flows.nightly import _ready

    settings = _ready(settings)
    run = sla_sweep(settings, (now or datetime.now(UTC)).astimezone(UTC))
    return SlaReport(sweep=run, delivered=deliver_outbox(settings))
