"""Each role's daily work through the console's forms (a TestClient; the browser journeys are in test_browser.py)."""

from __future__ import annotations

import re
import wave
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.routes.workorders import desk
from core.db import transaction
from core.tables import AndonAlertRow, ProductHoldRow, QaDisputeRow, WorkOrderRow
from ingest.masking import find_pii
from insights.andon import cord
from tests.api.console.conftest import RAW_PHONE, sign_in
from tests.insights.conftest import conversation, store


def _text(html: str) -> str:
    """What a person reads: the page without its tags, scripts and form values."""
    html = re.sub(r"<(script|style|svg)[^>]*>.*?</\1>", " ", html, flags=re.S)  # chart ticks are numbers
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_agent_asks_opens_the_source_rates_and_meets_a_gap(web: TestClient) -> None:
    csrf = sign_in(web, "agent")
    page = web.get("/console/assist")
    assert "坐席助手" in page.text and "问知识库" in page.text  # the agent's UI is Chinese
    answer = web.post("/console/assist", data={"question": "How often should I descale the kettle?", "csrf": csrf})
    assert answer.status_code == 200 and 'class="citation"' in answer.text
    link = re.search(r'href="(/console/knowledge/chunks/[^"]+)"', answer.text)
    assert link is not None
    section = web.get(link.group(1))
    assert section.status_code == 200 and "descal" in section.text.lower()
    answer_id = re.search(r'action="/console/assist/([^/]+)/rate"', answer.text)
    assert answer_id is not None
    rated = web.post(f"/console/assist/{answer_id.group(1)}/rate", data={"rating": "helpful", "csrf": csrf})
    assert rated.status_code == 200 and "已记录“有帮助”" in rated.text
    unknown = web.post("/console/assist", data={"question": "卫星轨道的倾角参数怎么计算", "csrf": csrf})
    assert "知识库中没有答案" in unknown.text and "知识缺口" in unknown.text

    analyst = TestClient(web.app)
    sign_in(analyst, "analyst")
    gaps = analyst.get("/console/gaps")
    assert "卫星轨道的倾角参数怎么计算" in gaps.text


def test_agent_sees_their_conversation_masked_and_pulls_the_cord(web: TestClient, console_app: FastAPI) -> None:
    csrf = sign_in(web, "agent")
    mine = web.get("/console/mine")
    assert "chat:ZH-1" in mine.text and "chat:0" not in mine.text  # only the agent's own (agent id A-7)
    view = web.get("/console/conversations/chat:ZH-1")
    assert "净水器漏水" in view.text and RAW_PHONE not in view.text and "拉安灯" in view.text
    assert 'action="/console/conversations/chat:ZH-1/review"' in view.text  # the QA form shows, without review
    assert 'name="item:' not in view.text
    pulled = web.post(
        "/console/conversations/chat:ZH-1/cord",
        data={"product": "aquapure-x3", "issue": "installation_problem", "problem": "装不上", "csrf": csrf},
    )
    assert pulled.status_code == 200 and "已拉灯" in pulled.text and "暂停销售" in pulled.text
    again = web.post(
        "/console/conversations/chat:ZH-1/cord",
        data={"product": "aquapure-x3", "issue": "installation_problem", "csrf": csrf},
    )
    assert "已加入" in again.text
    bad = web.post(
        "/console/conversations/chat:ZH-1/cord", data={"product": "toaster", "issue": "defect", "csrf": csrf}
    )
    assert bad.status_code == 200 and "unknown product" in bad.text  # back on the page, with the reason
    with console_app.state.services.sessions() as s:
        alert = s.scalars(select(AndonAlertRow).where(AndonAlertRow.issue == "installation_problem")).one()
        assert (alert.source, alert.raised_by, alert.product) == ("manual", "xiaoli", "aquapure-x3")


def _manual_alert(console_app: FastAPI, product: str, issue: str) -> str:
    svc = console_app.state.services
    with transaction(svc.sessions) as s:
        alert, _ = cord.pull(s, desk(svc), "chat:1", product=product, issue=issue, problem="test", by="test")
        return alert.id


