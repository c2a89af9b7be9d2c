"""Assemble and write the trend report, the loss-reason digest and the QA digests: the one place that joins
insights, Andon alerts and knowledge gaps (`insights` never imports `knowledge`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.db import engine_for, session_factory, transaction
from core.settings import Settings
from insights.andon.alerts import AlertView, followups, list_alerts
from insights.reports.report import AlertSummary, FollowupSummary, GapSummary, period_end

QUOTES_PER_ALERT = 3


def alert_summary(alert: AlertView) -> AlertSummary:
    return AlertSummary(
        id=alert.id,
        product=alert.product,
        issue=alert.issue,
        problem=alert.problem,
        status=alert.status,
        customers=alert.customers,
        first_seen=alert.first_seen,
        last_seen=alert.last_seen,
        quotes=[e.quote for e in alert.evidence if e.quote.strip()][:QUOTES_PER_ALERT],
        work_orders=[
            f"{w.kind} → {w.team}/{w.assignee} ({w.priority}): {w.title} [{w.status}]" for w in alert.work_orders
        ],
        source=alert.source,
        on_hold=alert.hold is not None and alert.hold.released_at is None,
    )


def _live_alerts(session: Session) -> list[AlertSummary]:
    return [alert_summary(a) for a in list_alerts(session, live=True)]


def _followups(session: Session, now: datetime) -> list[FollowupSummary]:
    out = []
    for f in followups(session, now=now):
        out.append(
            FollowupSummary(
                product=f.product,
                issue=f.issue,
                problem=f.problem,
                closed_at=f.closed_at,
                before_per_1000=f.before.per_1000,
                after_per_1000=f.after.per_1000,
                before_complaints=f.before.complaints,
                after_complaints=f.after.complaints,
                after_days=round((f.after.end - f.after.start).total_seconds() / 86400, 1),
            )
        )
    return out


def _gaps(session: Session, settings: Settings, since: datetime) -> list[GapSummary]:
    from knowledge.gaps import list_gaps

    return [
        GapSummary(
            question=g.question,
            count=g.count,
            languages=g.languages,
            products=g.products,
            last_seen=g.last_seen,
        )
        for g in list_gaps(session, since=since, embedder_name=settings.models.embedder, limit=20)
    ]


def write_trend_report(settings: Settings, now: datetime) -> dict[str, str]:
    from core.ml.chat import load_chat_model
    from insights.classify.build import load_insight_embedder
    from insights.classify.catalog import load_catalog
    from insights.classify.config import catalog_path, score_model_path
    from insights.customers.scores import churn_priors, load_model
    from insights.customers.section import customer_section
    from insights.reports.render.pages import write_report
    from insights.reports.report import assemble_report
    from insights.reports.topics import chat_namer
    from insights.workorders.desk import Desk
    from insights.workorders.report import build_manager_section

    end = period_end(now, settings.flows.timezone)
    embedder = load_insight_embedder(settings)
    chat = load_chat_model(settings) if settings.llm.uses.topics else None
    desk = Desk.from_settings(settings.workorders)
    catalog = load_catalog(catalog_path(settings, settings.insights))
    engine = engine_for(settings)
    try:
        with transaction(session_factory(engine)) as session:  # topic ids are upserted: commit with the report
            report = assemble_report(
                session,
                embedder,
                end=end,
                settings_reports=settings.reports,
                andon_alerts=_live_alerts(session),
                knowledge_gaps=_gaps(session, settings, end - timedelta(days=settings.reports.period_days)),
                followups=_followups(session, now),
                manager=build_manager_section(
                    session, desk, catalog, end=end, period_days=settings.reports.period_days
                ),
                customers=customer_section(
                    session,
                    start=end - timedelta(days=settings.reports.period_days),
                    end=end,
                    churn_model=load_model(score_model_path(settings, "churn"), churn_priors()),
                ),
                namer=chat_namer(chat) if chat is not None else None,
            )
    finally:
        engine.dispose()
    paths = write_report(report, settings.reports_dir)
    return {"trends_html": str(paths["html"]), "trends_md": str(paths["md"]), "trends_json": str(paths["json"])}


def write_loss_digest(settings: Settings, now: datetime) -> dict[str, str]:
    from insights.reports.digest import build_loss_digest
    from insights.reports.render.pages import write_report

    end = period_end(now, settings.flows.timezone)
    engine = engine_for(settings)
    try:
        with session_factory(engine)() as session:
            digest = build_loss_digest(session, end=end, period_days=settings.reports.period_days)
    finally:
        engine.dispose()
    paths = write_report(digest, settings.reports_dir)
    return {"digest_html": str(paths["html"]), "digest_md": str(paths["md"]), "digest_json": str(paths["json"])}


def write_qa_digests(settings: Settings, now: datetime) -> dict[str, str]:
    """The QA digest for every team together and one per team."""
    from insights.quality.digest import build_qa_digest
    from insights.quality.scorecard import scorecards_by_name
    from insights.reports.render.pages import write_report

    end = period_end(now, settings.flows.timezone)
    cards = scorecards_by_name(settings.quality.scorecard_dir)
    engine = engine_for(settings)
    out: dict[str, str] = {}
    try:
        with session_factory(engine)() as session:
            overall = build_qa_digest(session, end=end, period_days=settings.reports.period_days, cards=cards)
            digests = [overall] + [
                build_qa_digest(session, end=end, period_days=settings.reports.period_days, team=t.scorecard,
                                cards=cards)
                for t in overall.teams
            ]  # fmt: skip
    finally:
        engine.dispose()
    for digest in digests:
        paths = write_report(digest, settings.reports_dir)
        key = f"qa_{digest.team}" if digest.team else "qa"
        out |= {f"{key}_html": str(paths["html"]), f"{key}_md": str(paths["md"])}
    return out
