"""The trend report and the loss digest as self-contained HTML (Jinja2, autoescaped) and Markdown, and their files.

Every quote passes through `mask_text` once more on its way to a page: the stored quotes are masked already, but a
page is where a leak would be seen by the most people.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ingest.masking import mask_text
from insights.quality.digest import QaDigest
from insights.reports.digest import LossDigest
from insights.reports.render import charts
from insights.reports.render.markdown import digest_markdown, qa_markdown, trend_markdown
from insights.reports.report import TrendReport

TEMPLATES = Path(__file__).parent / "templates"


def _day(value: date | datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _pct_change(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}%"


def _pval(value: float) -> str:
    return f"{value:.2g}" if value >= 0.001 else "<0.001"


@cache
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    env.filters.update(day=_day, stamp=_stamp, pct=_pct, pct_change=_pct_change, pval=_pval, masked=mask_text)
    return env


def last_day(end: datetime) -> date:
    """The last day a report covers: its end is exclusive."""
    return (end - timedelta(microseconds=1)).date()


def volume_change(current: int, previous: int) -> float | None:
    return (current - previous) / previous if previous else None


def trend_charts(report: TrendReport) -> list[Markup]:
    days = report.days
    sentiment = {k: [getattr(s, k) for s in report.sentiment_by_day] for k in ("negative", "neutral", "positive")}
    changes = [(c.intent, c.change_pp, c.significant) for c in report.intent_changes if c.direction != "flat"]
    changes.sort(key=lambda c: (not c[2], -abs(c[1]), c[0]))
    return [
        charts.stacked_days("volume_by_channel", "Conversations per day by channel", days, report.volume_by_channel),
        charts.stacked_days("volume_by_intent", "Conversations per day by intent", days, report.volume_by_intent),
        charts.sentiment_days("sentiment", "Customer sentiment per day", days, sentiment),
        charts.change_bars("intent_changes", "Change of intent share against the previous period", changes),
    ]


def render_trend_html(report: TrendReport) -> str:
    return str(
        _env()
        .get_template("trends.html.j2")
        .render(
            r=report,
            charts=trend_charts(report),
            last_day=last_day(report.end),
            volume_change=volume_change(report.conversations, report.previous_conversations),
            rising=[c for c in report.intent_changes if c.significant and c.direction == "rising"],
            falling=[c for c in report.intent_changes if c.significant and c.direction == "falling"],
        )
    )


def render_trend_markdown(report: TrendReport) -> str:
    return trend_markdown(report, last_day(report.end))


def render_digest_html(digest: LossDigest) -> str:
    rows = [(line.reason, line.lost, line.previous) for line in digest.overall.reasons]
    chart = charts.paired_bars("loss_reasons", "Lost deals by reason: this period against the previous", rows)
    scopes = [digest.overall] + ([] if digest.team else digest.teams)
    return str(
        _env()
        .get_template("loss_digest.html.j2")
        .render(d=digest, chart=chart if rows else None, scopes=scopes, last_day=last_day(digest.end))
    )


def render_digest_markdown(digest: LossDigest) -> str:
    return digest_markdown(digest, last_day(digest.end))


def render_qa_html(digest: QaDigest) -> str:
    days = [line.day for line in digest.days]
    means = [line.mean_score for line in digest.days]
    chart = charts.score_days("qa_scores", "Mean QA score per day", days, means) if digest.cards else None
    return str(_env().get_template("qa_digest.html.j2").render(d=digest, chart=chart, last_day=last_day(digest.end)))


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600: reports are read by the API and by people
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text).strip("-") or "team"


def write_report(report: TrendReport | LossDigest | QaDigest, folder: Path) -> dict[str, Path]:
    """`trends-<last day>.{html,md,json}` and `latest.*` (or `loss-digest[-team]-<last day>.*` and
    `loss-digest[-team]-latest.*`, `qa-digest[-team]-...`), each written to a temporary file and renamed into place.

    Returns {"html"|"md"|"json": dated path, "latest_html"|"latest_md"|"latest_json": latest path}.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(report, TrendReport):
        prefix, latest = "trends-", "latest"
        texts = {"html": render_trend_html(report), "md": render_trend_markdown(report)}
    elif isinstance(report, QaDigest):
        prefix = "qa-digest-" + (f"{_slug(report.team)}-" if report.team else "")
        latest = f"{prefix}latest"
        texts = {"html": render_qa_html(report), "md": qa_markdown(report, last_day(report.end))}
    else:
        prefix = "loss-digest-" + (f"{_slug(report.team)}-" if report.team else "")
        latest = f"{prefix}latest"
        texts = {"html": render_digest_html(report), "md": render_digest_markdown(report)}
    texts["json"] = report.model_dump_json(indent=2)
    stem = f"{prefix}{last_day(report.end).isoformat()}"
    out: dict[str, Path] = {}
    for ext, text in texts.items():
        for key, name in ((ext, stem), (f"latest_{ext}", latest)):
            path = folder / f"{name}.{ext}"
            _atomic_write(path, text)
            out[key] = path
    return out
