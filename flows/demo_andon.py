"""The demo's Andon alert, played through its whole life on the business calendar after the corpus ends:
pulled, held, routed, warned, breached and escalated, resolved, verified, closed, released; the complaint rate
before and after; and an agent's cord on the one customer who called four times, closed as a false alarm.

The corpus is fixed, so each step runs at a stated time (Monday after the corpus ends, and Tuesday) instead of
waiting for the clock. A second `make demo` finds the life already played and reports it from the store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.db import engine_for, session_factory, transaction
from core.settings import Settings
from core.tables import AndonAlertRow, OutboxRow
from insights.andon import alerts, cord
from insights.classify.catalog import load_catalog
from insights.classify.config import catalog_path
from insights.workorders import lifecycle
from insights.workorders.desk import Desk
from insights.workorders.lifecycle import RootCause
from insights.workorders.report import build_manager_section
from insights.workorders.sla import sweep

PRODUCT, ISSUE = "aquapure-x3", "defect"
ONE_CUSTOMER = ("swiftclean-r7", "defect", "chat:CHAT-0020")  # the planted non-trigger: one customer, four contacts
AGENT, LEAD, MANAGER = "demo-agent", "demo-lead", "demo-manager"


def _local(settings: Settings, day: datetime, hour: int, minute: int = 0) -> datetime:
    zone = ZoneInfo(settings.workorders.timezone)
    return day.astimezone(zone).replace(hour=hour, minute=minute, second=0, microsecond=0)


def alert_life(settings: Settings, now: datetime) -> dict[str, Any]:
    """Play the life of the live (aquapure-x3, defect) alert from `now` (the nightly run's time) on."""
    desk = Desk.from_settings(settings.workorders)
    catalog = load_catalog(catalog_path(settings, settings.insights))
    engine = engine_for(settings)
    steps: list[dict[str, str]] = []

    def note(at: datetime, step: str, detail: str) -> None:
        steps.append(
            {
                "at": at.astimezone(ZoneInfo(settings.workorders.timezone)).strftime("%a %m-%d %H:%M"),
                "step": step,
                "detail": detail,
            }
        )

    try:
        sessions = session_factory(engine)
        with sessions() as session:
            played = session.scalar(
                select(AndonAlertRow).where(AndonAlertRow.product == PRODUCT, AndonAlertRow.status == "closed")
            )
            live = session.scalar(
                select(AndonAlertRow).where(
                    AndonAlertRow.product == PRODUCT, AndonAlertRow.issue == ISSUE, AndonAlertRow.status != "closed"
                )
            )
            if played is not None or live is None:
                return {"played": False, "steps": [], "reason": "already played" if played else "no live alert"}
            alert_id, evidence = live.id, list(live.conversation_ids)
        monday = _local(settings, desk.calendar.add(now, 0), 9, 15)  # the first business morning after the night
        with transaction(sessions) as s:
            pulled, opened = cord.pull(
                s,
                desk,
                evidence[-1],
                product=PRODUCT,
                issue=ISSUE,
                problem="滤芯座漏水 / leaking at the filter housing",
                by=AGENT,
                now=monday,
            )
        note(
            monday,
            "pulled",
            f"agent's cord on {evidence[-1]}: {'opened' if opened else 'joined'} the alert the "
            f"rule opened overnight ({pulled.customers} customers)",
        )
        hold = pulled.hold
        if hold is not None:
            note(hold.held_at, "held", f"{PRODUCT} off sale (product.hold queued for the shop system)")
        orders = {w.kind: w for w in pulled.work_orders}
        zone = ZoneInfo(settings.workorders.timezone)
        for w in pulled.work_orders:
            due = f", due {w.due_at.astimezone(zone):%a %H:%M}" if w.due_at else ""
            note(w.created_at, "routed", f"{w.kind} -> {w.team}/{w.assignee}, {w.priority}{due}")
        quality = orders["quality"]
        when = desk.deadlines(quality.team, quality.priority, quality.created_at)
        times = (when.warn_at, when.due_at, when.manager_at)
        for at, what in zip(times, ("warned", "breached", "escalated"), strict=True):
            with transaction(sessions) as s:
                run = sweep(s, desk, now=at + timedelta(minutes=5))
            detail = {
                "warned": f"{quality.assignee} is told the stock check is due soon ({run.warned} warning(s) in all)",
                "breached": f"stock check past due: escalated to the team lead ({run.breached} breach(es) in all)",
                "escalated": f"still open: escalated to the manager ({run.to_manager} in all)",
            }[what]
            note(at + timedelta(minutes=5), what, detail)
        day = _local(settings, times[2], 14)
        with transaction(sessions) as s:
            lifecycle.move(s, quality.id, "in_progress", by=LEAD, now=day)
            lifecycle.comment(
                s, quality.id, "Supplier confirms batch B2611-07 housings; 420 units held.", by=LEAD, now=day
            )
            lifecycle.move(s, quality.id, "resolved", by=LEAD, note="batch held, supplier replacing", now=day)
            process = orders["process"].id
            cause = RootCause(
                whys=[
                    "The filter housing cracks at the thread.",
                    "The new supplier's housings have thinner walls.",
                    "The supplier change skipped the pressure test.",
                    "The incoming check had no pressure test for housings.",
                ],
                fix="Pressure-test every housing batch at intake; supplier changes need a first-article pressure test.",
            )
            lifecycle.record_root_cause(s, process, cause, by=LEAD, now=day)
            lifecycle.move(s, process, "resolved", by=LEAD, now=day + timedelta(hours=1))
        note(day, "resolved", "stock check done (batch held) and the five-whys review recorded")
        tuesday = _local(settings, desk.calendar.add(day + timedelta(days=1), 0), 10)
        with transaction(sessions) as s:
            for kind in ("quality", "process"):
                lifecycle.move(s, orders[kind].id, "verified", by=MANAGER, now=tuesday)
            closed = alerts.close(
                s,
                alert_id,
                by=MANAGER,
                note="housings replaced; intake pressure test in place",
                now=tuesday + timedelta(minutes=5),
            )
        note(tuesday, "verified", "both work orders verified by the manager")
        note(tuesday + timedelta(minutes=5), "released", f"alert closed as {closed.resolution}; {PRODUCT} back on sale")
        # the agent's cord on one customer's repeated complaint: a reasonable pull, found to be a false alarm
        product, issue, cid = ONE_CUSTOMER
        with transaction(sessions) as s:
            wrong, _ = cord.pull(
                s,
                desk,
                cid,
                product=product,
                issue=issue,
                problem="边刷不转",
                by=AGENT,
                now=monday + timedelta(minutes=30),
            )
            alerts.close(
                s,
                wrong.id,
                by=MANAGER,
                resolution="false_alarm",
                now=tuesday + timedelta(hours=1),
                note="one customer contacting four times, not a product-wide problem",
            )
        note(
            tuesday + timedelta(hours=1),
            "false alarm",
            f"{product}: one customer, four contacts; counted in the "
            "bad-Andon rate per rule, line and area, never per agent",
        )
        with sessions() as s:
            (follow,) = [f for f in alerts.followups(s, now=tuesday + timedelta(days=1)) if f.alert_id == alert_id]
            section = build_manager_section(s, desk, catalog, end=tuesday + timedelta(days=1), period_days=7)
            counted = s.execute(select(OutboxRow.event, func.count()).group_by(OutboxRow.event))
            queued: dict[str, int] = {event: int(n) for event, n in counted}
        return {
            "played": True,
            "alert_id": alert_id,
            "steps": steps,
            "before_per_1000": follow.before.per_1000,
            "after_per_1000": follow.after.per_1000,
            "before_complaints": follow.before.complaints,
            "after_conversations": follow.after.conversations,
            "sla": [t.model_dump() for t in section.sla],
            "bad_andon": [r.model_dump() for r in section.by_rule],
            "webhooks": queued,
        }
    finally:
        engine.dispose()
