"""Each role's day in a real headless Chromium (Debian's `chromium`, which `make test` installs), driven by
Playwright against a real server: sign in, click through the pages, do the work, sign out. Screenshots of every
main page are saved (to $CONSOLE_SCREENSHOTS when set: the README's pictures come from there)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from api.threaded import serving
from ingest.masking import find_pii
from tests.api.console.conftest import PASSWORDS, RAW_PHONE, USERS
from tests.api.test_report_page import CHROMIUM, FLAGS
from tests.conftest import HUNG_S, ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def served(console_app: FastAPI) -> Iterator[str]:
    with serving(console_app, lifespan="off") as url:
        yield url


@pytest.fixture(scope="module")
def browser(served: str) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Visit:
    """One person's browser tab: every page it shows is checked for personal data."""

    def __init__(self, browser: Any, base: str, shots: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1366, "height": 900})
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())  # the cord's and the revoke button's confirm()
        self.base = base
        self.shots = shots
        self.seen: list[str] = []

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        self.check()
        return response

    def check(self) -> str:
        text: str = self.page.inner_text("main")
        assert RAW_PHONE not in text and "li.wei@example.com" not in text and "li.lei@example.com" not in text
        outside_charts = self.page.evaluate(
            "() => { const m = document.querySelector('main').cloneNode(true);"
            " m.querySelectorAll('svg').forEach(s => s.remove()); return m.innerText; }"
        )
        assert find_pii(outside_charts) == [], (self.page.url, find_pii(outside_charts))
        self.seen.append(self.page.url)
        return text

    def sign_in(self, role: str, *, start: str = "/console/") -> None:
        self.goto(start)
        assert "/console/signin" in self.page.url  # a signed-out visitor is sent to sign in
        self.page.fill("input[name=username]", USERS[role]["username"])
        self.page.fill("input[name=password]", PASSWORDS[role])
        self.page.click("#signin")
        self.page.wait_for_load_state()
        assert "/console/signin" not in self.page.url, self.page.inner_text("main")
        self.check()

    def click(self, selector: str) -> str:
        self.page.click(selector)
        self.page.wait_for_load_state()
        return self.check()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def sign_out(self) -> None:
        self.page.click("#signout")
        self.page.wait_for_load_state()
        assert "/console/signin" in self.page.url
        self.context.close()


def test_agent_asks_rates_and_pulls_the_cord(browser: Any, served: str, shots: Path) -> None:
    tab = Visit(browser, served, shots)
    tab.sign_in("agent")
    page = tab.page
    assert page.url.endswith("/console/assist") and "问知识库" in page.inner_text("h1")
    page.fill("textarea[name=question]", "How often should I descale the kettle?")
    text = tab.click("#ask")
    assert page.locator("a.citation").count() >= 1 and "出处" in text
    tab.shot("agent-assist")
    title = page.locator("a.citation").first.inner_text()
    with tab.context.expect_page() as opened:  # the source opens beside the answer, which stays in view
        page.click("a.citation >> nth=0")
    source = opened.value
    source.wait_for_load_state()
    assert title.split(" · ")[0] in source.inner_text("h1")
    source.close()
    assert "有帮助" in tab.click("#rate-helpful")

    tab.click("text=我的会话")
    tab.click("a[href='/console/conversations/chat:ZH-1']")
    assert "净水器漏水" in tab.check()
    page.select_option("select[name=issue]", "wrong_item")
    text = tab.click("#pull-cord")
    assert "已拉灯" in text or "已加入" in text
    tab.shot("agent-conversation")
    assert page.locator("a[href='/console/andon']").count() == 0  # not the agent's board
    tab.sign_out()


def test_agent_streams_a_call_and_watches_transcript_and_suggestions(browser: Any, served: str, shots: Path) -> None:
    tab = Visit(browser, served, shots)
    tab.sign_in("agent")
    tab.goto("/console/live?speed=3")  # the 52 s call in about 17 s
    page = tab.page
    page.set_input_files("#live-file", str(ROOT / "demo" / "calls" / "CALL-0017.ogg"))
    page.select_option("#live-language", "en")
    page.click("#live-stream")
    page.wait_for_selector("#live-status:has-text('通话已结束')", timeout=HUNG_S * 1000)  # hung up (not stored here)
    assert page.locator("#live-transcript li.agent").count() >= 2
    assert page.locator("#live-transcript li.customer").count() >= 2
    assert page.locator("#live-suggestions article.suggestion").count() >= 1  # the customer asked
    tab.check()
    tab.shot("agent-live")
    tab.sign_out()


