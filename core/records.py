"""Plain records that flow between stages. Inner functions take and return these, never ORM rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Channel = Literal["call", "chat", "work_order"]
Speaker = Literal["agent", "customer", "system", "unknown"]
Outcome = Literal["won", "lost", "open"]


class Turn(BaseModel):
    index: int
    speaker: Speaker = "unknown"
    text: str = Field(description="Masked text: personal data is replaced before a Turn is built.")
    start_s: float | None = None
    end_s: float | None = None


class Conversation(BaseModel):
    id: str
    channel: Channel
    source_uri: str
    source_sha256: str
    started_at: datetime | None = None
    language: str | None = None
    customer_key: str | None = None
    agent_id: str | None = None
    team: str | None = None
    product: str | None = None
    outcome: Outcome | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    turns: list[Turn] = Field(default_factory=list)


class Evidence(BaseModel):
    turn_index: int
    quote: str


class Insight(BaseModel):
    conversation_id: str
    kind: str
    label: str
    confidence: float
    evidence: Evidence | None = None
    model_name: str
    model_version: str


class Chunk(BaseModel):
    id: str
    document_id: str
    ordinal: int
    section_path: str
    product: str | None = None
    language: str | None = None
    text: str
    content_hash: str


class Summary(BaseModel):
    """An after-contact summary: what the customer needed, what was done, how it ended, what was promised."""

    conversation_id: str
    language: str | None = None
    issue: str
    actions: list[str] = Field(default_factory=list)
    outcome: str
    follow_ups: list[str] = Field(default_factory=list)
    source: Literal["llm", "extractive"]
    model: str
