"""Text rows from a CSV, JSON Lines or Excel file (ingest's readers and encodings), masked as they are read.

For `insights train`, `insights classify` and `insights evaluate`: every row is accounted for, read or skipped with
its reason; a label column is checked against the task's taxonomy, and labels it does not know stop the read with
what the taxonomy holds and where it was read from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from core.errors import InvalidInput
from ingest.tabular import BadRow, read_rows
from insights.classify.taxonomy import Taxonomy, lookup_hint
from insights.classify.turns import quote

if TYPE_CHECKING:
    from insights.classify.predict import RowResult


@dataclass(frozen=True)
class TextRow:
    locator: str  # "row 3" (CSV, Excel) or "line 4" (JSON Lines)
    key: str  # the id column's value, else the locator
    text: str  # masked
    label: str | None = None  # a taxonomy label, when the file has a label column


@dataclass
class TextFile:
    path: Path
    rows: list[TextRow] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (locator, reason)
    order: list[str] = field(default_factory=list)  # every row's locator, in the file's order


def read_text_file(
    path: Path,
    mask: Callable[[str], str],
    *,
    text_column: str = "text",
    id_column: str | None = None,
    label_column: str | None = None,
    taxonomy: Taxonomy | None = None,
) -> TextFile:
    """Every row with text (and a known label, when `label_column` is given); the others are skipped with why."""
    if label_column is not None and taxonomy is None:
        raise ValueError("a label column needs the taxonomy its labels come from")
    try:
        header, rows = read_rows(path)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    wanted = [c for c in (text_column, id_column, label_column) if c]
    missing = [c for c in wanted if header and c not in header]
    if missing:
        raise InvalidInput(
            f"{path.name}: missing column(s) {', '.join(repr(c) for c in missing)}; found {', '.join(header)} "
            "(choose others with --text-column / --label-column / --id-column)"
        )
    out = TextFile(path)
    unknown: Counter[str] = Counter()
    for item in rows:
        out.order.append(item.locator)
        if isinstance(item, BadRow):
            out.skipped.append((item.locator, item.reason))
            continue
        text = _cell(item.data.get(text_column))
        if not text:
            out.skipped.append((item.locator, f"no text in column '{text_column}'"))
            continue
        key = _cell(item.data.get(id_column)) if id_column else ""
        label = None
        if label_column is not None and taxonomy is not None:
            raw = _cell(item.data.get(label_column))
            if not raw:
                out.skipped.append((item.locator, f"no label in column '{label_column}'"))
                continue
            label = taxonomy.normalise(raw)
            if label is None:
                unknown[raw] += 1
                continue
        out.rows.append(TextRow(item.locator, key or item.locator, mask(text), label))
    if unknown and taxonomy is not None:
        shown = ", ".join(f"'{k}' ({n})" for k, n in unknown.most_common(10))
        raise InvalidInput(
            f"{path.name}: labels not in the {taxonomy.task} taxonomy: {shown}; valid: {', '.join(taxonomy.names)}. "
            f"{lookup_hint(taxonomy)}",
            detail=dict(unknown),
        )
    return out


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def write_results(path: Path | None, text_file: TextFile, results: Sequence[RowResult], tasks: Sequence[str]) -> None:
    """One line per input row to a .csv or .jsonl file (stdout as CSV when `path` is None): its labels,
    confidences and evidence, or why it was skipped."""
    import csv
    import json
    import sys

    by_locator = {r.row.locator: r for r in results}
    skipped = dict(text_file.skipped)
    records: list[dict[str, object]] = []
    for locator in text_file.order:
        result = by_locator.get(locator)
        if result is None:
            if locator in skipped:
                records.append({"row": locator, "skipped": skipped[locator]})
            continue
        record: dict[str, object] = {"row": locator, "id": result.row.key, "text": quote(result.row.text)}
        for task in tasks:
            answer = result.answers[task]
            record[task] = answer.prediction.label
            record[f"{task}_confidence"] = round(answer.prediction.confidence, 4)
            record[f"{task}_evidence"] = answer.evidence
        if result.row.label is not None:
            record["label"] = result.row.label
        records.append(record)
    if path is not None and path.suffix.lower() in (".jsonl", ".ndjson"):
        with path.open("w", encoding="utf-8") as lines:
            for record in records:
                lines.write(json.dumps({k: v for k, v in record.items() if v is not None}, ensure_ascii=False) + "\n")
        return
    if path is not None and path.suffix.lower() != ".csv":
        raise InvalidInput(f"--out {path}: write .csv or .jsonl")
    columns = ["row", "id", "text", *(f"{t}{s}" for t in tasks for s in ("", "_confidence", "_evidence"))]
    columns += ["label"] * any("label" in r for r in records) + ["skipped"] * bool(text_file.skipped)
    fh: TextIO = path.open("w", encoding="utf-8-sig", newline="") if path is not None else sys.stdout
    try:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    finally:
        if path is not None:
            fh.close()
