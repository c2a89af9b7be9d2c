"""Sentence splitting for Chinese and English text: one splitter for knowledge chunks and insight evidence."""

from __future__ import annotations

import re

from core.language import CJK

# Chinese ends at 。！？ (and their half-width forms inside Chinese), English at . ! ? followed by a space; the
# look-behinds keep decimals (0.4 MPa), initials and common abbreviations in one sentence.
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "no", "approx", "fig", "st", "inc", "ltd", "jr"}
_SENT_END_ZH = re.compile(r"([。！？!?]+[”」』）)\"']*)")
_SENT_END_EN = re.compile(r"([.!?]+[\"')\]]*)(\s+)(?=[\"'(\[]?[A-Z0-9" + CJK + r"])")


def split_sentences(text: str) -> list[str]:
    """Sentences in reading order; line breaks end a sentence too (list items, table rows)."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for part in _SENT_END_ZH.sub(r"\1\n", line).split("\n"):
            out.extend(_split_english(part))
    return [s for s in (s.strip() for s in out) if s]


def _split_english(text: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for m in _SENT_END_EN.finditer(text):
        before = text[start : m.start(1)]
        last_word = before.rsplit(None, 1)[-1].lower().rstrip(".") if before.strip() else ""
        if m.group(1) == "." and (last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())):
            continue
        pieces.append(text[start : m.end(1)])
        start = m.end(2)
    pieces.append(text[start:])
    return [p for p in pieces if p.strip()]
