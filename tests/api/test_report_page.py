"""The trend report page in a real headless Chromium (Debian's `chromium`, which `make test` installs): the charts
render, no personal data shows, and a screenshot is saved."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.threaded import serving
from core.settings import Settings
from ingest.masking import find_pii
from tests.api.conftest import auth
from tests.api.test_andon_reports_api import NOW, seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def served(app_settings: Settings) -> Iterator[str]:
    with serving(create_app(app_settings)) as url:
        yield url


@pytest.mark.integration
def test_report_page_renders_charts_without_personal_data(
    client: TestClient, keys: dict[str, str], app_settings: Settings, served: str, tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from flows.reporting import write_trend_report

    seed(client)
    write_trend_report(app_settings, NOW)
    shot = tmp_path / "trend-report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_context(
                extra_http_headers=auth(keys["analyst"]), viewport={"width": 1280, "height": 900}
            ).new_page()
            response = page.goto(f"{served}/v1/reports/trends/page")
            assert response is not None and response.status == 200
            charts = page.locator("figure.chart svg")
            assert charts.count() >= 2
            for i in range(charts.count()):
                box = charts.nth(i).bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 100, box
                assert charts.nth(i).locator("path").count() > 5  # axes and bars were drawn
            text = page.inner_text("body")
            assert "kettle" in text
            assert find_pii(text) == [], find_pii(text)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
