"""Reading customer exports (CSV, JSON Lines, Excel) into raw rows, whatever their encoding."""

from __future__ import annotations

import csv
import io
import json
import re
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


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
MAX_FIELD_LINES = 50  # a quoted field spanning more physical lines than this is taken as a quote left open


def _csv(text: str, delimiter: str | None, name: str) -> tuple[list[str], Iterator[RawRow | BadRow]]:
    delimiter = delimiter or _delimiter(text)
    lines = _LINES.findall(text)  # not str.splitlines: csv ends lines at \r and \n only, never at \x0c or \u2028
    head = csv.reader(lines, delimiter=delimiter)
    try:
        header = [h.strip() for h in next(head)]
    except StopIteration:
        raise InvalidInput(f"{name}: no header row") from None
    except csv.Error as exc:
        raise InvalidInput(f"{name}: truncated or malformed CSV: {exc}") from None
    return header, _csv_rows(lines, head.line_num, header, delimiter)


def _delimiter(text: str) -> str:
    """The delimiter the header line uses most (column names seldom hold one); csv's sniffer, which weighs the
    data rows too, guessed ';' for a comma file whose messages held semicolons."""
    header = _LINES.match(text)
    first = header.group() if header else text
    counts = {d: first.count(d) for d in ",;\t|"}
    best = max(counts, key=lambda d: counts[d])  # ties: the order above, comma first
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _csv_rows(lines: list[str], first: int, header: list[str], delimiter: str) -> Iterator[RawRow | BadRow]:
    """Rows from physical line `first` on. A quote left open makes Python's csv swallow every later line into one
    field, which still has the right number of fields; so each record that spans lines is checked, and a swallowing
    one is quarantined with its line number and reading resumes on the line after it."""
    number = 0
    pos = first
    while pos < len(lines):
        reader = csv.reader(lines[pos:], delimiter=delimiter)
        consumed = 0
        resume = None
        while True:
            start = pos + consumed
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # e.g. a field over csv's size limit
                number += 1
                yield BadRow(f"row {number}", f"malformed CSV at line {start + 1}: {exc}", _excerpt(lines[start]))
                resume = start + 1
                break
            consumed = reader.line_num
            end = pos + consumed
            if not any(v.strip() for v in values):
                continue
            number += 1
            problem = _swallowed(lines, start, end, values, len(header), delimiter)
            if problem:
                yield BadRow(f"row {number}", problem, _excerpt(lines[start]))
                resume = start + 1
                break
            if len(values) != len(header):
                yield BadRow(
                    f"row {number}",
                    f"malformed row: {len(values)} fields, header has {len(header)}",
                    delimiter_join(values),
                )
                continue
            yield RawRow(f"row {number}", dict(zip(header, values, strict=True)))
        if resume is None:
            return
        pos = resume


def _swallowed(lines: list[str], start: int, end: int, values: list[str], width: int, delimiter: str) -> str | None:
    """Why the record on lines [start, end) is a quote left open, or None when it is an honest row."""
    if not any("\n" in v or "\r" in v for v in values):
        return None  # one physical line: a stray quote inside a field (55" TV) is just a character
    where = f"line {start + 1}"
    if "".join(lines[start:end]).count('"') % 2:
        return f"unterminated quote: a field opened on {where} never closes (the rest of the file ran into it)"
    if end - start > MAX_FIELD_LINES:
        return f"a quoted field opened on {where} runs across {end - start} lines: a quote left open?"
    shape = _shape(values[0])
    for index in range(start + 1, end):
        line = lines[index]
        if '"' in line:
            continue  # a line holding a quote closes (or reopens) a field: message text, not a swallowed row
        inner = next(csv.reader([line], delimiter=delimiter), [])
        keyed = any(k in shape for k in "a9中")  # an id such as C12 or 工单7, not punctuation or nothing
        if keyed and len(inner) == width > 1 and _shape(inner[0]) == shape:  # a whole row, keyed like this one
            return (
                f"unterminated quote: a field opened on {where} swallows line {index + 1} and after, which look like "
                "rows of their own"
            )
    return None


def _excerpt(line: str) -> str:
    return line.rstrip("\r\n")[:200]


def _shape(value: str) -> str:
    """C12 and C7 share a shape (letter then digits); 'ok' and C12 do not. Used to tell a row from message text."""
    out: list[str] = []
    for ch in value.strip():
        kind = "9" if ch.isdigit() else "a" if ch.isascii() and ch.isalpha() else "中" if ch.isalpha() else ch
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


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
