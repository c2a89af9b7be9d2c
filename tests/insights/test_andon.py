"""The Andon rule: distinct customers per (product, issue, problem) within a sliding window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from insights.andon.rule import ComplaintEvent, assign_problems, find_bursts

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)


def ev(
    cid: str, customer: str | None, day: float, product: str = "kettle", issue: str = "defect", quote: str = ""
) -> ComplaintEvent:
    return ComplaintEvent(cid, product, issue, customer, T0 + timedelta(days=day), "chat", quote)


def test_two_distinct_customers_within_the_window_make_a_burst() -> None:
    bursts = find_bursts([ev("a", "c1", 0), ev("b", "c2", 3)], min_customers=2, window=timedelta(days=7))
    assert len(bursts) == 1
    assert bursts[0].customers == {"c1", "c2"} and bursts[0].first_seen == T0


def test_one_customer_contacting_many_times_is_not_a_burst() -> None:
    events = [ev(str(i), "same", i * 0.5) for i in range(5)] + [ev("x", None, 1)]
    assert find_bursts(events, min_customers=2) == []


def test_customers_too_far_apart_are_not_a_burst_and_quiet_gaps_split_bursts() -> None:
    assert find_bursts([ev("a", "c1", 0), ev("b", "c2", 8)], window=timedelta(days=7)) == []
    events = [ev("a", "c1", 0), ev("b", "c2", 1), ev("c", "c3", 20), ev("d", "c4", 21)]
    bursts = find_bursts(events, window=timedelta(days=7))
    assert [sorted(b.customers) for b in bursts] == [["c1", "c2"], ["c3", "c4"]]


def test_a_burst_that_goes_on_keeps_collecting_evidence() -> None:
    events = [ev("a", "c1", 0), ev("b", "c2", 1), ev("c", "c3", 6), ev("d", "c1", 12)]
    (burst,) = find_bursts(events, window=timedelta(days=7))
    assert [e.conversation_id for e in burst.events] == ["a", "b", "c", "d"]


def test_products_issues_and_unknown_products_are_kept_apart() -> None:
    events = [
        ev("a", "c1", 0, product="kettle"),
        ev("b", "c2", 1, product="fan"),
        ev("c", "c3", 1, issue="late_delivery"),
        ev("d", "c4", 0, product="unknown"),
        ev("e", "c5", 1, product="unknown"),
    ]
    assert find_bursts(events) == []
    assert len(find_bursts(events, min_customers=1)) == 3


def fake_embed(texts: list[str]) -> np.ndarray:
    """Two orthogonal directions: quotes that mention 'leak' and the rest."""
    return np.array([[1.0, 0.0] if "leak" in t else [0.0, 1.0] for t in texts])


def test_assign_problems_splits_an_issue_by_what_customers_said() -> None:
    events = [
        ev("a", "c1", 0, quote="it leaks at the housing"),
        ev("b", "c2", 1, quote="water leaks underneath"),
        ev("c", "c3", 2, quote="the side brush does not turn"),
    ]
    split = assign_problems(events, fake_embed)
    assert split[0].problem == split[1].problem != split[2].problem
    bursts = find_bursts(split)
    assert len(bursts) == 1 and bursts[0].customers == {"c1", "c2"} and "leak" in bursts[0].problem


def test_assign_problems_leaves_pairs_that_cannot_alert_unembedded() -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return fake_embed(texts)

    out = assign_problems([ev("a", "c1", 0, quote="leak"), ev("b", "c1", 1, quote="leak")], embed)
    assert calls == [] and all(e.problem == "" for e in out)


@pytest.mark.integration
def test_real_embedder_joins_translations_and_separates_different_problems(
    settings: Settings, model_cache: Path
) -> None:
    from insights.classify.build import load_insight_embedder

    settings.models.cache_dir = model_cache
    embedder = load_insight_embedder(settings)
    quotes = [
        ("leak-en-1", "c1", "My AquaPure X3 is leaking at the filter housing on the left side."),
        ("leak-en-2", "c2", "Water drips from the filter housing, it is leaking all over the cabinet."),
        ("leak-zh-1", "c3", "净水器滤芯座漏水，左边那个滤芯的位置一直往下滴。"),
        ("leak-zh-2", "c4", "净水器滤芯座漏水，安装不到两周，地上都是水。"),
        ("brush-zh", "c5", "扫地机的边刷不转了，主刷在转，就是边上那个小刷子一动不动。"),
        ("wifi-zh", "c6", "扫地机器人一直配网失败，App 里搜不到设备。"),
    ]
    events = [ev(cid, cust, i * 0.2, quote=q) for i, (cid, cust, q) in enumerate(quotes)]
    split = {e.conversation_id: e.problem for e in assign_problems(events, embedder.embed)}
    assert split["leak-en-1"] == split["leak-en-2"] == split["leak-zh-1"] == split["leak-zh-2"]
    assert len({split["leak-en-1"], split["brush-zh"], split["wifi-zh"]}) == 3


def test_large_pairs_cluster_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    import insights.andon.rule as andon

    monkeypatch.setattr(andon, "MAX_LINKAGE", 3)
    quotes = ["leak a", "leak b", "brush c", "leak d", "brush e"]
    events = [ev(str(i), f"c{i}", i * 0.1, quote=q) for i, q in enumerate(quotes)]
    split = assign_problems(events, fake_embed)
    leaks = {e.problem for e in split if "leak" in e.quote}
    brushes = {e.problem for e in split if "brush" in e.quote}
    assert len(leaks) == 1 and len(brushes) == 1 and leaks != brushes
