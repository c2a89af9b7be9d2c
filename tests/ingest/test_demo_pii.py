"""The personal data planted in the demo corpus (written independently of the masker) is masked; near-misses stay."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.settings import Settings
from ingest.exports import read_export
from ingest.mapping import CHATS, WORK_ORDERS

DEMO = Path(__file__).resolve().parents[2] / "demo"


@pytest.fixture(scope="module")
def expected() -> dict[str, object]:
    path = DEMO / "expected.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["pii"]


def _texts(settings: Settings) -> dict[str, str]:
    out = {}
    for path, channel, mapping in (
        (DEMO / "chats" / "chats.csv", "chat", CHATS),
        (DEMO / "work_orders" / "work_orders.csv", "work_order", WORK_ORDERS),
        (DEMO / "sales" / "sales.csv", "chat", CHATS),
    ):
        batch = read_export(path, channel, mapping, settings)  # type: ignore[arg-type]
        assert not batch.rejected
        for unit in batch.units:
            conv = unit.conversation
            out[conv.id.split(":", 1)[1]] = " ".join(t.text for t in conv.turns) + " " + str(conv.metadata)
    return out


def test_planted_personal_data_is_masked(expected: dict[str, list[dict[str, object]]], settings: Settings) -> None:
    texts = _texts(settings)
    checked = 0
    for item in expected["must_mask"]:
        for source in item["found_in"]:  # type: ignore[attr-defined]
            if source in texts:  # calls are spoken: their digits depend on ASR
                assert str(item["value"]) not in texts[source], (item, texts[source][:200])
                checked += 1
    assert checked >= 15


def test_planted_near_misses_stay(expected: dict[str, list[dict[str, object]]], settings: Settings) -> None:
    texts = _texts(settings)
    checked = 0
    for item in expected["must_not_mask"]:
        for source in item["found_in"]:  # type: ignore[attr-defined]
            if source in texts:
                assert str(item["value"]) in texts[source], item
                checked += 1
    assert checked >= 10
