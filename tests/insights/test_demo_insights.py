"""The demo corpus end to end with the real default embedder: planted complaints and lost deals come out labelled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from core.db import engine_for, migrate, session_factory
from core.settings import Settings
from core.tables import InsightRow
from insights.classify.runner import classify_pending
from insights.classify.store import complaint_counts

ROOT = Path(__file__).resolve().parents[2]
CST = timezone(timedelta(hours=8))


@pytest.mark.integration
def test_planted_complaints_and_lost_deals_are_labelled(settings: Settings) -> None:
    from ingest.pipeline import run_ingest

    expected = yaml.safe_load((ROOT / "demo" / "expected.yaml").read_text(encoding="utf-8"))
    engine = engine_for(settings)
    migrate(engine)
    sessions = session_factory(engine)
    for channel, path in (("chat", "chats"), ("work_order", "work_orders"), ("chat", "sales")):
        run_ingest(settings, sessions, channel, ROOT / "demo" / path)  # type: ignore[arg-type]
    report = classify_pending(settings, sessions)
    assert report.classified >= 140

    # Andon input: each planted cluster reaches two or more distinct customers as one (product, issue)
    with sessions() as s:
        for cluster in expected["andon"]["planted"]:
            window = cluster["window"]
            start = datetime.fromisoformat(window["start"]).replace(tzinfo=CST)
            end = datetime.fromisoformat(window["end"]).replace(tzinfo=CST) + timedelta(days=1)
            counts = complaint_counts(s, start=start, end=end)
            best = max((c for c in counts if c.product == cluster["product"]), key=lambda c: c.customers)
            assert best.issue == "defect" and best.customers >= 2, (cluster["id"], counts)

        # lost deals: each has reasons with masked evidence, most of them the planted one
        reasons: dict[str, list[InsightRow]] = {}
        for r in s.scalars(select(InsightRow).where(InsightRow.kind == "loss_reason")):
            reasons.setdefault(r.conversation_id.split(":", 1)[-1], []).append(r)
        outcomes = {
            r.conversation_id.split(":", 1)[-1]: r.label
            for r in s.scalars(select(InsightRow).where(InsightRow.kind == "outcome"))
        }
    lost = [d for d in expected["lost_deals"]["lost"] if d["id"].startswith("SALE-")]
    hits = 0
    for deal in lost:
        assert outcomes[deal["id"]] == "lost"
        found = reasons[deal["id"]]
        assert all(r.evidence_quote for r in found if r.label != "other")
        hits += any(r.label == deal["loss_reason"] for r in found)
    assert hits >= len(lost) * 2 // 3, f"{hits} of {len(lost)} lost deals got their planted reason"
    for won in expected["lost_deals"]["sales_csv_won"]:
        assert outcomes[won] == "won" and won not in reasons

    # prices with their roles and the customer's range; a calibrated lead score with its signals on every sale
    with sessions() as s:
        labels: dict[tuple[str, str], set[str]] = {}
        scores: dict[str, float] = {}
        for r in s.scalars(select(InsightRow).where(InsightRow.kind.in_(("price", "price_range", "lead_score")))):
            key = r.conversation_id.split(":", 1)[-1]
            labels.setdefault((key, r.kind), set()).add(r.label)
            if r.kind == "lead_score":
                scores[key] = r.confidence
    assert labels[("SALE-0016", "price_range")] == {"-1500:CNY"}  # 每台 1500 以内
    assert "budget:-1500:CNY" in labels[("SALE-0016", "price")]
    assert {"budget:450-450:CNY", "agreed:465-465:CNY"} <= labels[("SALE-0024", "price")]
    assert "competitor:139-139:CNY" in labels[("SALE-0003", "price")]
    assert "other:30-30:CNY" in labels[("SALE-0022", "price")]  # 贵了 30 块: a difference
    sales = {k for k in outcomes if k.startswith("SALE-")}
    assert sales <= set(scores) and all(0 < p < 1 for p in scores.values())
    engine.dispose()
