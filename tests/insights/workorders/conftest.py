from __future__ import annotations

from datetime import UTC, datetime

from core.settings import WorkOrderSettings
from insights.workorders.desk import Desk

# Monday 10:00 in Shanghai
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def desk(**settings: object) -> Desk:
    return Desk.from_settings(WorkOrderSettings.model_validate(settings))
