"""Reading customer exports (CSV, JSON Lines, Excel) into raw rows, whatever their encoding."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import InvalidInput

SUFFIXES = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".xlsx", ".xlsm"}


@dataclass(frozen=True)
class RawRow:
    locator: str  # "row 17" (CSV/Excel, 1 = first data row) or "line 4" (JSON Lines)
    data: dict[str, Any]


@dataclass(frozen=True)
class BadRow:
    locator: str
    reason: str
    excerpt: str


def decode(raw: bytes, source: str) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, GB18030 (a superset of GBK and GB2312), Big5; a mostly-ASCII Western
    export as cp1252. Anything else is refused rather than guessed: a wrong guess stores garbage for good."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    if sum(b < 0x80 for b in raw) >= 0.98 * len(raw):
        return raw.decode("cp1252", errors="replace")
    raise InvalidInput(f"{source}: undecodable text (not UTF-8, UTF-16, GBK/GB18030 or Big5)")


def read_rows(path: Path) -> tuple[list[str], Iterator[RawRow | BadRow]]:
    """The header (column names) and the rows of one export; unreadable files raise InvalidInput."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(f"{path.name}: unsupported file type '{suffix}' (use CSV, JSON Lines or Excel)")
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidInput(f"{path.name}: empty file")
    if suffix in (".xlsx", ".xlsm"):
        return _excel(path, raw)
    text = decode(raw, path.name)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _json_lines(text)
    return _csv(text, "\t" if suffix == ".tsv" else None, path.name)


def _csv(text: str, delimiter: str | None, name: str) -> tuple[list[str], Iterator[RawRow | BadRow]]:
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{name}: no header row") from None
    except csv.Error as exc:
        raise InvalidInput(f"{name}: truncated or malformed CSV: {exc}") from None

    def rows() -> Iterator[RawRow | BadRow]:
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a quote left open by a truncated file
                number += 1
                yield BadRow(f"row {number}", f"malformed CSV: {exc}", "")
                return
            number += 1
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield BadRow(
                    f"row {number}",
                    f"malformed row: {len(values)} fields, header has {len(header)}",
                    delimiter_join(values),
                )
                continue
            yield RawRow(f"row {number}", dict(zip(header, values, strict=True)))

    return header, rows()


def delimiter_join(values: list[str]) -> str:
    return ",".join(values)[:200]


def _json_lines(text: str) -> tuple[list[str], Iterator[RawRow | BadRow]]:
    lines = text.splitlines()
    header: list[str] = []
    for line in lines:
        try:
            first = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(first, dict):
            header = list(first)
            break

    def rows() -> Iterator[RawRow | BadRow]:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadRow(f"line {number}", f"malformed JSON: {exc.msg}", line[:200])
                continue
            if not isinstance(data, dict):
                yield BadRow(f"line {number}", "malformed row: not a JSON object", line[:200])
                continue
            yield RawRow(f"line {number}", data)

    return header, rows()


def _excel(path: Path, raw: bytes) -> tuple[list[str], Iterator[RawRow | BadRow]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/... on damaged files
        raise InvalidInput(f"{path.name}: unreadable Excel file ({exc.__class__.__name__})") from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(values)]
    except StopIteration:
        raise InvalidInput(f"{path.name}: empty sheet") from None

    def rows() -> Iterator[RawRow | BadRow]:
        for number, row in enumerate(values, start=1):
            if row is None or all(v is None or str(v).strip() == "" for v in row):
                continue
            yield RawRow(f"row {number}", {h: v for h, v in zip(header, row, strict=False) if h})

    return header, rows()
