"""The signed webhook: one JSON POST per event, retried with back-off on transient failures.

Receivers check `X-Cxloop-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with the shared secret, and may
drop a repeated `X-Cxloop-Delivery` (the same on every retry and every later re-delivery of one message).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

from core.settings import AndonSettings

SIGNATURE_HEADER = "X-Cxloop-Signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _retryable(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return isinstance(exc, httpx.TransportError)


def post(
    config: AndonSettings,
    event: str,
    message: dict[str, Any],
    *,
    delivery_id: str | None = None,
    wait_max_s: float = 8.0,
) -> str:
    """POST `{"event": event, **message}`; returns `sent`, `no webhook` or `failed: <reason>` (never raises)."""
    import httpx
    from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

    if not config.webhook_url:
        return "no webhook"
    body = json.dumps({"event": event, **message}, ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Cxloop-Event": event,
        "X-Cxloop-Delivery": delivery_id or str(uuid.uuid4()),
    }
    if config.webhook_secret is not None:
        headers[SIGNATURE_HEADER] = sign(body, config.webhook_secret.get_secret_value())
    retrying = Retrying(
        stop=stop_after_attempt(config.webhook_attempts),
        wait=wait_exponential(multiplier=0.5, max=wait_max_s),
        retry=retry_if_exception(_retryable),
        reraise=True,
    )
    try:
        with httpx.Client(timeout=config.webhook_timeout_s) as client:
            for attempt in retrying:
                with attempt:
                    client.post(config.webhook_url, content=body, headers=headers).raise_for_status()
    except httpx.HTTPStatusError as exc:
        return f"failed: HTTP {exc.response.status_code}"
    except httpx.HTTPError as exc:
        return f"failed: {exc.__class__.__name__}"
    return "sent"