def test_analyst_works_an_alert_from_the_board_to_closed(web: TestClient, console_app: FastAPI) -> None:
    alert_id = _manual_alert(console_app, "crispair-5", "late_delivery")
    csrf = sign_in(web, "analyst")
    board = web.get("/console/andon")
    assert f'id="alert-{alert_id}"' in board.text and "安灯看板" in board.text
    web.post(f"/console/andon/{alert_id}/acknowledge", data={"csrf": csrf})
    early = web.post(
        f"/console/andon/{alert_id}/close",
        data={"resolution": "fixed", "csrf": csrf},
        headers={"referer": "http://testserver/console/andon"},
    )
    assert early.status_code == 200 and "root cause" in early.text  # refused (409), shown on the board
    with console_app.state.services.sessions() as s:
        orders = {o.kind: o.id for o in s.scalars(select(WorkOrderRow).where(WorkOrderRow.alert_id == alert_id))}
    process = orders["process"]
    order_page = web.get(f"/console/workorders/{process}")
    assert "五个为什么" in order_page.text
    saved = web.post(
        f"/console/workorders/{process}/root-cause",
        data={"why1": "courier changed", "why2": "no SLA with the new courier", "fix": "SLA in contract", "csrf": csrf},
    )
    assert "根因已保存" in saved.text and "SLA in contract" in saved.text
    closed = web.post(f"/console/andon/{alert_id}/close", data={"resolution": "fixed", "csrf": csrf})
    assert closed.status_code == 200 and "告警已关闭" in closed.text
    with console_app.state.services.sessions() as s:
        assert s.get(AndonAlertRow, alert_id).status == "closed"
        hold = s.scalars(select(ProductHoldRow).where(ProductHoldRow.alert_id == alert_id)).one()
        assert hold.released_at is not None


def test_work_order_moves_reassigns_and_refuses_a_wrong_move(web: TestClient, console_app: FastAPI) -> None:
    alert_id = _manual_alert(console_app, "swiftclean-r7", "missing_part")
    with console_app.state.services.sessions() as s:
        quality = s.scalars(
            select(WorkOrderRow.id).where(WorkOrderRow.alert_id == alert_id, WorkOrderRow.kind == "quality")
        ).one()
    csrf = sign_in(web, "qa")  # QA works the queue too (English UI)
    queue = web.get("/console/workorders?status=open")
    assert quality in queue.text and "Work-order queue" in queue.text
    moved = web.post(f"/console/workorders/{quality}/status", data={"status": "in_progress", "csrf": csrf})
    assert "Status changed" in moved.text and 'id="move-waiting"' in moved.text
    wrong = web.post(
        f"/console/workorders/{quality}/status",
        data={"status": "verified", "csrf": csrf},
        headers={"referer": f"http://testserver/console/workorders/{quality}"},
    )
    assert "cannot" in wrong.text.lower() or "allowed" in wrong.text.lower()
    commented = web.post(f"/console/workorders/{quality}/comment", data={"text": "called 13900001111", "csrf": csrf})
    assert "Comment added" in commented.text and "13900001111" not in commented.text
    teams = sorted(desk(console_app.state.services).routing.teams)
    other = web.post(f"/console/workorders/{quality}/assign", data={"team": teams[-1], "csrf": csrf})
    assert "Reassigned" in other.text


def test_analyst_dashboard_search_and_conversation(web: TestClient) -> None:
    sign_in(web, "analyst")
    board = web.get("/console/dashboard")
    assert board.status_code == 200 and board.text.count("<svg") >= 2 and "进行中的安灯" in board.text
    assert web.get("/console/reports/trends").status_code == 200
    found = web.get("/console/conversations", params={"q": "净水器漏水"})
    assert "chat:ZH-1" in found.text
    none = web.get("/console/conversations", params={"q": "净水器漏水", "channel": "call"})
    assert "没有匹配的内容" in none.text
    listing = web.get("/console/conversations")
    assert "chat:ZH-1" in listing.text and "C-PROMISE" in listing.text
    view = web.get("/console/conversations/C-PROMISE")
    assert "service_basics" in view.text and "li.lei@example.com" not in view.text


