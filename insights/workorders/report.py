"""The managers' section of the nightly report: SLA attainment per team, escalations, products on hold, and the
bad-Andon rate (alerts closed as false alarms) per rule, per product line and per manager's area.

Wrong alarms are never counted per agent: pulling the cord on a suspicion is what the practice asks of agents.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.tables import AndonAlertRow
from insights.classify.catalog import Catalog
from insights.workorders import holds
from insights.workorders.desk import Desk
from insights.workorders.holds import HoldView
from insights.workorders.sla import TeamSla, attainment

SOURCES = {"rule": "burst rule (same product + issue, distinct customers)", "manual": "agent's cord"}
FALSE_ALARM_DAYS = 90


class AlarmRate(BaseModel):
    group: str
    closed: int
    false_alarms: int
    rate: float = Field(description="false_alarms / closed")


class ManagerSection(BaseModel):
    start: datetime
    end: datetime
    sla: list[TeamSla] = Field(default_factory=list)
    on_hold: list[HoldView] = Field(default_factory=list, description="Products off sale now, by an open alert.")
    alarm_days: int = FALSE_ALARM_DAYS
    by_rule: list[AlarmRate] = Field(default_factory=list)
    by_line: list[AlarmRate] = Field(default_factory=list)
    by_area: list[AlarmRate] = Field(default_factory=list)


def _rates(groups: dict[str, list[bool]]) -> list[AlarmRate]:
    out = [
        AlarmRate(group=g, closed=len(v), false_alarms=sum(v), rate=round(sum(v) / len(v), 3))
        for g, v in groups.items()
        if v
    ]
    return sorted(out, key=lambda r: (-r.rate, r.group))


def alarm_rates(
    session: Session, desk: Desk, catalog: Catalog, *, start: datetime, end: datetime
) -> tuple[list[AlarmRate], list[AlarmRate], list[AlarmRate]]:
    """(per rule, per product line, per manager's area) over the alerts closed in [start, end)."""
    query = (
        select(AndonAlertRow)
        .options(selectinload(AndonAlertRow.work_orders))
        .where(AndonAlertRow.status == "closed", AndonAlertRow.closed_at >= start, AndonAlertRow.closed_at < end)
    )
    rule: dict[str, list[bool]] = defaultdict(list)
    line: dict[str, list[bool]] = defaultdict(list)
    area: dict[str, list[bool]] = defaultdict(list)
    managers = desk.routing.managers()
    for alert in session.scalars(query):
        wrong = alert.resolution == "false_alarm"
        rule[SOURCES.get(alert.source or "rule", alert.source)].append(wrong)
        product = catalog.get(alert.product)
        line[(product.line if product is not None and product.line else "(no line)")].append(wrong)
        owners = [w.team for w in alert.work_orders if w.kind == "process"] or [w.team for w in alert.work_orders]
        area[managers.get(owners[0], "(unrouted)") if owners else "(unrouted)"].append(wrong)
    return _rates(rule), _rates(line), _rates(area)


def build_manager_section(
    session: Session, desk: Desk, catalog: Catalog, *, end: datetime, period_days: int
) -> ManagerSection:
    end = end.astimezone(UTC)
    start = end - timedelta(days=period_days)
    by_rule, by_line, by_area = alarm_rates(
        session, desk, catalog, start=end - timedelta(days=FALSE_ALARM_DAYS), end=end
    )
    return ManagerSection(
        start=start,
        end=end,
        sla=attainment(session, desk, start=start, end=end),
        on_hold=list(holds.on_hold(session).values()),
        by_rule=by_rule,
        by_line=by_line,
        by_area=by_area,
    )
