"""From the last turns of a live call to a retrieval query, when the agent typed no question."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from knowledge.text import split_sentences

MAX_QUERY_CHARS = 300
LAST_CUSTOMER_TURNS = 2
_FILLER = re.compile(
    r"^(?:(?:(?:hi|hello|hey)(?: there)?|yes|yeah|no|ok(?:ay)?|sure|right|thanks?(?: you)?|thank you|um+|uh+|hmm+|"
    r"喂|你好|您好|嗯+|好的?|对|是的?|谢谢(?:你|您)?|啊|哦|那个)[\s,.!?，。！？~]*)+$",
    re.IGNORECASE,
)
_SPEAKER_PREFIX = re.compile(r"^\s*(customer|client|caller|agent|客户|顾客|坐席|客服)\s*[:：]\s*", re.IGNORECASE)
_CUSTOMER = {"customer", "client", "caller", "客户", "顾客"}


class Turn(BaseModel):
    speaker: str = Field(default="unknown", description="customer | agent | system | unknown")
    text: str = Field(max_length=4000)


def parse_context(context: str) -> list[Turn]:
    """Plain text, one turn per line, optionally prefixed 'customer:' / '客户：'."""
    turns = []
    for line in context.splitlines():
        if not line.strip():
            continue
        m = _SPEAKER_PREFIX.match(line)
        speaker = "unknown"
        if m:
            speaker = "customer" if m.group(1).lower() in _CUSTOMER else "agent"
        turns.append(Turn(speaker=speaker, text=_SPEAKER_PREFIX.sub("", line).strip()))
    return turns


def query_from_context(turns: list[Turn]) -> str:
    """The customer's last turns without greetings and fillers; the last turns of anyone when none is labelled."""
    customer = [t for t in turns if t.speaker.lower() in _CUSTOMER]
    chosen = (customer or turns)[-LAST_CUSTOMER_TURNS:]
    sentences = [s for t in chosen for s in split_sentences(t.text) if not _FILLER.match(s.strip())]
    query = " ".join(sentences).strip()
    # the end of the call is the freshest: keep the tail when it is long
    return query[-MAX_QUERY_CHARS:].lstrip() if len(query) > MAX_QUERY_CHARS else query
