"""Property-based tests (hypothesis) of the export readers and the masker.

Readers: whatever bytes arrive, only `InvalidInput` escapes, and every data record comes out once, as a row or as a
quarantined row, with the batch's counts adding up. Masker: no exception on any text, and a planted phone, ID or card
number, written in any of the forms people use, never survives in the output. Bounded: a fixed number of examples
per property and no deadline (never a timing limit).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.settings import Settings
from ingest.exports import build_batch
from ingest.mapping import ColumnMapping
from ingest.masking import mask_text
from ingest.tabular import BadRow, RawRow, read_rows

# CI: a fixed-seed bounded run (the same examples each time, so a red build is reproducible);
# FUZZ_EXAMPLES=5000 explores fresh random cases for longer
_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
BOUNDED = settings(
    max_examples=_EXAMPLES,
    deadline=None,
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
HEADER = ["conversation_id", "speaker", "text"]
cell = st.text(alphabet=st.sampled_from(list('abcC1,"\n\r\t;|客户滤芯 \u2028\x0c')), max_size=12)


def _read(tmp: Path, name: str, raw: bytes) -> list[RawRow | BadRow] | None:
    path = tmp / name
    path.write_bytes(raw)
    try:
        _, rows = read_rows(path)
        return list(rows)
    except InvalidInput:
        return None


@BOUNDED
@given(raw=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".xlsx"]))
def test_no_exception_escapes_a_reader(tmp_path_factory: object, raw: bytes, suffix: str) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")  # type: ignore[attr-defined]
    _read(tmp, "x" + suffix, raw)


@BOUNDED
@given(records=st.lists(st.lists(cell, min_size=1, max_size=4), min_size=1, max_size=12))
def test_every_csv_record_is_read_once(tmp_path_factory: object, records: list[list[str]]) -> None:
    """Well-formed CSV from a real writer (quotes, newlines and delimiters inside fields): one item per record."""
    out = io.StringIO()
    writer = csv.writer(out)  # \r\n line ends: fields holding \r or \n get quoted
    writer.writerow(HEADER)
    writer.writerows(records)
    tmp = tmp_path_factory.mktemp("csv")  # type: ignore[attr-defined]
    items = _read(tmp, "x.csv", out.getvalue().encode())
    assert items is not None
    blank = sum(1 for r in records if not any(v.strip() for v in r))
    assert len(items) == len(records) - blank


@BOUNDED
@given(lines=st.lists(st.text(alphabet=st.sampled_from(list('C12,"\n客服ok ')), max_size=20), max_size=10))
def test_batch_counts_add_up_on_broken_csv(tmp_path_factory: object, lines: list[str]) -> None:
    tmp = tmp_path_factory.mktemp("broken")  # type: ignore[attr-defined]
    items = _read(tmp, "x.csv", ("conversation_id,speaker,text\n" + "\n".join(lines)).encode())
    if items is None:
        return
    mapping = ColumnMapping(conversation_id="conversation_id", speaker="speaker", text="text", sent_at=None)
    batch = build_batch("x.csv", iter(items), "chat", mapping, Settings(data_dir=Path(tmp)))
    assert batch.read() == len(items) == sum(u.rows for u in batch.units) + len(batch.rejected)


@BOUNDED
@given(text=st.text(max_size=200))
def test_the_masker_never_raises(text: str) -> None:
    out = mask_text(text)
    assert isinstance(out, str)


def _luhn_complete(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


def _id_complete(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
mobile = st.builds(
    lambda p, r: "1" + p + r, st.sampled_from(list("3456789")), st.text("0123456789", min_size=9, max_size=9)
)
id_card = st.builds(
    lambda area, y, m, d, seq: _id_complete(f"{area}{y}{m:02d}{d:02d}{seq}"),
    st.sampled_from(["110105", "310104", "440305", "510107"]),
    st.integers(1950, 2005),
    st.integers(1, 12),
    st.integers(1, 28),
    st.text("0123456789", min_size=3, max_size=3),
)
card = st.builds(lambda r: _luhn_complete("6222" + r), st.text("0123456789", min_size=11, max_size=11))
ZH_SPOKEN = dict(zip("0123456789", "洞幺两三四五六七八九", strict=True))
FULL = {d: chr(0xFF10 + int(d)) for d in "0123456789"}


@st.composite
def written(draw: st.DrawFn) -> str:
    """A planted number in one of the ways people write or say it."""
    number = draw(st.one_of(mobile, id_card, card))
    style = draw(st.sampled_from(["plain", "groups", "spoken", "fullwidth", "mixed"]))
    if style == "groups":
        sep = draw(st.sampled_from([" ", "-", "."]))
        cuts = {11: [3, 7], 18: [6, 14], 16: [4, 8, 12]}[len(number)]
        parts = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)], strict=True)]
        return sep.join(parts)
    if style == "spoken":
        return "".join(ZH_SPOKEN.get(c, c) for c in number)
    if style == "fullwidth":
        return "".join(FULL.get(c, c) for c in number)
    if style == "mixed":
        return "".join(ZH_SPOKEN[c] if c.isdigit() and i % 2 else c for i, c in enumerate(number))
    return number


NEUTRAL = st.sampled_from(["", "我的是", "请记一下：", "您好，", "my number is ", "好的 ", "嗯，"])


@BOUNDED
@given(before=NEUTRAL, value=written(), after=st.sampled_from(["", "，谢谢", " thanks", "。"]))
def test_a_planted_number_never_survives(before: str, value: str, after: str) -> None:
    out = mask_text(before + value + after)
    assert value not in out
    plain = "".join(str("洞幺两三四五六七八九".index(c)) if c in "洞幺两三四五六七八九" else c for c in value)
    plain = "".join(str(ord(c) - 0xFF10) if "０" <= c <= "９" else c for c in plain)
    kept = "".join(c for c in out if c.isdigit())
    assert "".join(c for c in plain if c.isdigit()) not in kept
