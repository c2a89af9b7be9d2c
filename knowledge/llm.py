"""LLM answers: a grounded prompt over the retrieved chunks only, and strict citation validation.

The model sees each chunk under a short label ([S1], [S2], ...) and must end every sentence with the label(s) it
used; it may also cite a chunk id verbatim. Any sentence without a citation, or a citation outside the retrieved
set, rejects the whole answer: the caller then falls back to the extractive answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput
from knowledge.corpus import ChunkInfo
from knowledge.retrieval import Hit
from knowledge.text import split_sentences

NOT_IN_KB = "NOT_IN_KB"
MAX_SOURCES = 4
MAX_SOURCE_CHARS = 900
_CITE = re.compile(r"[\[【]([^\]】]{1,100})[\]】]")

SYSTEM_PROMPT = (
    "You help a contact-center agent during a live call. Answer ONLY from the numbered sources below; never use "
    "other knowledge. End every sentence with the label of the source it comes from, like [S1] or [S1][S2]. "
    f"If the sources do not answer the question, reply exactly {NOT_IN_KB}. Answer in the language of the question, "
    "in at most three short sentences that can be read aloud."
)


class CitationError(InvalidInput):
    """The model's answer cites nothing, or cites a source that was not retrieved."""

    code = "invalid_citation"


@dataclass(frozen=True)
class CitedSentence:
    text: str
    chunks: list[ChunkInfo]


def labelled_sources(hits: list[Hit], max_sources: int = MAX_SOURCES) -> dict[str, ChunkInfo]:
    return {f"S{i + 1}": h.chunk for i, h in enumerate(hits[:max_sources])}


def build_messages(question: str, sources: dict[str, ChunkInfo]) -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    blocks = []
    for label, chunk in sources.items():
        where = " > ".join(p for p in (chunk.title, chunk.section) if p)
        blocks.append(f"[{label}] ({where})\n{chunk.text[:MAX_SOURCE_CHARS]}")
    user = "Sources:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}\nAnswer:"
    return [SystemMessage(content=SYSTEM_PROMPT), HumanMessage(content=user)]


def parse_answer(text: str, sources: dict[str, ChunkInfo]) -> list[CitedSentence] | None:
    """Sentences with their cited chunks; None when the model says the sources do not answer."""
    text = text.strip()
    if not text or NOT_IN_KB in text.upper().replace(" ", "_"):
        return None
    by_id = {c.id: c for c in sources.values()}
    pieces: list[tuple[str, list[str]]] = []
    for sentence in split_sentences(text):
        labels = _CITE.findall(sentence)
        body = _CITE.sub("", sentence).strip()
        if not body and labels and pieces:  # the citation came after the full stop: "… 6 months. [S1]"
            pieces[-1][1].extend(labels)
        elif body:
            pieces.append((body, labels))
    out: list[CitedSentence] = []
    for body, labels in pieces:
        if not labels:
            raise CitationError(f"sentence without a citation: {body[:80]!r}")
        out.append(CitedSentence(body, _resolve(labels, sources, by_id)))
    if not out:
        raise CitationError("the answer has no cited sentence")
    return out


def _resolve(labels: list[str], sources: dict[str, ChunkInfo], by_id: dict[str, ChunkInfo]) -> list[ChunkInfo]:
    chunks: list[ChunkInfo] = []
    for raw in labels:
        for label in re.split(r"[,，;\s]+", raw.strip()):
            if not label:
                continue
            chunk = sources.get(label.upper()) or by_id.get(label)
            if chunk is None:
                raise CitationError(f"citation {label!r} is not one of the retrieved sources")
            if chunk not in chunks:
                chunks.append(chunk)
    return chunks


def llm_answer(chat_model: Any, question: str, hits: list[Hit]) -> list[CitedSentence] | None:
    """Ask the model; raises CitationError when its citations do not hold up."""
    sources = labelled_sources(hits)
    reply = chat_model.invoke(build_messages(question, sources))
    content = reply.content if isinstance(reply.content, str) else str(reply.content)
    return parse_answer(content, sources)