def test_qa_reviews_an_agent_disputes_and_qa_settles(web: TestClient, console_app: FastAPI) -> None:
    csrf = sign_in(web, "qa")
    queue = web.get("/console/qa")
    assert "To review (random sample)" in queue.text and "/console/conversations/" in queue.text
    no_reason = web.post(
        "/console/conversations/C-PROMISE/review",
        data={"scorecard": "service_basics", "item:greeting": "fail", "csrf": csrf},
    )
    assert "needs a reason" in no_reason.text
    done = web.post(
        "/console/conversations/C-PROMISE/review",
        data={"scorecard": "service_basics", "item:greeting": "fail", "reason:greeting": "too curt", "csrf": csrf},
    )
    assert "Review saved" in done.text
    assert "greeting" in web.get("/console/qa").text  # the agreement table

    agent = TestClient(console_app)
    agent_csrf = sign_in(agent, "agent")
    disputed = agent.post(
        "/console/conversations/C-PROMISE/dispute",
        data={"scorecard": "service_basics", "item": "no_guarantee", "reason": "只是说明押金", "csrf": agent_csrf},
    )
    assert "申诉已提交" in disputed.text
    with console_app.state.services.sessions() as s:
        dispute_id = s.scalars(select(QaDisputeRow.id).where(QaDisputeRow.status == "open")).first()
    queue = web.get("/console/qa")
    assert "只是说明押金" in queue.text
    settled = web.post(
        f"/console/qa/disputes/{dispute_id}",
        data={"decision": "upheld", "outcome": "pass", "reason": "a deposit is not a promise", "csrf": csrf},
    )
    assert "Dispute upheld" in settled.text


def test_sales_lead_filters_the_loss_digest(web: TestClient) -> None:
    sign_in(web, "sales_lead")
    mine = web.get("/console/digest", params={"days": 30})
    assert "输单原因" in mine.text and "价格" in mine.text and "S-1" in mine.text
    assert "<svg" in mine.text
    one = web.get("/console/digest", params={"days": 30, "team": "sales-north", "rep": "S-1"})
    assert "价格" in one.text
    nobody = web.get("/console/digest", params={"days": 30, "rep": "NOBODY"})
    assert "这个范围内没有成交或输单记录" in nobody.text


def test_sales_lead_sees_leads_prices_and_wants_and_an_agent_a_customer_s_journey(
    console_app: FastAPI,
) -> None:
    lead = TestClient(console_app)
    sign_in(lead, "sales_lead")
    page = lead.get("/console/customers")
    assert page.status_code == 200 and "最可能成交的商机" in page.text and "chat:DEAL-1" in page.text
    assert "-2000:CNY" in page.text and "安装" in page.text and "购买信号" in page.text
    assert "流失风险最高的客户" not in page.text  # churn is the analyst's list
    assert 'href="/console/conversations/chat:DEAL-1"' not in page.text  # a sales lead cannot open conversations
    analyst = TestClient(console_app)
    sign_in(analyst, "analyst")
    seen = analyst.get("/console/customers").text
    assert "流失风险最高的客户" in seen and 'href="/console/conversations/chat:DEAL-1"' in seen
    deal = analyst.get("/console/conversations/chat:DEAL-1").text
    assert re.search(r"购买信号</b> [+-]\d+\.\d<", deal), "a lead signal is shown by name with its effect"
    agent = TestClient(console_app)
    sign_in(agent, "agent")
    conv = agent.get("/console/conversations/chat:ZH-1").text
    assert 'href="/console/customers/cust-zh"' in conv
    journey = agent.get("/console/customers/cust-zh")
    assert journey.status_code == 200 and "客户旅程" in journey.text
    assert journey.text.index("chat:DEAL-1") < journey.text.index("chat:ZH-1")  # oldest first
    assert "咨询" in journey.text and RAW_PHONE not in journey.text
    assert agent.get("/console/customers").status_code == 403
    assert agent.get("/console/customers/nobody").status_code == 404
    qa = TestClient(console_app)
    sign_in(qa, "qa")
    assert qa.get("/console/customers/cust-zh").status_code == 403


def test_admin_manages_users_keys_and_reads_the_audit_log(web: TestClient, console_app: FastAPI) -> None:
    csrf = sign_in(web, "admin")
    made = web.post(
        "/console/admin/users",
        data={
            "username": "New.Agent",
            "display_name": "新坐席",
            "role": "agent",
            "language": "zh",
            "password": "new-agent-2026",
            "csrf": csrf,
        },
    )
    assert "User added" in made.text and 'id="user-new.agent"' in made.text
    short = web.post(
        "/console/admin/users",
        data={"username": "shorty", "role": "agent", "password": "short", "csrf": csrf},
        headers={"referer": "http://testserver/console/admin/users"},
    )
    assert "at least 10 characters" in short.text
    self_lock = web.post(
        "/console/admin/users/root.admin", data={"role": "admin", "language": "en", "action": "disable", "csrf": csrf}
    )
    assert "cannot disable your own account" in self_lock.text

    newcomer = TestClient(console_app)
    form = newcomer.get("/console/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    r = newcomer.post(
        "/console/signin", data={"username": "new.agent", "password": "new-agent-2026", "csrf": token.group(1)}
    )
    assert r.status_code == 200 and "新坐席" in r.text

    issued = web.post("/console/admin/keys", data={"name": "crm-sync", "role": "analyst", "csrf": csrf})
    assert issued.status_code == 201
    secret = re.search(r"<code>(cxl_[^<]+)</code>", issued.text)
    assert secret is not None
    assert secret.group(1) not in web.get("/console/admin/keys").text  # shown once
    key_id = secret.group(1).split("_")[1]
    r = web.post(f"/console/admin/keys/{key_id}/revoke", data={"csrf": csrf})
    assert "Key revoked" in r.text
    assert newcomer.get("/v1/andon", headers={"X-API-Key": secret.group(1)}).status_code == 401

    audit = web.get("/console/admin/audit", params={"user": "root.admin", "method": "POST"})
    assert "/console/admin/keys" in audit.text and "/console/admin/users" in audit.text
    failed = web.get("/console/admin/audit", params={"status": "4xx"})
    assert failed.status_code == 200
    empty = web.get("/console/admin/audit", params={"user": "nobody-at-all"})
    assert "No entry matches" in empty.text


