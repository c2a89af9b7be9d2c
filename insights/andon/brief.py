"""The LLM's brief of an Andon burst: two sentences on what the customers report, for the work orders' text.

A nicety: any failure (no model, a failed call, an empty answer) leaves the templated work orders as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ingest.masking import mask_text
from insights.andon.rule import Burst

log = logging.getLogger(__name__)
Brief = Callable[[Burst], str | None]
MAX_QUOTES = 6
MAX_CHARS = 400


def chat_brief(chat_model: Any) -> Brief:
    """A `Brief` over a langchain chat model, written in the customers' language."""

    def brief(burst: Burst) -> str | None:
        quotes = [e.quote for e in burst.events if e.quote][:MAX_QUOTES]
        if not quotes:
            return None
        prompt = (
            f"Several customers complained about the product {burst.product} ({burst.issue.replace('_', ' ')}).\n"
            "Their words:\n" + "\n".join(f"- {q[:300]}" for q in quotes) + "\n"
            "In at most two sentences, in the customers' language, state the problem they report for the quality "
            "team. No greeting, no advice, facts only."
        )
        try:
            reply = chat_model.invoke(prompt)
        except Exception as exc:
            log.warning("work-order brief failed (%s): template only", exc.__class__.__name__)
            return None
        text = " ".join(str(getattr(reply, "content", reply)).split())
        return mask_text(text[:MAX_CHARS]) if text else None

    return brief
