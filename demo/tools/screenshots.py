"""Screenshots of the console's main pages for the README, taken from a running demo in Debian's chromium.

    make demo                                   # leaves the API serving on 127.0.0.1:8000
    .venv/bin/python demo/tools/screenshots.py  # signs in as each demo user (data/demo-users.json)

Writes docs/screenshots/<role>-<page>.png. Nothing here is part of the product or its tests.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def sign_in(page: Page, base: str, user: dict[str, str]) -> None:
    page.goto(f"{base}/console/signin")
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", user["password"])
    page.click("#signin")
    page.wait_for_load_state()


def shot(page: Page, out: Path, name: str, *, full: bool = False) -> None:
    page.screenshot(path=str(out / f"{name}.png"), full_page=full)
    print("wrote", out / f"{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=Path, default=Path("data/demo-users.json"))
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    users = json.loads(args.users.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.base
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=FLAGS)

        def tab(role: str) -> Page:
            page = browser.new_context(viewport={"width": 1366, "height": 860}).new_page()
            sign_in(page, base, users[role])
            return page

        page = tab("agent")
        page.fill("textarea[name=question]", "七天无理由退货从哪天开始算？")
        page.click("#ask")
        page.wait_for_load_state()
        shot(page, args.out, "agent-assist")
        page.goto(f"{base}/console/mine")
        page.click("table.list tbody tr >> nth=0 >> a")
        page.wait_for_load_state()
        shot(page, args.out, "agent-conversation")
        page.goto(f"{base}/console/live?speed=2")  # a demo call streamed at twice real-time speed
        page.set_input_files("#live-file", "demo/calls/CALL-0017.ogg")
        page.select_option("#live-product", "heatwave-kettle")
        page.select_option("#live-language", "en")
        page.click("#live-stream")
        page.wait_for_selector("#live-stored", timeout=600_000)
        shot(page, args.out, "agent-live")

        page = tab("analyst")
        shot(page, args.out, "analyst-dashboard", full=True)
        page.goto(f"{base}/console/andon?status=closed")
        shot(page, args.out, "analyst-andon")
        page.goto(f"{base}/console/workorders?status=all")
        shot(page, args.out, "analyst-workorders")
        page.goto(f"{base}/console/conversations?q=净水器漏水")
        shot(page, args.out, "analyst-search")
        page.goto(f"{base}/console/conversations?channel=call")
        page.click("table.list tbody tr >> nth=0 >> a")
        page.wait_for_load_state()
        shot(page, args.out, "analyst-call")
        page.goto(f"{base}/console/gaps")
        shot(page, args.out, "analyst-gaps")

        page = tab("qa")
        shot(page, args.out, "qa-queue")
        page = tab("sales_lead")
        page.goto(f"{base}/console/digest?days=30")
        shot(page, args.out, "sales-digest")
        page = tab("admin")
        shot(page, args.out, "admin-users")
        page.goto(f"{base}/console/admin/audit")
        shot(page, args.out, "admin-audit")
        browser.close()


if __name__ == "__main__":
    main()
