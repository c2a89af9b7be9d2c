"""Extractive answers: the best supporting sentences from the top chunks, short enough to read aloud.

A sentence's score is the share of the question's term weight (BM25 idf) it contains, plus a prior from its chunk's
fused retrieval score. When the question shares no terms with the chunks (a Chinese question over English
documents), the prior alone picks the opening of the best chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from knowledge.corpus import ChunkInfo, Corpus
from knowledge.retrieval import Hit
from knowledge.text import sentence_terms, tokenize

CHUNK_PRIOR = 0.25
TOP_CHUNKS = 3
MIN_RELATIVE = 0.6  # a second sentence must score at least this share of the best one
MAX_CHARS = 200
QUESTION_WEIGHT = 0.3
CONTEXT_SHARE = 0.5  # of the coverage a sentence gains from its title and section
CARRY = 1.0  # share of a lead-in's coverage given to the sentence after it
CARRY_DECAY = 0.8  # and, times this, to the one after that
_QUESTION_END = {"?", "？"}
_LIST_INTRO = {":", "："}
_CLAUSE = re.compile(r"(?<=[，,；;：:、])")


@dataclass(frozen=True)
class Evidence:
    text: str
    chunk: ChunkInfo
    coverage: float  # share of the question's term weight found in the sentence
    terms: frozenset[str]
    score: float
    chunk_rank: int
    index: int  # sentence position inside its chunk


def term_weights(corpus: Corpus, terms: list[str]) -> dict[str, float]:
    return {t: corpus.idf(t) for t in dict.fromkeys(terms)}


def coverage(weights: dict[str, float], found: frozenset[str] | set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in found) / total if total > 0 else 0.0


def score_sentences(
    corpus: Corpus, hits: list[Hit], weights: dict[str, float], *, top_chunks: int = TOP_CHUNKS
) -> list[Evidence]:
    if not hits:
        return []
    best = hits[0].score or 1.0
    out: list[Evidence] = []
    for rank, hit in enumerate(hits[:top_chunks]):
        pos = corpus.position.get(hit.chunk.id)
        if pos is None:
            continue
        prior = CHUNK_PRIOR * hit.score / best
        # a sentence is read under its title and section: "Descale once a month" answers "how do I descale the
        # HeatWave kettle" inside "HeatWave Kettle > Descaling" (ranking only; `coverage` stays the sentence's own)
        context = sentence_terms(f"{hit.chunk.title} {hit.chunk.section}")
        carried: list[float] = []  # what lead-ins before this sentence pass on to it
        for j, (sentence, terms) in enumerate(corpus.sentences(pos)):
            cov = coverage(weights, terms)
            lead_in = max(carried, default=0.0)
            carried = [c * CARRY_DECAY for c in carried][-1:]
            score = max(cov + CONTEXT_SHARE * (coverage(weights, terms | context) - cov), lead_in)
            end = sentence.rstrip()[-1:]
            if end in _QUESTION_END:
                # an FAQ's question matches the asker's words best but answers nothing: its answer follows
                carried.append(score * CARRY)
                score *= QUESTION_WEIGHT
            elif end in _LIST_INTRO:
                carried.append(score * CARRY)  # "Descale as follows:" — the steps are the substance
            # earlier sentences win ties: openings state the point, later ones qualify it
            out.append(Evidence(sentence, hit.chunk, cov, terms, score + prior - 0.001 * j, rank, j))
    out.sort(key=lambda e: -e.score)
    return out


def fit(sentence: str, weights: dict[str, float], max_chars: int) -> str:
    """A sentence longer than the limit is cut to the run of clauses that holds most of the question's terms."""
    if len(sentence) <= max_chars:
        return sentence
    clauses = [c for c in _CLAUSE.split(sentence) if c]
    best, best_score = sentence[: max_chars - 1] + "…", -1.0
    for i in range(len(clauses)):
        text = ""
        for j in range(i, len(clauses)):
            if len(text) + len(clauses[j]) > max_chars - 1:
                break
            text += clauses[j]
            score = coverage(weights, set(tokenize(text)))
            if score > best_score:
                best, best_score = text.strip() + ("…" if j < len(clauses) - 1 else ""), score
    return best


def select(evidence: list[Evidence], weights: dict[str, float], *, max_chars: int = MAX_CHARS) -> list[Evidence]:
    """The best sentence, then others close to it in score while the answer stays within `max_chars`."""
    if not evidence:
        return []
    top = evidence[0]
    first = replace(top, text=fit(top.text, weights, max_chars))
    chosen = [first]
    used = len(first.text)
    for ev in evidence[1:]:
        if ev.score < MIN_RELATIVE * top.score or ev.coverage <= 0:
            break
        if used + 1 + len(ev.text) > max_chars:
            continue
        if any(ev.text == c.text for c in chosen):
            continue
        chosen.append(ev)
        used += 1 + len(ev.text)
    # read in document order within a chunk, best chunk first
    chosen.sort(key=lambda e: (e.chunk_rank, e.index))
    return chosen
