"""Chunking that respects headings, paragraphs and sentence ends, and keeps the section path.

A heading always starts a new chunk; paragraphs are packed up to `max_units` (a Chinese character counts twice,
see `text.size_units`); a paragraph too long for one chunk is cut between sentences (。！？ . ! ?), and only a single
sentence longer than a chunk is cut mid-sentence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from knowledge.documents import Block, SourceDocument
from knowledge.text import size_units, split_sentences

MAX_UNITS = 900
# a tail shorter than this joins the previous chunk of its section (which may then exceed MAX_UNITS by that much):
# a two-line remainder is worth more beside its context than as a chunk of its own
MIN_UNITS = 120


@dataclass(frozen=True)
class ChunkDraft:
    ordinal: int
    section_path: str
    text: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(f"{self.section_path}\n{self.text}".encode()).hexdigest()


def _section_levels(blocks: list[Block]) -> tuple[bool, list[Block]]:
    """A single level-1 heading is the document's title, not a section."""
    h1 = [b for b in blocks if b.kind == "heading" and b.level == 1]
    return len(h1) == 1, blocks


def _pieces(text: str, max_units: int) -> list[str]:
    if size_units(text) <= max_units:
        return [text]
    out: list[str] = []
    for sentence in split_sentences(text):
        while size_units(sentence) > max_units:
            cut = max(1, int(len(sentence) * max_units / size_units(sentence)))
            out.append(sentence[:cut])
            sentence = sentence[cut:]
        out.append(sentence)
    return out


def chunk_document(doc: SourceDocument, *, max_units: int = MAX_UNITS) -> list[ChunkDraft]:
    title_is_h1, blocks = _section_levels(doc.blocks)
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, list[str]]] = []
    for block in blocks:
        if block.kind == "heading":
            if title_is_h1 and block.level == 1:
                continue
            path = [(lvl, t) for lvl, t in path if lvl < block.level] + [(block.level, block.text)]
            sections.append((" > ".join(t for _, t in path), []))
        else:
            if not sections:
                sections.append(("", []))
            sections[-1][1].extend(_pieces(block.text, max_units))

    drafts: list[ChunkDraft] = []
    for section_path, pieces in sections:
        groups: list[list[str]] = []
        size = 0
        for piece in pieces:
            units = size_units(piece)
            if groups and size + units <= max_units:
                groups[-1].append(piece)
                size += units
            else:
                groups.append([piece])
                size = units
        if len(groups) > 1 and sum(size_units(p) for p in groups[-1]) < MIN_UNITS:
            tail = groups.pop()
            groups[-1].extend(tail)
        for group in groups:
            drafts.append(ChunkDraft(ordinal=len(drafts), section_path=section_path, text="\n".join(group)))
    return drafts
