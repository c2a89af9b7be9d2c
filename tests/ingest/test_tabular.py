"""Reading exports: encodings, formats, and damaged files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import InvalidInput
from ingest.tabular import BadRow, RawRow, read_rows

CSV = "conversation_id,speaker,text\nC1,客户,滤芯座漏水了\nC1,客服,马上处理\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(CSV.encode(encoding))
    header, rows = read_rows(path)
    items = list(rows)
    assert header == ["conversation_id", "speaker", "text"]
    assert isinstance(items[0], RawRow) and items[0].data["text"] == "滤芯座漏水了"
    assert items[1].locator == "row 2"


def test_semicolon_and_tab_separated(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(CSV.replace(",", ";"), encoding="utf-8")
    (tmp_path / "b.tsv").write_text(CSV.replace(",", "\t"), encoding="utf-8")
    for name in ("a.csv", "b.tsv"):
        header, rows = read_rows(tmp_path / name)
        assert header == ["conversation_id", "speaker", "text"] and len(list(rows)) == 2


def test_json_lines_with_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"conversation_id": "C1", "text": "hi"}) + "\n{not json\n[1, 2]\n", encoding="utf-8")
    header, rows = read_rows(path)
    items = list(rows)
    assert header == ["conversation_id", "text"]
    assert isinstance(items[0], RawRow)
    assert isinstance(items[1], BadRow) and items[1].locator == "line 2" and "malformed JSON" in items[1].reason
    assert isinstance(items[2], BadRow) and "not a JSON object" in items[2].reason


def test_excel(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["order_id", "description"])
    sheet.append(["WO-1", "涂层脱落"])
    sheet.append([None, None])
    sheet.append(["WO-2", "coating peeling"])
    book.save(tmp_path / "x.xlsx")
    header, rows = read_rows(tmp_path / "x.xlsx")
    assert header == ["order_id", "description"]
    assert [r.data["order_id"] for r in rows if isinstance(r, RawRow)] == ["WO-1", "WO-2"]


def test_malformed_and_truncated_rows(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(CSV + "C2,客户\n" + 'C3,客户,"unterminated quote\n', encoding="utf-8")
    _, rows = read_rows(path)
    items = list(rows)
    bad = [i for i in items if isinstance(i, BadRow)]
    assert next(b.locator for b in bad) == "row 3"
    assert "3 fields" not in bad[0].reason and "2 fields" in bad[0].reason


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty file"),
        ("x.pdf", b"%PDF", "unsupported file type"),
        ("broken.xlsx", b"PK\x03\x04 not really", "unreadable Excel"),
    ],
)
def test_unusable_files_raise(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        read_rows(tmp_path / name)
