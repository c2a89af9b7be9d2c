"""Knowledge fixtures: a small bilingual document folder, a store and an assistant over the fake embedder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from knowledge.assist import Assistant, build_assistant
from knowledge.calibration import Calibration
from knowledge.index import open_store
from knowledge.store import KnowledgeStore
from tests.conftest import FakeEmbedder

KETTLE_EN = """---
title: HeatWave Kettle Guide
product: heatwave-kettle
language: en
---

# HeatWave Kettle Guide

## Descaling

Descale the kettle every 4 weeks in hard-water areas. Fill it with 500 ml of water and 2 spoons of citric acid,
boil once, and leave it for 30 minutes. Rinse twice before use.

## Warranty

The kettle has a 1-year warranty from the date of delivery. Keep the invoice.
"""

PURIFIER_ZH = """---
title: AquaPure X3 保养指南
product: aquapure-x3
language: zh
---

# AquaPure X3 保养指南

## 滤芯更换

LM-FC30 复合滤芯每 6 个月或 2000 升更换一次，以先到者为准。更换后请冲洗 5 分钟再饮用！

## 漏水处理

如果滤芯座漏水，请先关闭进水角阀，再把滤芯重新转到锁定标记。仍然漏水时请预约师傅上门。
"""

FAN_EN = """---
title: CoolBreeze Fan Manual
product: coolbreeze-fan
language: en
---

# CoolBreeze Fan Manual

## Remote control

The remote works up to 6 m from the fan. Replace the CR2032 battery when it stops working.
"""

RETURNS_ZH = """---
title: 退货政策
product: all
language: zh
---

# 退货政策

## 七天无理由退货

签收后 7 天内可以无理由退货，商品需保持完好，退货运费由用户承担。
"""


def write_docs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kettle.md").write_text(KETTLE_EN, encoding="utf-8")
    (folder / "zh").mkdir(exist_ok=True)
    (folder / "zh" / "purifier.md").write_text(PURIFIER_ZH, encoding="utf-8")
    (folder / "fan.md").write_text(FAN_EN, encoding="utf-8")
    (folder / "zh" / "returns.md").write_text(RETURNS_ZH, encoding="utf-8")
    return folder


# for the fake embedder (no meaningful dense scores) abstention must rest on the lexical evidence alone
LEXICAL_CALIBRATION = Calibration("test-lexical", (10.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0), -5.0, 0.5, "tests")


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "docs")


@pytest.fixture
def store(vector_backend: str, settings: Settings, fake_embedder: FakeEmbedder) -> KnowledgeStore:
    """On each vector backend (see `vector_backend` in tests/conftest.py)."""
    return open_store(settings, embedder=fake_embedder)


@pytest.fixture
def indexed(store: KnowledgeStore, docs_dir: Path) -> KnowledgeStore:
    from knowledge.index import index_path

    report = index_path(store, docs_dir)
    assert report.added == 4 and not report.failed
    return store


def make_assistant(store: KnowledgeStore, chat_model: Any | None = None) -> Assistant:
    return build_assistant(
        store.sessions, store.index, store.embedder, chat_model=chat_model, calibration=LEXICAL_CALIBRATION
    )


@pytest.fixture
def assistant(indexed: KnowledgeStore) -> Assistant:
    return make_assistant(indexed)
