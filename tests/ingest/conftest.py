"""Small exports in the demo formats, written per test."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

CHAT_HEADER = [
    "conversation_id",
    "started_at",
    "customer_phone",
    "customer_email",
    "customer_name",
    "agent_id",
    "team",
    "product",
    "language",
    "turn_index",
    "speaker",
    "sent_at",
    "text",
]
WO_HEADER = [
    "order_id",
    "created_at",
    "customer_phone",
    "customer_email",
    "customer_name",
    "product",
    "language",
    "category",
    "description",
    "resolution",
    "status",
    "agent_id",
    "team",
]


def chat_rows(n: int, *, start: int = 1) -> list[dict[str, str]]:
    rows = []
    for i in range(start, start + n):
        cid = f"CHAT-{i:05d}"
        base = {
            "conversation_id": cid,
            "started_at": "2026-11-14T09:30:00+08:00",
            "customer_phone": f"138{i:08d}",
            "customer_email": "",
            "customer_name": "张伟",
            "agent_id": "A-101",
            "team": "support-east",
            "product": "aquapure-x3",
            "language": "zh",
        }
        rows.append(
            {
                **base,
                "turn_index": "0",
                "speaker": "customer",
                "sent_at": "2026-11-14T09:30:00+08:00",
                "text": f"滤芯座漏水了，我的电话是138{i:08d}",
            }
        )
        rows.append(
            {
                **base,
                "turn_index": "1",
                "speaker": "agent",
                "sent_at": "2026-11-14T09:31:00+08:00",
                "text": "很抱歉，我们马上安排上门检查。",
            }
        )
    return rows


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def chats_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "chats.csv", CHAT_HEADER, chat_rows(3))


@pytest.fixture
def work_orders_csv(tmp_path: Path) -> Path:
    rows = [
        {
            "order_id": f"WO-{i}",
            "created_at": "2026/11/15 10:00",
            "customer_phone": "",
            "customer_email": f"user{i}@example.com",
            "customer_name": "Ann",
            "product": "crispair-5",
            "language": "en",
            "category": "defect",
            "description": f"The coating is peeling. Call me at (415) 555-01{i:02d}.",
            "resolution": "Replacement basket sent.",
            "status": "closed",
            "agent_id": "A-201",
            "team": "support-west",
        }
        for i in range(1, 4)
    ]
    return write_csv(tmp_path / "work_orders.csv", WO_HEADER, rows)
