"""Writing one summary: the chat model with a JSON schema (validated), or sentences picked from the turns.

Both read the turns as stored (already masked) and mask their output again: a model may invent a number that looks
like a phone or card, and nothing unmasked is stored.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from core.records import Conversation, Summary
from ingest.masking import mask_text
from insights.classify.turns import customer_turns, opening, transcript
from knowledge.text import split_sentences

PROMPT_VERSION = "s1"
FIELD_CHARS = 300
SYSTEM = (
    "You write the after-contact summary of a customer-service conversation for the contact center's records. "
    "Write in the conversation's language ({language}). Use only what the conversation says. "
    "issue: what the customer needed, one sentence. actions: what the agent did, short items. "
    "outcome: how it ended, one sentence. follow_ups: next steps someone promised, short items (empty if none)."
)
_ACTION = re.compile(
    r"\b(I(?:'ve| have)|we(?:'ve| have)|arranged|refund(?:ed)?|replac\w*|sent|escalat\w*|booked|cancell?ed|reset|"
    r"credited|updated|registered)\b|已|帮您|为您|安排|退款|换新|补发|登记|提交|处理",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(will|'ll|within|tomorrow|call you back|follow up|next week)\b|明天|稍后|将|预计|回电|跟进|通知您|会在",
    re.IGNORECASE,
)


class SummaryAnswer(BaseModel):
    """The JSON the model must return."""

    issue: str = Field(description="What the customer needed, one sentence.")
    actions: list[str] = Field(description="What the agent did.")
    outcome: str = Field(description="How it ended, one sentence.")
    follow_ups: list[str] = Field(description="Promised next steps; empty if none.")


def messages(conversation: Conversation) -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    language = {"zh": "Chinese", "en": "English"}.get(conversation.language or "", "the customer's language")
    return [SystemMessage(SYSTEM.format(language=language)), HumanMessage(transcript(conversation))]


def llm_summary(chat_model: Any, conversation: Conversation, model_name: str) -> Summary:
    """The model's summary; raises when the call fails or its answer does not fit the schema."""
    answer = chat_model.with_structured_output(SummaryAnswer).invoke(messages(conversation))
    if not isinstance(answer, SummaryAnswer):
        answer = SummaryAnswer.model_validate(answer)
    if not answer.issue.strip():
        raise ValueError("the model's summary has no issue")
    return _summary(conversation, answer, "llm", model_name)


def extractive_summary(conversation: Conversation) -> Summary:
    """Sentences of the conversation itself: the opening customer turn, the agent's actions, how it ended."""
    turns = [t for t in conversation.turns if t.text.strip()]
    opener = opening(customer_turns(conversation))
    issue = _first_sentence(opener.text) if opener is not None else ""
    agent = [s for t in turns if t.speaker == "agent" for s in split_sentences(t.text)]
    actions = [s for s in agent if _ACTION.search(s) and not _FUTURE.search(s)][:3]
    follow_ups = [s for s in agent if _FUTURE.search(s)][:3]
    outcome: str
    if conversation.outcome:
        outcome = str(conversation.outcome)
    elif turns:
        outcome = _first_sentence(turns[-1].text)
    else:
        outcome = ""
    answer = SummaryAnswer(issue=issue, actions=actions, outcome=outcome, follow_ups=follow_ups)
    return _summary(conversation, answer, "extractive", f"extractive:{PROMPT_VERSION}")


def _first_sentence(text: str) -> str:
    sentences = split_sentences(text)
    return sentences[0] if sentences else text.strip()


def _clean(text: str) -> str:
    text = mask_text(" ".join(text.split()))
    return text if len(text) <= FIELD_CHARS else text[: FIELD_CHARS - 1] + "…"


def _summary(conversation: Conversation, answer: SummaryAnswer, source: str, model: str) -> Summary:
    return Summary(
        conversation_id=conversation.id,
        language=conversation.language,
        issue=_clean(answer.issue),
        actions=[_clean(a) for a in answer.actions if a.strip()][:6],
        outcome=_clean(answer.outcome),
        follow_ups=[_clean(f) for f in answer.follow_ups if f.strip()][:6],
        source="llm" if source == "llm" else "extractive",
        model=model[:128],
    )
