"""Exports -> masked conversations, with the demo formats and a customer's own format by mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InvalidInput
from core.settings import Settings
from ingest.exports import read_export
from ingest.mapping import CHATS, WORK_ORDERS, load_mapping


def test_chat_messages_become_masked_conversations(chats_csv: Path, settings: Settings) -> None:
    batch = read_export(chats_csv, "chat", CHATS, settings)
    assert not batch.rejected and len(batch.units) == 3
    conv = batch.units[0].conversation
    assert conv.id == "chat:CHAT-00001" and conv.channel == "chat" and conv.language == "zh"
    assert [t.speaker for t in conv.turns] == ["customer", "agent"]
    assert conv.turns[0].text == "滤芯座漏水了，我的电话是[PHONE]"
    assert conv.customer_key and "13800000001" not in conv.model_dump_json()
    assert conv.started_at is not None and conv.started_at.utcoffset() is not None
    assert batch.units[0].rows == 2


def test_work_orders_use_the_records_layout(work_orders_csv: Path, settings: Settings) -> None:
    batch = read_export(work_orders_csv, "work_order", WORK_ORDERS, settings)
    conv = batch.units[0].conversation
    assert conv.id == "work_order:WO-1"
    assert [(t.speaker, t.text) for t in conv.turns] == [
        ("customer", "The coating is peeling. Call me at [PHONE]."),
        ("agent", "Replacement basket sent."),
    ]
    assert conv.metadata == {"category": "defect", "status": "closed"}
    assert conv.started_at is not None and conv.started_at.isoformat().startswith("2026-11-15T10:00:00+08:00")


def test_a_customer_format_by_yaml_mapping(tmp_path: Path, settings: Settings) -> None:
    export = tmp_path / "crm.csv"
    export.write_bytes(
        "会话ID,角色,内容,手机号,时间\nX1,客户,空气炸锅涂层脱落了,13912345678,2026-11-16 08:00\n"
        "X1,客服,请拍照发给我们,13912345678,2026-11-16 08:01\n".encode("gb18030")
    )
    mapping_file = tmp_path / "crm.yaml"
    mapping_file.write_text(
        "conversation_id: 会话ID\nspeaker: 角色\ntext: 内容\ncustomer: [手机号]\nsent_at: 时间\n"
        "started_at: null\nturn_index: null\nproduct: null\n",
        encoding="utf-8",
    )
    batch = read_export(export, "chat", load_mapping(mapping_file, "chat"), settings)
    conv = batch.units[0].conversation
    assert [t.speaker for t in conv.turns] == ["customer", "agent"]
    assert conv.started_at is not None and conv.started_at.hour == 8
    assert conv.customer_key is not None


def test_missing_required_column_names_it(tmp_path: Path, settings: Settings) -> None:
    export = tmp_path / "x.csv"
    export.write_text("conversation_id,speaker\nC1,customer\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"missing required column.*'text'"):
        read_export(export, "chat", CHATS, settings)


def test_bad_rows_are_rejected_with_reasons(tmp_path: Path, settings: Settings) -> None:
    export = tmp_path / "x.csv"
    export.write_text(
        "conversation_id,speaker,text,started_at\n"
        "C1,customer,hello,2026-11-01T10:00:00+08:00\n"
        ",customer,no id,2026-11-01\n"
        "C2,customer,,2026-11-01\n"
        "C3,customer,bad time,yesterday-ish\n",
        encoding="utf-8",
    )
    batch = read_export(export, "chat", CHATS, settings)
    assert [u.key for u in batch.units] == ["chat:C1"]
    reasons = {r.locator: r.reason for r in batch.rejected}
    assert "missing value in required column 'conversation_id'" in reasons["row 2"]
    assert "empty message text" in reasons["row 3"]
    assert "unparseable timestamp" in reasons["row 4"]


def test_invalid_mapping_file(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("layout: sideways\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"line 1: layout: Input should be 'messages' or 'records'"):
        load_mapping(bad, "chat")


def test_mapping_errors_name_the_line_and_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("text: message\nspeaker_values:\n  no: customer\nteam: no\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_mapping(bad, "chat")
    assert "line 4: team" in err.value.message and 'quote it, "no"' in err.value.message
    typo = tmp_path / "typo.yaml"
    typo.write_text("txet: message\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"unknown field.*txet.*valid: layout"):
        load_mapping(typo, "chat")
