"""Which conversations an insight kind runs on (`insights.scopes`): by channel and by conversation type.

A conversation is `sales` when the source says so (an outcome is recorded, or a kind/type/category column names a
sale) or, with `insights.sales_from_intent`, when the customer's intent is `sales`; every other one is `service`.
Loss reasons of a product review or a delivery complaint mean nothing, so by default the sales kinds (outcome and
loss_reason) run on sales conversations only.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.records import Conversation
from core.settings import ConversationType, KindScope
from insights.classify.outcome import is_sales


def conversation_type(conversation: Conversation, intent: str | None, *, from_intent: bool) -> ConversationType:
    return "sales" if is_sales(conversation, intent if from_intent else None) else "service"


def applies(scope: KindScope | None, conversation: Conversation, intent: str | None, *, from_intent: bool) -> bool:
    """Whether a kind with `scope` runs on `conversation` (no scope: it runs on every one)."""
    if scope is None:
        return True
    if scope.channels is not None and conversation.channel not in scope.channels:
        return False
    if scope.conversations is not None:
        return conversation_type(conversation, intent, from_intent=from_intent) in scope.conversations
    return True


def describe(scopes: Mapping[str, KindScope], from_intent: bool) -> list[str]:
    """The scopes as stable strings, for the pipeline version: a changed scope classifies again."""
    out = [f"scope:{kind}={scopes[kind].model_dump_json()}" for kind in sorted(scopes)]
    return [*out, f"sales_from_intent={from_intent}"]