def test_analyst_reads_the_dashboard_and_works_the_board_and_queue(browser: Any, served: str, shots: Path) -> None:
    tab = Visit(browser, served, shots)
    tab.sign_in("analyst", start="/console/andon")
    page = tab.page
    assert page.url.endswith("/console/andon")  # back where the link pointed
    tab.click("text=看板")
    charts = page.locator(".charts svg")
    assert charts.count() >= 2
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100
    tab.shot("analyst-dashboard")

    tab.click("header nav >> text=安灯")
    kettle = page.locator("article.alert", has_text="kettle").first
    assert kettle.count() == 1
    if kettle.locator("button.ack").count():
        kettle.locator("button.ack").click()
        page.wait_for_load_state()
        assert "已认领" in tab.check()
    tab.shot("analyst-andon")

    tab.click("header nav >> text=工单")
    assert page.locator("table.list tbody tr").count() >= 1
    tab.shot("analyst-workorders")
    tab.click("table.list tbody tr >> nth=0 >> a")
    move = page.locator("button.move").first
    target = move.inner_text()
    move.click()
    page.wait_for_load_state()
    assert "状态已更新" in tab.check() and target in page.inner_text("h1")

    tab.click("header nav >> text=会话")
    page.fill("input[name=q]", "净水器漏水")
    tab.click("#search")
    tab.click("ol.hits a[href*='chat:ZH-1'] >> nth=0")
    assert "chat:ZH-1" in page.inner_text("h1") and "对话" in page.inner_text("main")
    tab.shot("analyst-conversation")
    tab.click("header nav >> text=知识缺口")
    tab.shot("analyst-gaps")
    tab.sign_out()


def test_qa_reviews_in_english(browser: Any, served: str, shots: Path) -> None:
    tab = Visit(browser, served, shots)
    tab.sign_in("qa")
    page = tab.page
    assert page.url.endswith("/console/qa") and "Quality inspection" in page.inner_text("h1")
    tab.goto("/console/conversations/C-PROMISE")
    page.select_option("select[name='item:greeting']", "pass")
    assert "Review saved" in tab.click("#review-service_basics")
    tab.shot("qa-conversation")
    tab.click("header nav >> text=QA")
    tab.shot("qa-queue")
    tab.sign_out()


def test_sales_lead_filters_the_digest_and_is_kept_out_of_other_pages(browser: Any, served: str, shots: Path) -> None:
    tab = Visit(browser, served, shots)
    tab.sign_in("sales_lead")
    page = tab.page
    assert page.url.endswith("/console/digest")
    page.select_option("select[name=days]", "30")
    text = tab.click("#filter")
    assert "价格" in text and "S-1" in text
    tab.shot("sales-digest")
    response = tab.goto("/console/andon")
    assert response.status == 403 and "无权访问" in page.inner_text("main")
    nav = page.eval_on_selector_all("header nav a", "links => links.map(a => a.getAttribute('href'))")
    assert nav == ["/console/digest", "/console/customers"]  # all the sales lead's nav holds
    text = tab.click("header nav >> text=客户")
    assert "chat:DEAL-1" in text and "流失风险最高" not in text  # open leads, no churn list for a sales lead
    assert "购买信号" in text  # why the lead scores as it does
    assert page.locator("main a[href^='/console/conversations/']").count() == 0  # conversations are not theirs to read
    tab.shot("sales-customers")
    tab.sign_out()


def test_admin_adds_a_user_issues_a_key_and_filters_the_audit_log(browser: Any, served: str, shots: Path) -> None:
    tab = Visit(browser, served, shots)
    tab.sign_in("admin")
    page = tab.page
    assert page.url.endswith("/console/admin/users")
    form = page.locator("#add-user")
    form.locator("input[name=username]").fill("browser.agent")
    form.locator("input[name=display_name]").fill("浏览器坐席")
    form.locator("input[name=password]").fill("browser-pass-2026")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "User added" in tab.check() and page.locator("#user-browser\\.agent").count() == 1
    tab.shot("admin-users")
    tab.click("header nav >> text=API keys")
    page.fill("input[name=name]", "wallboard")
    text = tab.click("#create-key")
    assert re.search(r"cxl_[0-9a-f]+_", page.inner_text("#issued-key")) and "shown this once" in text
    tab.click("header nav >> text=Audit log")
    page.fill("input[name=user]", "root.admin")
    tab.click("#filter")
    assert "/console/admin/keys" in page.inner_text("table.audit")
    tab.shot("admin-audit")
    tab.sign_out()


def test_signed_out_and_forged_forms_are_refused(browser: Any, served: str, shots: Path) -> None:
    tab = Visit(browser, served, shots)
    tab.goto("/console/workorders")
    assert "/console/signin?next=/console/workorders" in tab.page.url
    tab.shot("signin")
    tab.sign_in("analyst", start="/console/dashboard")
    forged = tab.page.request.post(f"{served}/console/andon/any/acknowledge", form={"csrf": "forged"})
    assert forged.status == 403
    tab.sign_out()
