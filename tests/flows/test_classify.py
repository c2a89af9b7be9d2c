"""The `classify` Prefect flow: a real flow run with the real default embedder; a second run changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import engine_for, migrate, session_factory
from core.settings import Settings
from core.tables import InsightRow
from tests.insights.conftest import COMPLAINT, LOST_DEAL, QUESTION, store


@pytest.mark.integration
def test_classify_flow_stores_insights_once(settings: Settings, prefect_harness: None) -> None:
    from flows.classify import classify_flow

    engine = engine_for(settings)
    migrate(engine)
    sessions = session_factory(engine)
    store(sessions, [COMPLAINT, LOST_DEAL, QUESTION])
    first = classify_flow(settings)
    assert first.classified == 3 and first.insights > 10
    assert first.models["intent"].startswith("embedding-head/use-multilingual@zero-shot:")
    with sessions() as s:
        count = s.scalar(select(func.count()).select_from(InsightRow))
        lost = s.scalars(select(InsightRow.label).where(InsightRow.conversation_id == "S-LOST",
                                                        InsightRow.kind == "loss_reason")).all()  # fmt: skip
    assert count == first.insights
    assert "price" in lost or "competitor" in lost
    again = classify_flow(settings)
    assert again.classified == 0 and again.considered == 0
    engine.dispose()
