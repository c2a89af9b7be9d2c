"""The nightly trend report as one record: the trend numbers, emerging topics, open Andon alerts, knowledge gaps.

The caller (the nightly flow) fills `andon_alerts` and `knowledge_gaps`: they come from the Andon step and from
`knowledge`, which `insights` never imports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from core.ml.base import Embedder
from core.settings import ReportSettings
from insights.customers.section import CustomerSection
from insights.quality.digest import CardLine, ItemLine, build_qa_digest
from insights.reports.topics import Namer, Topic, emerging_topics
from insights.reports.trends import TrendData, build_trends
from insights.workorders.report import ManagerSection

QA_MISSED = 5


def period_end(now: datetime, timezone: str) -> datetime:
    """Local midnight of `now`'s day: a report written at 02:00 covers whole days up to yesterday."""
    return now.astimezone(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0, microsecond=0)


class AlertSummary(BaseModel):
    id: str
    product: str
    issue: str
    status: str
    customers: int
    first_seen: datetime
    last_seen: datetime
    quotes: list[str]
    work_orders: list[str]
    problem: str = ""
    source: str = "rule"
    on_hold: bool = Field(default=False, description="Its product is off sale until the alert closes.")


class FollowupSummary(BaseModel):
    """A closed alert's complaint rate (per 1,000 conversations) before and after it was closed."""

    product: str
    issue: str
    problem: str = ""
    closed_at: datetime
    before_per_1000: float
    after_per_1000: float
    before_complaints: int
    after_complaints: int
    after_days: float


class GapSummary(BaseModel):
    question: str
    count: int
    languages: list[str]
    products: list[str]
    last_seen: datetime


class TrendReport(TrendData):
    generated_at: datetime
    topics: list[Topic] = Field(default_factory=list)
    andon_alerts: list[AlertSummary] = Field(default_factory=list)
    knowledge_gaps: list[GapSummary] = Field(default_factory=list)
    followups: list[FollowupSummary] = Field(default_factory=list)
    quality: list[CardLine] = Field(default_factory=list, description="QA (质检) per scorecard, this period.")
    quality_missed: list[ItemLine] = Field(default_factory=list, description="The most-missed QA items.")
    manager: ManagerSection | None = Field(
        default=None, description="SLA attainment per team, products on hold, the bad-Andon rate."
    )
    customers: CustomerSection | None = Field(
        default=None, description="Price bands, preferences, open leads and churn risks."
    )


def assemble_report(
    session: Session,
    embedder: Embedder,
    *,
    end: datetime,
    settings_reports: ReportSettings,
    andon_alerts: list[AlertSummary] | None = None,
    knowledge_gaps: list[GapSummary] | None = None,
    followups: list[FollowupSummary] | None = None,
    manager: ManagerSection | None = None,
    customers: CustomerSection | None = None,
    namer: Namer | None = None,
    generated_at: datetime | None = None,
) -> TrendReport:
    """The whole report for [end - period_days, end). Topic ids are upserted in `session`: the caller commits."""
    trends = build_trends(session, end=end, period_days=settings_reports.period_days, alpha=settings_reports.alpha)
    qa = build_qa_digest(session, end=end, period_days=settings_reports.period_days)
    topics = emerging_topics(
        session,
        embedder,
        start=trends.start,
        end=end,
        min_size=settings_reports.topic_min_size,
        match=settings_reports.topic_match,
        namer=namer,
    )
    fields: dict[str, Any] = trends.model_dump()
    return TrendReport(
        **fields,
        generated_at=generated_at or datetime.now(UTC),
        topics=topics,
        andon_alerts=andon_alerts or [],
        knowledge_gaps=knowledge_gaps or [],
        followups=followups or [],
        quality=qa.cards,
        quality_missed=qa.items[:QA_MISSED],
        manager=manager,
        customers=customers,
    )