def test_no_page_shows_personal_data(console_app: FastAPI) -> None:
    web = TestClient(console_app)
    sign_in(web, "admin")
    with console_app.state.services.sessions() as s:
        orders = list(s.scalars(select(WorkOrderRow.id)))
    pages = [
        "/console/dashboard",
        "/console/andon",
        "/console/andon?status=closed",
        "/console/workorders?status=all",
        "/console/conversations",
        "/console/conversations?q=电话",
        "/console/conversations/chat:ZH-1",
        "/console/conversations/chat:0",
        "/console/conversations/C-PROMISE",
        "/console/gaps",
        "/console/qa",
        "/console/digest?days=30",
        "/console/customers",
        "/console/customers/cust-zh",
        "/console/admin/users",
        "/console/admin/audit",
        "/console/mine",
        *[f"/console/workorders/{o}" for o in orders],
    ]
    for path in pages:
        r = web.get(path)
        assert r.status_code == 200, path
        text = _text(r.text)
        assert RAW_PHONE not in r.text and "li.wei@example.com" not in r.text and "li.lei@example.com" not in r.text
        assert find_pii(text) == [], (path, find_pii(text))


def test_a_call_plays_its_recording_for_the_roles_that_read_it(console_app: FastAPI, tmp_path: Path) -> None:
    recording = tmp_path / "call-0001.wav"
    with wave.open(str(recording), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000)
    call = conversation("call:CALL-T1", [("agent", "您好，请问有什么可以帮您？"), ("customer", "风扇不转了")])
    store(
        console_app.state.services.sessions, [call.model_copy(update={"channel": "call", "source_uri": str(recording)})]
    )
    web = TestClient(console_app)
    sign_in(web, "analyst")
    view = web.get("/console/conversations/call:CALL-T1")
    assert '<audio controls preload="none" src="/console/conversations/call:CALL-T1/audio"' in view.text
    audio = web.get("/console/conversations/call:CALL-T1/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav" and audio.content[:4] == b"RIFF"
    assert web.get("/console/conversations/chat:ZH-1/audio").status_code == 404  # a chat has no recording
    sales = TestClient(console_app)
    sign_in(sales, "sales_lead")
    assert sales.get("/console/conversations/call:CALL-T1/audio").status_code == 403


def test_lists_paginate_and_blank_filters_mean_none(console_app: FastAPI) -> None:
    web = TestClient(console_app)
    sign_in(web, "analyst")
    settings = console_app.state.settings.console
    size, settings.page_size = settings.page_size, 2
    try:
        first = web.get("/console/conversations", params={"q": "", "channel": "", "date_from": "", "date_to": ""})
        assert first.status_code == 200 and 'rel="next"' in first.text and 'rel="prev"' not in first.text
        ids = set(re.findall(r'<td><a href="/console/conversations/([^"]+)">', first.text))
        assert len(ids) == 2
        nxt = re.search(r'href="(/console/conversations\?[^"]*offset=2)" rel="next"', first.text)
        assert nxt is not None
        second = web.get(nxt.group(1).replace("&amp;", "&"))
        assert 'rel="prev"' in second.text
        assert not ids & set(re.findall(r'<td><a href="/console/conversations/([^"]+)">', second.text))
    finally:
        settings.page_size = size
    bad = web.get("/console/conversations", params={"date_from": "yesterday"})
    assert bad.status_code == 422 and "please check the form" in bad.text
