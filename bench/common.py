"""Shared bench plumbing: a results table on stdout and a JSON file under bench/results/."""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).parent / "results"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def machine() -> dict[str, Any]:
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()}


def report(name: str, title: str, rows: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Path:
    print_table(title, rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    payload = {"bench": name, "at": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": machine(), "rows": rows}
    payload.update(extra or {})
    out.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    print(f"wrote {out}")
    return out


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    table = Table(title=title)
    columns = list(rows[0]) if rows else []
    for col in columns:
        table.add_column(col, justify="left" if isinstance(rows[0][col], str) else "right")
    for row in rows:
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else "–" if v is None else str(v) for v in row.values()])
    # piped to a log, rich would squeeze the table into 80 columns and cut every number short
    Console(width=None if sys.stdout.isatty() else 220).print(table)
