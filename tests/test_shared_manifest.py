"""The evaluation data in ../shared must not change silently: check every file against its manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest


def test_evaluation_data_matches_its_manifest(shared_data: Path) -> None:
    manifest = json.loads((shared_data / "manifest.json").read_text())
    checked = 0
    for entry in manifest:
        rel = f"{entry['folder']}/{entry['file']}"
        expected = entry["sha256"]
        path = shared_data / rel
        if not path.exists():
            pytest.fail(f"{rel} is listed in the manifest but missing")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == expected, f"{rel} changed"
        checked += 1
    assert checked >= 20
