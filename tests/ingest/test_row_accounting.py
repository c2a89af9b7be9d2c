"""No row silently swallowed: a quote left open is quarantined with its line, the rows after it are recovered, and
every reader's counts add up (stored + duplicate + quarantined = read)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from core.db import session_factory
from core.settings import Settings
from core.tables import QuarantineRow, TurnRow
from ingest.ledger import Counts
from ingest.pipeline import run_ingest
from ingest.tabular import BadRow, RawRow, read_rows

HEADER = ["conversation_id", "speaker", "sent_at", "text"]


def _rows(conversations: int = 5) -> list[list[str]]:
    rows = []
    for c in range(1, conversations + 1):
        for i, (speaker, text) in enumerate(
            [("客户", "滤芯座漏水了"), ("客服", "请问是哪个型号"), ("客户", "AquaPure X3")]
        ):
            rows.append([f"C{c}", speaker, f"2026-11-0{c} 10:0{i}", text])
    return rows


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def _adds_up(c: Counts) -> None:
    assert c.rows_stored + c.rows_duplicate + c.rows_quarantined == c.rows_read, c


def test_the_broken_quote_case_loses_nothing(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    """The reported case: a GBK chat export, 5 conversations x 3 messages, one field opens a quote never closed."""
    lines = _csv(_rows()).splitlines(keepends=True)
    lines[5] = lines[5].replace("请问是哪个型号", '"请问是哪个型号')  # C2's second message, line 6 of the file
    path = tmp_path / "chats.csv"
    path.write_bytes("".join(lines).encode("gbk"))
    report = run_ingest(settings, session_factory(engine), "chat", path)
    c = report.counts
    assert (c.rows_read, c.rows_stored, c.rows_quarantined) == (15, 14, 1)
    assert c.conversations_stored == 5
    _adds_up(c)
    with session_factory(engine)() as s:
        bad = s.scalars(select(QuarantineRow)).one()
        assert bad.locator == "row 5" and "line 6" in bad.reason and "quote" in bad.reason
        assert s.query(TurnRow).count() == 14


def test_a_quote_closed_by_a_later_row_is_caught(tmp_path: Path) -> None:
    """The open quote ends at the next quote in the file: csv would make one row of lines 3-5 with 4 fields."""
    rows = _rows(2)
    rows[3][3] = 'she said "fine" and left'
    text = _csv(rows).replace("请问是哪个型号", '"请问是哪个型号', 1)
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    _, items = read_rows(path)
    got = list(items)
    bad = [i for i in got if isinstance(i, BadRow)]
    assert len(bad) == 1 and "line 3" in bad[0].reason
    assert len(got) == 6  # every data line is read once: one quarantined, the rest recovered


@pytest.mark.parametrize(
    "text",
    [
        'C1,客户,2026-11-01 10:00,"第一行\n第二行，还是同一条消息"\n',  # a real multi-line message
        'C1,客户,2026-11-01 10:00,"ok, thanks,\nbye, see you"\n',  # inner line with commas, not row-shaped
        'C1,customer,2026-11-01 10:00,my TV is 55" wide\n',  # a stray inch mark in an unquoted field
    ],
)
def test_honest_rows_are_not_quarantined(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(",".join(HEADER) + "\n" + text, encoding="utf-8")
    _, items = read_rows(path)
    got = list(items)
    assert len(got) == 1 and isinstance(got[0], RawRow), got


def _write(kind: str, path: Path, rows: list[list[str]]) -> Path:
    if kind == "csv":
        path.write_text(_csv(rows), encoding="utf-8")
    elif kind == "tsv":
        path.write_text(_csv(rows, "\t"), encoding="utf-8")
    elif kind == "jsonl":
        lines = [json.dumps(dict(zip(HEADER, r, strict=True)), ensure_ascii=False) for r in rows]
        lines.insert(2, "{broken json")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(HEADER)
        for r in rows:
            sheet.append(r)
        book.save(path)
    return path


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl", "xlsx"])
def test_counts_add_up_on_every_reader(engine: Engine, settings: Settings, tmp_path: Path, kind: str) -> None:
    rows = _rows(4)
    for row in rows[3:6]:
        row[2] = "not a time"  # C2 becomes unusable as a whole: its 3 rows are quarantined
    rows[7][0] = ""  # a row without a conversation id
    path = _write(kind, tmp_path / f"chats.{kind}", rows)
    sessions = session_factory(engine)
    first = run_ingest(settings, sessions, "chat", path).counts
    expected_read = len(rows) + (1 if kind == "jsonl" else 0)  # the JSON Lines file also has one broken line
    assert first.rows_read == expected_read
    assert first.rows_quarantined == 4 + (1 if kind == "jsonl" else 0)
    _adds_up(first)
    copy = tmp_path / "again" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    again = run_ingest(settings, sessions, "chat", copy).counts
    assert again.rows_duplicate == first.rows_stored
    _adds_up(again)
