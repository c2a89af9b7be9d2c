"""A small bilingual world for the console: conversations (one with a raw phone number the pages must mask), an
Andon alert with its work orders, QA scores, indexed documents, a trend report, and one user per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api import create_app
from api.services import Services
from core.db import transaction
from core.settings import AndonSettings, Settings
from core.tables import ConversationRow, InsightRow, SourceLedgerRow, TurnRow
from core.users import create_user
from tests.conftest import ROOT, FakeEmbedder
from tests.insights.conftest import conversation, store
from tests.knowledge.conftest import LEXICAL_CALIBRATION, write_docs

NOW = datetime.now(UTC).replace(microsecond=0)
PASSWORDS = {
    "agent": "agent-pass-2026",
    "analyst": "analyst-pass-2026",
    "qa": "qa-pass-2026-x",
    "sales_lead": "sales-pass-2026",
    "admin": "admin-pass-2026",
}
USERS = {
    "agent": dict(username="xiaoli", display_name="小李", language="zh", agent_id="A-7"),
    "analyst": dict(username="wang.fang", display_name="王芳", language="zh"),
    "qa": dict(username="qa.chen", display_name="Chen QA", language="en"),
    "sales_lead": dict(username="zhao.lead", display_name="赵主管", language="zh", team="sales-north"),
    "admin": dict(username="root.admin", display_name="Admin", language="en"),
}
RAW_PHONE = "13812345678"  # stored unmasked in one turn on purpose: every page masks again on the way out
ZH_CHAT = conversation(
    "chat:ZH-1",
    [
        ("customer", "你好，我的净水器漏水了，用了一周就坏了。"),
        ("agent", f"非常抱歉，我们安排师傅上门。请留个电话 {RAW_PHONE}"),
        ("customer", "好的，谢谢。"),
    ],
    product="aquapure-x3",
    customer="cust-zh",
    started=NOW - timedelta(days=1),
).model_copy(update={"agent_id": "A-7", "team": "service-east", "language": "zh"})
ZH_DEAL = conversation(
    "chat:DEAL-1",
    [
        ("agent", "这款净水器标价2499元，含安装。"),
        ("customer", "我们预算两千以内，需要上门安装。怎么下单？"),
    ],
    product="aquapure-x3",
    outcome="open",
    customer="cust-zh",
    started=NOW - timedelta(days=3),
).model_copy(update={"agent_id": "S-1", "team": "sales-north", "language": "zh"})
PROMISE = conversation(
    "C-PROMISE",
    [("agent", "Hello, I guarantee a refund, mail me at li.lei@example.com")],
    started=NOW - timedelta(days=2),
)


def _seed_andon(svc: Services) -> None:
    """Two customers with a kettle defect (an alert, its two work orders) and a lost deal."""
    from insights.andon import alerts

    with transaction(svc.sessions) as s:
        for i, (customer, outcome) in enumerate([("k1", None), ("k2", None), ("k3", "lost")]):
            cid = f"chat:{i}"
            s.add(
                ConversationRow(
                    id=cid,
                    channel="chat",
                    source_uri="t",
                    source_sha256="0" * 64,
                    started_at=NOW - timedelta(days=2 + i),
                    customer_key=customer,
                    team="sales-north",
                    agent_id="S-1",
                    outcome=outcome,
                    product="kettle",
                )
            )
            s.add(TurnRow(conversation_id=cid, idx=0, speaker="customer", text="the lid will not close"))
            label, kind = ("kettle/defect", "product_issue") if outcome is None else ("price", "loss_reason")
            s.add(
                InsightRow(
                    conversation_id=cid,
                    kind=kind,
                    label=label,
                    confidence=0.9,
                    evidence_turn=0,
                    evidence_quote="the lid will not close, mail me at li.wei@example.com",
                    model_name="t",
                    model_version="1",
                )
            )
        alerts.check(s, AndonSettings(), now=NOW)


def build_world(svc: Services, settings: Settings, docs: Path) -> None:
    from api.routes.assist import assistant
    from ingest.search import index_pending
    from insights.classify.runner import classify_pending
    from insights.reports.render.pages import write_report
    from insights.reports.report import assemble_report, period_end
    from knowledge.index import index_path, open_store

    embedder = FakeEmbedder()
    svc._embedder = embedder
    store(svc.sessions, [ZH_CHAT, PROMISE, ZH_DEAL])
    classify_pending(settings, svc.sessions, embedder=embedder)
    _seed_andon(svc)
    with transaction(svc.sessions) as s:  # what ingest would have left: one ledger row per conversation
        for cid in s.scalars(select(ConversationRow.id)):
            s.add(
                SourceLedgerRow(
                    unit_key=cid, channel="chat", source_uri="t", content_sha256="0" * 64, conversation_id=cid
                )
            )
    index_pending(svc.sessions, svc.turn_index(), embedder)
    kb = open_store(settings, embedder=embedder, sessions=svc.sessions, index=svc.knowledge_index())
    assert index_path(kb, write_docs(docs)).added == 4
    assistant(svc).calibration = LEXICAL_CALIBRATION  # the fake embedder has no fitted calibration
    with transaction(svc.sessions) as s:
        report = assemble_report(
            s,
            embedder,
            end=period_end(NOW + timedelta(days=1), settings.flows.timezone),
            settings_reports=settings.reports,
        )
        for role, user in USERS.items():
            create_user(s, password=PASSWORDS[role], role=role, **user)
    write_report(report, settings.reports_dir)


@pytest.fixture(scope="package")
def console_app(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[FastAPI]:
    """One world for the whole console package (unit and browser tests): building it takes ~10 s. Tests that
    change things work on their own records (their own alert, work order or user), so the order does not matter."""
    root = tmp_path_factory.mktemp("console")
    settings = Settings(_env_file=None, data_dir=root / "data", demo_dir=ROOT / "demo")
    settings.ensure_dirs()
    settings.models.cache_dir = model_cache
    # the live page's call is not stored here: a new call conversation in the shared world, landing whenever its
    # ingest job ends, would change what other tests find (tests/api/test_live.py covers storing)
    settings.live.store = False
    app = create_app(settings)
    with TestClient(app):  # runs the lifespan: the app closes its services at the end
        build_world(app.state.services, settings, root / "docs")
        yield app


@pytest.fixture
def web(console_app: FastAPI) -> TestClient:
    """A fresh cookie jar on the shared app: nobody is signed in."""
    return TestClient(console_app)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, role: str) -> str:
    """Signs the client in as the role's user; returns the session's CSRF token (from the landing page)."""
    form = client.get("/console/signin")
    r = client.post(
        "/console/signin",
        data={"username": USERS[role]["username"], "password": PASSWORDS[role], "csrf": csrf_of(form.text)},
        follow_redirects=True,
    )
    assert r.status_code == 200, r.text[-500:]
    return csrf_of(r.text)
