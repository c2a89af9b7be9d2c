"""Reading text rows for train / classify / evaluate, and writing the answers, every row accounted for."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from core.errors import InvalidInput
from ingest.masking import mask_text
from insights.classify.classifiers import zero_shot_classifier
from insights.classify.files import read_text_file, write_results
from insights.classify.predict import classify_rows, evaluate
from insights.classify.taxonomy import load_taxonomy
from tests.conftest import FakeEmbedder


def excel(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_excel_rows_are_read_masked_and_the_empty_ones_skipped(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["id", "text", "label"], ["a", "call me on 13912345678", "delivery"], ["b", None, "delivery"],
        ["c", "退款", ""], ["d", "where is it", "Delivery"],
    ]  # fmt: skip
    path = excel(tmp_path / "t.xlsx", rows)
    read = read_text_file(path, mask_text, id_column="id", label_column="label", taxonomy=load_taxonomy("intent"))
    assert [(r.key, r.label) for r in read.rows] == [("a", "delivery"), ("d", "delivery")]
    assert "13912345678" not in read.rows[0].text and "[PHONE]" in read.rows[0].text
    assert read.skipped == [("row 2", "no text in column 'text'"), ("row 3", "no label in column 'label'")]
    assert read.order == ["row 1", "row 2", "row 3", "row 4"]


def test_a_missing_column_lists_the_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("message\nhello\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"missing column.*'text'.*found message.*--text-column"):
        read_text_file(path, mask_text)


def test_answers_carry_evidence_and_every_row_is_written(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    taxonomy = load_taxonomy("intent")
    path = tmp_path / "in.jsonl"
    texts = ["Hello. My parcel has not arrived yet. Thanks.", "", None, "我要退款"]
    lines = [json.dumps({"text": t}) if t is not None else "not json" for t in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_text_file(path, mask_text)
    assert [loc for loc, _ in read.skipped] == ["line 2", "line 3"]
    results = classify_rows(read.rows, {"intent": zero_shot_classifier(taxonomy, fake)}, batch=1)
    first = results[0].answers["intent"]
    assert first.evidence in ("Hello.", "My parcel has not arrived yet.", "Thanks.")  # one sentence of the row
    out = tmp_path / "out.csv"
    write_results(out, read, results, ["intent"])
    with out.open(encoding="utf-8-sig") as fh:
        written = list(csv.DictReader(fh))
    assert [r["row"] for r in written] == ["line 1", "line 2", "line 3", "line 4"]
    assert written[1]["skipped"] and not written[0]["skipped"] and written[0]["intent"] == first.prediction.label
    jsonl = tmp_path / "out.jsonl"
    write_results(jsonl, read, results, ["intent"])
    assert len(jsonl.read_text(encoding="utf-8").splitlines()) == 4
    with pytest.raises(InvalidInput, match=r"\.csv or \.jsonl"):
        write_results(tmp_path / "out.txt", read, results, ["intent"])


def test_evaluation_counts_the_fallback_as_an_answer() -> None:
    truth = ["a", "a", "b", "other", "other"]
    said = ["a", "other", "b", "other", "b"]
    e = evaluate("t", truth, said, "other")
    assert e.accuracy == pytest.approx(0.6)
    assert (e.fallback_support, e.fallback_precision, e.fallback_recall) == (2, 0.5, 0.5)
    assert ("a", "other", 1) in e.confusions and ("other", "b", 1) in e.confusions
    assert e.by_label["b"]["precision"] == pytest.approx(0.5)
