"""Which turns speak for the customer, the opening turn that says why they came, evidence quotes, and the
conversation as an LLM prompt reads it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.language import cjk_count
from core.records import Conversation, Turn
from ingest.masking import mask_text

QUOTE_CHARS = 300
PROMPT_CHARS = 3000  # of conversation text in an LLM prompt (~1,500 tokens of Chinese)
_WORD = re.compile(r"[A-Za-z0-9]+")


def quote(text: str) -> str:
    """Evidence as shown to people: masked (again: cheap insurance), trimmed."""
    masked = mask_text(text).strip()
    return masked if len(masked) <= QUOTE_CHARS else masked[: QUOTE_CHARS - 1] + "…"


def transcript(conversation: Conversation, *, numbered: bool = False) -> str:
    """One line per non-empty turn, `speaker: text` (`[index] speaker: text` when `numbered`, for prompts that ask
    for a turn back), cut at PROMPT_CHARS."""
    lines = [
        f"{f'[{t.index}] ' if numbered else ''}{t.speaker}: {t.text.strip()}"
        for t in conversation.turns
        if t.text.strip()
    ]
    text = "\n".join(lines)
    return text if len(text) <= PROMPT_CHARS else text[: PROMPT_CHARS - 1] + "…"


def customer_turns(conversation: Conversation) -> list[Turn]:
    """The customer's turns; when speakers are unknown, every turn that is not the agent's or the system's."""
    turns = [t for t in conversation.turns if t.text.strip()]
    mine = [t for t in turns if t.speaker == "customer"]
    return mine or [t for t in turns if t.speaker == "unknown"] or [t for t in turns if t.speaker != "system"]


def _substantial(text: str) -> bool:
    return cjk_count(text) >= 6 or len(_WORD.findall(text)) >= 5


def opening(turns: Sequence[Turn]) -> Turn | None:
    """The turn that says why the customer came: the first one with some substance (not just "hello")."""
    return next((t for t in turns if _substantial(t.text)), turns[0] if turns else None)
