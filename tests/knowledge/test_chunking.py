"""Chunks follow headings, paragraphs and sentence ends, and carry the section path."""

from __future__ import annotations

from knowledge.chunking import MIN_UNITS, chunk_document
from knowledge.documents import Block, SourceDocument
from knowledge.text import size_units


def _doc(blocks: list[Block]) -> SourceDocument:
    return SourceDocument(source="mem://doc", title="T", blocks=blocks, content_hash="h")


def test_headings_start_chunks_and_give_the_section_path() -> None:
    doc = _doc(
        [
            Block("heading", "Guide", level=1),
            Block("text", "Intro."),
            Block("heading", "Care", level=2),
            Block("heading", "Filters", level=3),
            Block("text", "Replace every 6 months."),
            Block("heading", "Warranty", level=2),
            Block("text", "Two years."),
        ]
    )
    chunks = chunk_document(doc)
    assert [(c.section_path, c.text) for c in chunks] == [
        ("", "Intro."),
        ("Care > Filters", "Replace every 6 months."),
        ("Warranty", "Two years."),
    ]
    assert [c.ordinal for c in chunks] == [0, 1, 2]


def test_paragraphs_are_packed_and_long_ones_cut_at_sentence_ends() -> None:
    en = " ".join(f"Sentence number {i} says something useful about the filter." for i in range(40))
    zh = "".join(f"第{i}句话说明了滤芯的更换方法。" for i in range(60))
    chunks = chunk_document(_doc([Block("text", en), Block("text", zh)]), max_units=300)
    assert len(chunks) > 4
    for c in chunks:
        assert size_units(c.text) <= 300 + MIN_UNITS
        assert c.text.rstrip().endswith((".", "。")), c.text[-20:]


def test_short_paragraphs_share_a_chunk_and_a_short_tail_joins_its_neighbour() -> None:
    chunks = chunk_document(_doc([Block("text", "One."), Block("text", "Two."), Block("text", "Three.")]))
    assert len(chunks) == 1 and chunks[0].text == "One.\nTwo.\nThree."


def test_a_sentence_longer_than_a_chunk_is_cut() -> None:
    chunks = chunk_document(_doc([Block("text", "x" * 1000)]), max_units=300)
    assert (
        all(size_units(c.text) <= 300 + MIN_UNITS for c in chunks)
        and "".join(c.text.replace("\n", "") for c in chunks) == "x" * 1000
    )
