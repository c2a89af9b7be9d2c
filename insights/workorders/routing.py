"""Routing rules: which team owns a work order, who in it gets it, and how urgent it is.

The file (`workorders.routing_path`, else the packaged `routing.yaml`)::

    default: {team: service-desk, priority: normal}
    teams:
      quality-supplier:
        name_zh: 质量与供应商
        lead: q-lead            # told when a work order breaches its SLA
        manager: ops-manager    # told when it is still open a while later; the manager's area in the report
        members: [q-li, q-wang] # the assignee pool
        sla_hours: {urgent: 2}  # overrides workorders.sla_hours for this team
    rules:                      # the first rule whose `when` matches wins
      - when: {kind: quality, product: [aquapure-x3, filter-fc30]}
        team: water-quality
        priority: urgent

Each `when` field is a value or a list of values; a field left out matches anything.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.settings import Priority
from core.tables import WorkOrderRow
from core.yaml_errors import parse_yaml, problems, read_yaml

ACTIVE = ("open", "in_progress", "waiting")


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_en: str = ""
    name_zh: str = ""
    lead: str = Field(min_length=1)
    manager: str = Field(min_length=1)
    members: list[str] = Field(min_length=1)
    sla_hours: dict[Priority, float] = Field(default_factory=dict)


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: list[str] | None = None
    product: list[str] | None = None
    issue: list[str] | None = None
    channel: list[str] | None = None

    @field_validator("kind", "product", "issue", "channel", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def matches(self, **fields: str | None) -> bool:
        return all(want is None or fields.get(name) in want for name, want in self.model_dump().items())


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    when: Match = Match()
    team: str
    priority: Priority = "normal"
    assignee: str | None = Field(default=None, description="A fixed person instead of the team's pool.")


class Default(BaseModel):
    team: str
    priority: Priority = "normal"


class Route(BaseModel):
    team: str
    priority: Priority
    rule: int | None = Field(description="Index of the rule that matched; None for the default queue.")
    assignee: str | None = None


class RoutingRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: Default
    teams: dict[str, Team] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)
    source: str = ""

    @model_validator(mode="after")
    def _known_teams(self) -> RoutingRules:
        named = [("default", self.default.team)] + [(f"rules.{i}", r.team) for i, r in enumerate(self.rules)]
        unknown = [f"{where}: {team!r}" for where, team in named if team not in self.teams]
        if unknown:
            raise ValueError(f"unknown team ({', '.join(unknown)}); teams are {', '.join(self.teams)}")
        return self

    def route(
        self, *, kind: str, product: str | None = None, issue: str | None = None, channel: str | None = None
    ) -> Route:
        for i, rule in enumerate(self.rules):
            if rule.when.matches(kind=kind, product=product, issue=issue, channel=channel):
                return Route(team=rule.team, priority=rule.priority, rule=i, assignee=rule.assignee)
        return Route(team=self.default.team, priority=self.default.priority, rule=None)

    def team(self, name: str) -> Team:
        try:
            return self.teams[name]
        except KeyError:
            raise InvalidInput(f"unknown team {name!r}; teams are {', '.join(self.teams)}") from None

    def managers(self) -> dict[str, str]:
        """team -> its manager (the manager's area is the teams that report to them)."""
        return {name: team.manager for name, team in self.teams.items()}


def parse_routing(data: Any, source: str, text: str | None = None) -> RoutingRules:
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: routing rules are a mapping with default, teams and rules")
    try:
        return RoutingRules.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise InvalidInput(f"{source}: " + "; ".join(problems(exc, text))) from None


def load_routing(path: Path | None) -> RoutingRules:
    """The rules at `path`, else the packaged starter rules."""
    if path is not None:
        data, text = read_yaml(path, "routing rules")
        return parse_routing(data, str(path), text)
    text = resources.files("insights.workorders").joinpath("routing.yaml").read_text(encoding="utf-8")
    return parse_routing(parse_yaml(text, "packaged routing.yaml"), "packaged routing.yaml", text)


def pick_assignee(session: Session, team: Team) -> str:
    """The pool member with the fewest active work orders (ties: the first listed), so work spreads evenly."""
    query = (
        select(WorkOrderRow.assignee, func.count())
        .where(WorkOrderRow.assignee.in_(team.members), WorkOrderRow.status.in_(ACTIVE))
        .group_by(WorkOrderRow.assignee)
    )
    load: dict[str, int] = {a: int(n) for a, n in session.execute(query)}
    return min(team.members, key=lambda m: (load.get(m, 0), team.members.index(m)))
