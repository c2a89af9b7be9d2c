"""The webhook outbox: a message is written in the same transaction as the change it announces and delivered after
the commit, so a crash in between loses nothing and a re-run sends what is still pending.

`deliver` posts each pending message once per call (with `core.webhook`'s retries); a message that still fails stays
pending for the next call until `max_attempts` calls have failed, then it is `failed`. Without a webhook URL the
messages are kept as a log with status `none`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.settings import AndonSettings
from core.tables import OutboxRow
from core.webhook import post

MAX_ATTEMPTS = 5


def enqueue(session: Session, event: str, message: dict[str, Any], *, now: datetime | None = None) -> str:
    row = OutboxRow(
        id=str(uuid.uuid4()), event=event, payload=message, status="pending", attempts=0, created_at=now or _now()
    )
    session.add(row)
    return row.id


@dataclass(frozen=True)
class Delivery:
    id: str
    event: str
    payload: dict[str, Any]
    status: str


def deliver(
    sessions: sessionmaker[Session],
    config: AndonSettings,
    *,
    limit: int = 500,
    wait_max_s: float = 8.0,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[Delivery]:
    """Send the pending messages, oldest first; each outcome is committed as soon as it is known."""
    with sessions() as session:
        pending = [
            (r.id, r.event, dict(r.payload))
            for r in session.scalars(
                select(OutboxRow).where(OutboxRow.status == "pending").order_by(OutboxRow.created_at).limit(limit)
            )
        ]
    out = []
    for message_id, event, message in pending:
        status = post(config, event, message, delivery_id=message_id, wait_max_s=wait_max_s)
        with transaction(sessions) as session:
            row = session.get(OutboxRow, message_id)
            if row is None or row.status != "pending":  # another worker got there first
                continue
            row.attempts += 1
            if status == "sent":
                row.status, row.sent_at, row.last_error = "sent", _now(), None
            elif status == "no webhook":
                row.status = "none"
            else:
                row.last_error = status[:128]
                row.status = "failed" if row.attempts >= max_attempts else "pending"
        out.append(Delivery(message_id, event, message, status))
    return out


def _now() -> datetime:
    return datetime.now(UTC)
