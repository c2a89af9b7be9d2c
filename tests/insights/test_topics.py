"""Emerging topics among `other` conversations: clustered, named by terms (or a namer), ids stable across nights."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import engine_for, migrate, session_factory, transaction
from core.settings import Settings
from core.tables import TopicRow
from ingest.masking import find_pii
from insights.reports.topics import chat_namer, ctfidf_terms, emerging_topics, terms_of
from tests.conftest import FakeEmbedder
from tests.insights.test_trends import END, add

POINTS = [
    "我的会员积分怎么清零了，积分兑换不了",
    "会员积分兑换礼品失败，积分还被扣了",
    "积分到期了，会员积分能不能延期兑换",
    "会员积分兑换的礼品一直没到，积分也没退，电话13812345678",
]
INVOICE = [
    "发票抬头开错了，需要重新开增值税发票",
    "增值税专用发票怎么申请，发票抬头写公司",
    "电子发票没有收到，发票抬头要改一下",
]
NOISE = ["Is your shop open on public holidays?"]


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    engine = engine_for(settings)
    migrate(engine)
    return session_factory(engine)


def seed(sessions: sessionmaker[Session], texts: list[str], prefix: str, days_before: float) -> None:
    with transaction(sessions) as s:
        for i, text in enumerate(texts):
            add(s, f"{prefix}-{i}", END - timedelta(days=days_before, hours=i), intent="other", texts=[text])


def run(sessions: sessionmaker[Session], end: Any = END, **kw: Any) -> list[Any]:
    with transaction(sessions) as s:
        return emerging_topics(s, FakeEmbedder(), start=end - timedelta(days=7), end=end, min_size=3, **kw)


def test_terms_drop_stop_words_and_placeholders() -> None:
    assert "积分" in terms_of("我的会员积分怎么清零了")
    assert not {"的", "我", "了", "phone"} & set(terms_of("我的积分 [PHONE] 了"))
    assert terms_of("The invoice has the wrong company name") == ["invoice", "wrong", "company", "name"]
    top = ctfidf_terms([["积分兑换失败", "会员积分清零"], ["发票抬头开错", "电子发票"], ["会员 发票"]], top=2)
    assert top[0][0] == "积分" and top[1][0] == "发票"


def test_topics_are_found_named_and_keep_their_ids(settings: Settings) -> None:
    sessions = sessions_for(settings)
    seed(sessions, POINTS, "pts", 2)
    seed(sessions, INVOICE, "inv", 3)
    seed(sessions, NOISE, "noise", 1)
    with transaction(sessions) as s:  # classified conversations are not topic material
        for i in range(3):
            add(s, f"dlv-{i}", END - timedelta(days=1), intent="delivery", texts=["会员积分兑换失败"])

    first = run(sessions)
    assert [t.size for t in first] == [4, 3]
    points, invoice = first
    assert "积分" in points.terms[:2] and "发票" in invoice.terms[:2]
    assert points.label == " / ".join(points.terms[:3])
    assert all(t.new for t in first) and len({t.id for t in first}) == 2
    assert set(points.conversation_ids) == {f"pts-{i}" for i in range(4)}
    assert 1 <= len(points.quotes) <= 3 and all(not find_pii(q) for q in points.quotes)
    with sessions() as s:
        rows = {r.id: r for r in s.scalars(select(TopicRow))}
    assert set(rows) == {points.id, invoice.id} and rows[points.id].embedder == "fake"

    # the next night: two more conversations about points, one day later
    seed(sessions, POINTS[:2], "pts-late", 0.5)
    second = run(sessions, END + timedelta(days=1))
    by_id = {t.id: t for t in second}
    assert set(by_id) == {points.id, invoice.id}
    assert by_id[points.id].size == 6 and not by_id[points.id].new
    assert by_id[points.id].first_seen == points.first_seen
    with sessions() as s:
        rows = {r.id: r for r in s.scalars(select(TopicRow))}
    assert len(rows) == 2 and rows[points.id].size == 6
    assert rows[points.id].last_seen.replace(tzinfo=None) > rows[invoice.id].last_seen.replace(tzinfo=None)


def test_too_few_other_conversations_make_no_topic(settings: Settings) -> None:
    sessions = sessions_for(settings)
    seed(sessions, POINTS[:2], "pts", 1)
    assert run(sessions) == []


def test_a_namer_names_and_a_failing_one_falls_back(settings: Settings) -> None:
    sessions = sessions_for(settings)
    seed(sessions, POINTS, "pts", 2)
    named = run(sessions, namer=lambda terms, quotes: "“会员积分兑换”\nbecause…")
    assert named[0].label == "会员积分兑换"

    def broken(terms: list[str], quotes: list[str]) -> str:
        raise RuntimeError("model down")

    assert run(sessions, namer=broken)[0].label == " / ".join(named[0].terms[:3])


def test_chat_namer_asks_the_configured_model(settings: Settings, openai_server: Any) -> None:
    from core.ml.chat import load_chat_model

    url, received, reply = openai_server
    reply("Loyalty points redemption")
    settings.llm.provider = "openai"
    settings.llm.base_url = url
    model = load_chat_model(settings)
    sessions = sessions_for(settings)
    seed(sessions, POINTS, "pts", 2)
    topics = run(sessions, namer=chat_namer(model))
    assert topics[0].label == "Loyalty points redemption"
    prompt = received[0]["body"]["messages"][-1]["content"]
    assert "积分" in prompt and "13812345678" not in prompt
