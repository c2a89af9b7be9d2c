"""Which customer segments of a live call are worth a suggestion: a question, or a problem with the product.

Speech recognisers seldom write a question mark (Whisper hardly ever does in Chinese), so besides the mark this
looks at question words and sentence-final particles, and at problem phrases ("doesn't work", 坏了).
"""

from __future__ import annotations

import re

from core.sentences import split_sentences

_ZH_QUESTION = re.compile(
    r"怎么|怎样|如何|为什么|为啥|能不能|可不可以|可以吗|是不是|是否|有没有|多少|多久|多长时间|哪里|哪儿|哪个|什么|"
    r"几天|吗[\s。.!！]*$|呢[\s。.!！]*$|么[\s。.!！]*$"
)
_ZH_PROBLEM = re.compile(
    r"坏了|不能用|用不了|不了|没法|无法|不工作|不亮|不转|不响|不出|漏水|漏|故障|报错|失败|异响|没反应|没收到|"
    r"投诉|退货|退款|问题"
)
_EN_QUESTION = re.compile(
    r"\?|^\s*(how|what|why|when|where|which|who|can|could|do|does|did|is|are|will|would|should|may)\b"
    r"|\b(how (do|can|long|much|often)|what (is|are|should)|is there|can i|can you|do you)\b",
    re.IGNORECASE,
)
_EN_PROBLEM = re.compile(
    r"\b(broken|broke|not working|doesn't work|does not work|won't|will not|can't|cannot|stopped|error|leak(s|ing)?|"
    r"fail(s|ed|ing)?|problem|issue|noise|noisy|refund(s|ed)?|return it|replace(ment)?|charged twice|never arrived|"
    r"hasn't arrived|not moved)\b",
    re.IGNORECASE,
)
# interjections a speaker starts with ("Great how long does the refund take?"): they only dilute the query
_LEADING = re.compile(
    r"^(?:(?:hi|hello|hey|great|good|yes|yeah|no|ok(?:ay)?|sure|right|so|well|and|but|also|then|thanks?|thank you|"
    r"um+|uh+|hmm+|喂|你好|您好|嗯+|好的?|对|是的?|那个?|啊|哦)(?=[\s,.!?，。！？~]|$)[\s,.!?，。！？~]*)+",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"(?<=[,，;；、])\s*|\s+(?=(?:and|but|so)\s)|(?=但是|而且|然后)", re.IGNORECASE)
MIN_CHARS = 4
MAX_SENTENCES = 2


def _asks(sentence: str) -> bool:
    if "?" in sentence or "？" in sentence:
        return True
    return any(p.search(sentence) for p in (_ZH_QUESTION, _ZH_PROBLEM, _EN_QUESTION, _EN_PROBLEM))


def _asking_part(sentence: str) -> str:
    """From the first clause that asks to the end: a recogniser's run-on sentence ("By, I was charged, right for
    my order, and I would like one of the charges refunded") keeps only what the assistant can use."""
    clauses = _CLAUSE.split(sentence)
    first = next(i for i, clause in enumerate(clauses) if _asks(clause))
    return _LEADING.sub("", " ".join(clauses[first:])).strip()


def query_of(text: str) -> str | None:
    """The question or problem in a finished customer segment, as a query for the assistant (its last two such
    sentences, from their asking clause on, leading interjections dropped); None when the segment asks nothing."""
    asked = [_asking_part(s) for s in split_sentences(text) if _asks(s)]
    query = " ".join(s for s in asked[-MAX_SENTENCES:] if s)
    return query if len(query) >= MIN_CHARS else None
