"""Declared column mappings: read a customer's own export format without code.

A mapping names which column holds what. Two layouts:
- `messages`: one row per message, grouped into conversations by `conversation_id` (chat exports);
- `records`: one row per conversation, turns taken from the columns listed in `turns` (work-order exports).

Write one as YAML and pass it with `--mapping`; unspecified fields keep the defaults below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from core.errors import InvalidInput
from core.records import Channel, Speaker
from core.yaml_errors import problems, read_yaml

DEFAULT_SPEAKERS: dict[str, Speaker] = {
    "customer": "customer",
    "client": "customer",
    "user": "customer",
    "buyer": "customer",
    "prospect": "customer",
    "客户": "customer",
    "用户": "customer",
    "顾客": "customer",
    "agent": "agent",
    "rep": "agent",
    "sales": "agent",
    "staff": "agent",
    "客服": "agent",
    "坐席": "agent",
    "销售": "agent",
    "system": "system",
    "bot": "system",
    "系统": "system",
}


class TurnColumn(BaseModel):
    column: str
    speaker: Speaker


class ColumnMapping(BaseModel):
    layout: Literal["messages", "records"] = "messages"
    conversation_id: str = Field(description="Column with the source's conversation or order id.")
    text: str | None = Field(default=None, description="Message text column (layout messages).")
    speaker: str | None = None
    speaker_values: dict[str, Speaker] = Field(default_factory=lambda: dict(DEFAULT_SPEAKERS))
    turn_index: str | None = None
    sent_at: str | None = None
    started_at: str | None = None
    turns: list[TurnColumn] = Field(default_factory=list, description="Turn columns (layout records).")
    customer: list[str] = Field(default_factory=list, description="Columns identifying the customer, first wins.")
    agent_id: str | None = None
    team: str | None = None
    product: str | None = None
    language: str | None = None
    outcome: str | None = None
    metadata: list[str] = Field(default_factory=list, description="Other columns kept (masked) as metadata.")

    def required_columns(self) -> list[str]:
        if self.layout == "messages":
            return [self.conversation_id, *([self.text] if self.text else [])]
        return [self.conversation_id, *(t.column for t in self.turns)]

    def check(self, header: list[str], source: str) -> None:
        if self.layout == "messages" and not self.text:
            raise InvalidInput(f"{source}: mapping with layout 'messages' needs a 'text' column")
        if self.layout == "records" and not self.turns:
            raise InvalidInput(f"{source}: mapping with layout 'records' needs at least one entry in 'turns'")
        if not header:  # JSON Lines with no object: rows will be reported one by one
            return
        missing = [c for c in self.required_columns() if c not in header]
        if missing:
            raise InvalidInput(
                f"{source}: missing required column(s) {', '.join(repr(c) for c in missing)}; found {', '.join(header)}"
            )


CHATS = ColumnMapping(
    layout="messages",
    conversation_id="conversation_id",
    text="text",
    speaker="speaker",
    turn_index="turn_index",
    sent_at="sent_at",
    started_at="started_at",
    customer=["customer_phone", "customer_email", "customer_id"],
    agent_id="agent_id",
    team="team",
    product="product",
    language="language",
    outcome="outcome",
    metadata=["loss_reason", "category", "status"],
)

WORK_ORDERS = ColumnMapping(
    layout="records",
    conversation_id="order_id",
    started_at="created_at",
    turns=[TurnColumn(column="description", speaker="customer"), TurnColumn(column="resolution", speaker="agent")],
    customer=["customer_phone", "customer_email", "customer_id"],
    agent_id="agent_id",
    team="team",
    product="product",
    language="language",
    metadata=["category", "status"],
)

DEFAULTS: dict[Channel, ColumnMapping] = {"chat": CHATS, "work_order": WORK_ORDERS}


def load_mapping(path: Path | None, channel: Channel) -> ColumnMapping:
    base = DEFAULTS[channel]
    if path is None:
        return base
    overrides, text = read_yaml(path, "mapping")
    overrides = overrides or {}
    if not isinstance(overrides, dict):
        raise InvalidInput(f"mapping {path} must be a YAML mapping of field: column")
    unknown = sorted(set(overrides) - set(ColumnMapping.model_fields))
    if unknown:
        raise InvalidInput(
            f"mapping {path}: unknown field(s) {', '.join(unknown)}; valid: {', '.join(ColumnMapping.model_fields)}"
        )
    try:
        return ColumnMapping.model_validate({**base.model_dump(), **overrides})
    except ValidationError as exc:
        raise InvalidInput(f"mapping {path}: {'; '.join(problems(exc, text))}") from None
