"""The Andon webhook's first message, `andon.opened`; later events (holds, SLA warnings, escalations) go through
the outbox (`core.outbox`). Signing and retries: `core.webhook`."""

from __future__ import annotations

from typing import Any

from core.settings import AndonSettings
from core.webhook import SIGNATURE_HEADER, post, sign
from insights.andon.alerts import AlertView

__all__ = ["SIGNATURE_HEADER", "payload", "send", "sign"]


def payload(alert: AlertView) -> dict[str, Any]:
    return {"event": "andon.opened", "alert": alert.model_dump(mode="json")}


def send(config: AndonSettings, alert: AlertView, *, wait_max_s: float = 8.0) -> str:
    """POST the alert; returns `sent` or `failed: <reason>` (a failed webhook never fails the Andon check)."""
    return post(config, "andon.opened", {"alert": alert.model_dump(mode="json")}, wait_max_s=wait_max_s)
