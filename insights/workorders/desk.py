"""The desk: routing rules, the business calendar and the SLA settings, loaded once and passed to whatever opens,
moves or sweeps work orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.settings import WorkOrderSettings
from insights.workorders.calendar import BusinessCalendar
from insights.workorders.routing import RoutingRules, load_routing


@dataclass(frozen=True)
class Deadlines:
    warn_at: datetime
    due_at: datetime
    manager_at: datetime


@dataclass(frozen=True)
class Desk:
    routing: RoutingRules
    calendar: BusinessCalendar
    config: WorkOrderSettings

    @classmethod
    def from_settings(cls, config: WorkOrderSettings | None = None) -> Desk:
        config = config or WorkOrderSettings()
        return cls(load_routing(config.routing_path), BusinessCalendar.from_settings(config), config)

    def sla_hours(self, team: str, priority: str) -> float:
        own = self.routing.teams[team].sla_hours if team in self.routing.teams else {}
        return float(own.get(priority, self.config.sla_hours.get(priority, self.config.sla_hours["normal"])))  # type: ignore[call-overload]

    def deadlines(self, team: str, priority: str, opened: datetime) -> Deadlines:
        """Warning, breach (due) and manager escalation instants of a work order opened at `opened`."""
        hours = self.sla_hours(team, priority)
        due = self.calendar.add(opened, hours)
        return Deadlines(
            warn_at=self.calendar.add(opened, hours * self.config.warn_at),
            due_at=due,
            manager_at=self.calendar.add(due, hours * self.config.manager_after),
        )
