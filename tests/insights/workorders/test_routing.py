"""Routing rules: first match wins, lists and wildcards, the default queue, the least-loaded assignee, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from core.db import session_factory, transaction
from core.errors import InvalidInput
from insights.workorders import lifecycle
from insights.workorders.routing import load_routing
from tests.insights.workorders.conftest import MONDAY, desk


def test_the_packaged_rules_route_by_kind_and_product() -> None:
    rules = load_routing(None)
    assert rules.route(kind="quality", product="filter-fc30").model_dump() == {
        "team": "water-quality", "priority": "urgent", "rule": 0, "assignee": None}  # fmt: skip
    assert rules.route(kind="quality", product="crispair-5").team == "quality-supplier"
    assert rules.route(kind="process").team == "process-excellence"
    assert rules.route(kind="service", issue="late_delivery").team == "logistics"
    fallback = rules.route(kind="service", issue="billing_error", channel="chat")
    assert (fallback.team, fallback.priority, fallback.rule) == ("service-desk", "normal", None)
    assert rules.managers()["qa"] == "service-manager"


def test_a_bad_rules_file_names_the_line_and_the_teams(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(
        "default: {team: desk}\nteams:\n  desk: {lead: a, manager: b, members: [c]}\n"
        "rules:\n  - when: {kind: quality}\n    team: nobody\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match=r"unknown team.*'nobody'.*teams are desk"):
        load_routing(path)
    path.write_text("default: {team: desk}\nteams:\n  desk: {lead: a, manager: b, members: []}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"line 3.*members"):
        load_routing(path)


def test_a_fixed_assignee_and_an_own_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(
        "default: {team: desk, priority: low}\nteams:\n  desk: {lead: a, manager: b, members: [c, d]}\n"
        "rules:\n  - when: {product: [kettle, fan], channel: call}\n    team: desk\n    assignee: d\n"
        "    priority: urgent\n",
        encoding="utf-8",
    )
    rules = load_routing(path)
    assert rules.route(kind="x", product="fan", channel="call").assignee == "d"
    assert rules.route(kind="x", product="fan", channel="chat").priority == "low"


def test_the_pool_member_with_least_work_gets_the_next(engine: Engine) -> None:
    d = desk()
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        names = []
        for i in range(4):
            order = lifecycle.open_order(s, d, kind="service", title=f"t{i}", body="b", now=MONDAY)
            s.flush()
            names.append(order.assignee)
        assert names == ["desk-1", "desk-2", "desk-3", "desk-1"]
        lifecycle.move(s, order.id, "resolved", by="k", now=MONDAY)  # desk-1 has one fewer in hand now
        assert lifecycle.open_order(s, d, kind="service", title="t", body="b", now=MONDAY).assignee == "desk-1"
