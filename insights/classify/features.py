"""Lexical features for Chinese and English: TF-IDF over words (jieba for Chinese) and character n-grams.

On Chinese, lexical features beat a frozen multilingual embedding (DESIGN.md field notes); on English the two
complement each other. The heads use both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from core.language import CJK_RUN, jieba

_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased words: jieba segments the Chinese runs, Latin words are split on non-letters."""
    text = text.lower()
    out: list[str] = []
    pos = 0
    for m in CJK_RUN.finditer(text):
        out += _LATIN_WORD.findall(text[pos : m.start()])
        out += [w for w in jieba().lcut(m.group(0)) if w.strip()]
        pos = m.end()
    out += _LATIN_WORD.findall(text[pos:])
    return out


class LexicalFeatures:
    """Word 1-2 grams plus character 2-4 grams (within words), both sublinear TF-IDF, stacked side by side."""

    def __init__(self, *, max_features: int = 200_000) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.words = TfidfVectorizer(
            tokenizer=words, token_pattern=None, lowercase=False, ngram_range=(1, 2), sublinear_tf=True,
            max_features=max_features,
        )  # fmt: skip
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, max_features=max_features
        )

    def fit_transform(self, texts: Sequence[str]) -> Any:
        from scipy import sparse

        return sparse.hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)]).tocsr()

    def transform(self, texts: Sequence[str]) -> Any:
        from scipy import sparse

        return sparse.hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()


def word_tfidf() -> Any:
    """The baseline's features: word 1-2 gram TF-IDF (jieba for Chinese)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False, ngram_range=(1, 2), sublinear_tf=True)
