"""Report pages: self-contained HTML with inline SVG charts, Markdown, JSON; masked quotes; atomic files."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import session_factory, transaction
from core.settings import ReportSettings
from ingest.masking import find_pii
from insights.reports.digest import LossDigest, build_loss_digest
from insights.reports.render.pages import (
    render_digest_html,
    render_digest_markdown,
    render_trend_html,
    render_trend_markdown,
    write_report,
)
from insights.reports.report import AlertSummary, GapSummary, TrendReport, assemble_report
from tests.conftest import FakeEmbedder
from tests.insights.test_topics import POINTS
from tests.insights.test_trends import COUNTS, END, add, seed_counts

_SVG = re.compile(r"<svg.*?</svg>", re.S)
_CJK = re.compile(r"[\u3400-\u9fff]")

ALERTS = [
    AlertSummary(
        id="A-1", product="aquapure-x3", issue="defect", status="open", customers=3,
        first_seen=END - timedelta(days=3), last_seen=END - timedelta(days=1),
        quotes=["净水器底部漏水，回电13812345678", "It leaks, mail me at jo@example.com"],
        work_orders=["WO-1 quality: supplier stock check", "WO-2 process: root-cause review"],
    )
]  # fmt: skip
GAPS = [
    GapSummary(question="CrispAir 5 能烤蛋糕吗？<script>alert(1)</script>", count=3, languages=["zh"],
               products=["crispair-5"], last_seen=END - timedelta(days=1))
]  # fmt: skip


def seed(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        seed_counts(s, COUNTS)
        for i, text in enumerate(POINTS):
            add(s, f"pts-{i}", END - timedelta(days=2, hours=i), intent="other", texts=[text])
        add(s, "lost-1", END - timedelta(days=2), outcome="lost", team="north", agent="S-1",
            texts=["太贵了，超出预算"], losses=[("price", "太贵了 | 超出预算，电话13812345678")])  # fmt: skip
        add(s, "won-1", END - timedelta(days=2), outcome="won", team="north", agent="S-2",
            texts=["价格我们可以接受，预算够了"])  # fmt: skip


def report_for(sessions: sessionmaker[Session]) -> TrendReport:
    with transaction(sessions) as s:
        return assemble_report(
            s, FakeEmbedder(), end=END, settings_reports=ReportSettings(), andon_alerts=ALERTS, knowledge_gaps=GAPS,
            generated_at=datetime(2026, 11, 16, 2, tzinfo=UTC),
        )  # fmt: skip


def digest_for(sessions: sessionmaker[Session]) -> LossDigest:
    with sessions() as s:
        return build_loss_digest(s, end=END, period_days=7, generated_at=datetime(2026, 11, 16, 2, tzinfo=UTC))


def assert_self_contained_and_masked(html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    text = _SVG.sub("", html)  # chart path data is numbers, not personal data
    assert find_pii(text) == [], find_pii(text)[:3]


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    seed(session_factory(engine))
    return session_factory(engine)


def test_trend_report_page(sessions: sessionmaker[Session]) -> None:
    report = report_for(sessions)
    assert report.conversations == 106 and len(report.topics) == 1 and report.topics[0].size == 4
    html = render_trend_html(report)
    assert_self_contained_and_masked(html)
    charts = re.findall(r'<figure class="chart" data-chart="([a-z_]+)"><svg', html)
    assert charts == ["volume_by_channel", "volume_by_intent", "sentiment", "intent_changes"]
    assert all(not _CJK.search(svg) for svg in _SVG.findall(html))  # no CJK glyphs needed inside charts
    assert "Noto Sans CJK SC" in html and '<meta charset="utf-8">' in html
    assert "积分" in html and "净水器底部漏水" in html  # Chinese shown as text, not entities
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # autoescaped
    assert "[PHONE]" in html and "[EMAIL]" in html
    assert report.topics[0].id in html and "WO-1 quality" in html and "delivery" in html
    assert "2026-11-09 – 2026-11-15" in html

    md = render_trend_markdown(report)
    assert md.startswith("# Customer trend report 2026-11-09 – 2026-11-15")
    assert "| delivery | 40 | 10 |" in md and "rising" in md
    assert find_pii(md) == [] and "积分" in md
    assert "| price | 1 | 0 | +1 |" in md


def test_digest_page(sessions: sessionmaker[Session]) -> None:
    digest = digest_for(sessions)
    html = render_digest_html(digest)
    assert_self_contained_and_masked(html)
    assert 'data-chart="loss_reasons"' in html and "太贵了" in html and "[PHONE]" in html
    assert "价格我们可以接受" in html  # what a won deal said about price
    assert html.count("<h2>north</h2>") == 1 and "S-1" in html
    md = render_digest_markdown(digest)
    assert "太贵了 \\| 超出预算" in md  # a pipe inside a quote does not break the table
    assert find_pii(md) == [] and "### By rep" in md


def test_files_are_written_with_latest_copies(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    report = report_for(sessions)
    written = write_report(report, tmp_path / "reports")
    names = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert names == sorted(
        ["trends-2026-11-15.html", "trends-2026-11-15.md", "trends-2026-11-15.json", "latest.html", "latest.md",
         "latest.json"]
    )  # fmt: skip
    assert written["html"].read_text(encoding="utf-8") == written["latest_html"].read_text(encoding="utf-8")
    again = TrendReport.model_validate(json.loads(written["json"].read_text(encoding="utf-8")))
    assert again.topics[0].id == report.topics[0].id and again.andon_alerts[0].id == "A-1"

    digest = digest_for(sessions)
    written = write_report(digest.model_copy(update={"team": "north"}), tmp_path / "reports")
    assert written["md"].name == "loss-digest-north-2026-11-15.md"
    assert written["latest_html"].name == "loss-digest-north-latest.html"
    assert written["json"].exists() and not list((tmp_path / "reports").glob("*.tmp"))
