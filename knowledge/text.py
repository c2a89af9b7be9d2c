"""Sentence splitting and tokenisation for Chinese and English text (the language itself: `core.language`).

One tokeniser serves BM25, sentence scoring and abstention features, so every stage agrees on what a "term" is.
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.language import CJK, CJK_CHAR, jieba
from core.sentences import split_sentences

__all__ = ["split_sentences"]  # with the tokeniser, as every knowledge stage reads them together

_CJK = CJK
_CJK_RE = CJK_CHAR
_PLACEHOLDER = re.compile(r"\[[A-Z_]{2,20}\]")
_TOKEN_RE = re.compile(f"[{_CJK}]+|[A-Za-z0-9]+(?:['’\\-][A-Za-z0-9]+)*")

_EN_STOP = """a about above after again all also am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further had has have having he her here hers
    him his how i if in into is it its itself just me more most my no nor not of off on once only or other our out
    over own same she should so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your yours
    often much many please tell know want need"""
EN_STOPWORDS = frozenset(_EN_STOP.split())
_ZH_STOP = """的 了 是 在 和 与 及 或 吗 呢 吧 啊 呀 哦 嗯 我 你 您 他 她 它 我们 你们 他们
    这 那 这个 那个 一个 有 没有 就 都
    也 还 又 被 把 让 给 对 从 到 为 为了 而 并 但 但是 如果 因为 所以 可以 能 会 要 请问 请
    什么 怎么 怎么样 如何 哪 哪个 哪些 多少 几 吗 么 之 其 上 下 中 个 些 等 着 过 得 地
    多久 多长 多长时间 为什么 怎样 是否 能否 有没有 是不是 可不可以 一下 想 知道"""
ZH_STOPWORDS = frozenset(_ZH_STOP.split())


def _stem(word: str) -> str:
    """A light English suffix stripper: enough to join filter/filters, replaced/replacing."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix, repl, min_len in (("ies", "y", 5), ("sses", "ss", 6), ("ing", "", 6), ("ed", "", 5)):
        if word.endswith(suffix) and len(word) >= min_len:
            return word[: -len(suffix)] + repl
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def _cjk_terms(run: str) -> tuple[str, ...]:
    words = jieba().lcut_for_search(run)
    return tuple(w for w in words if w.strip() and w not in ZH_STOPWORDS)


def tokenize(text: str) -> list[str]:
    """Terms for BM25: jieba words for Chinese runs, lower-cased light-stemmed words for the rest, no stopwords.

    Hyphenated model numbers keep the whole form and its parts (LM-FC30 → lm-fc30, lm, fc30).
    """
    terms: list[str] = []
    text = _PLACEHOLDER.sub(" ", text)  # [PHONE], [EMAIL] ... from masking say nothing about the question
    for m in _TOKEN_RE.finditer(text):
        run = m.group(0)
        if _CJK_RE.match(run):
            terms.extend(_cjk_terms(run))
            continue
        word = run.lower().replace("’", "'")
        if word in EN_STOPWORDS:
            continue
        if "-" in word:
            terms.append(word)
            terms.extend(_stem(p) for p in word.split("-") if p and p not in EN_STOPWORDS)
        else:
            terms.append(_stem(word.removesuffix("'s")))
    return terms


def size_units(text: str) -> int:
    """Chunk size measure: a Chinese character counts twice, so zh and en chunks hold similar content."""
    return len(text) + len(_CJK_RE.findall(text))


def sentence_terms(text: str) -> frozenset[str]:
    """A sentence's terms for matching a question: its tokens plus the characters of its Chinese words, so a
    question's 换 meets a document's 更换 (the segmenter keeps such words whole)."""
    terms = tokenize(text)
    chars = {ch for t in terms if len(t) > 1 and _CJK_RE.match(t) for ch in t}
    return frozenset(terms) | chars
