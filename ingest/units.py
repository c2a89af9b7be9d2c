"""What sources hand to the ledger: conversation-sized units with a content hash, or a reason for quarantine."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.records import Conversation


@dataclass
class Unit:
    conversation: Conversation  # already masked
    content_sha256: str  # of the raw input, so any change in the source is seen
    rows: int = 1

    @property
    def key(self) -> str:
        return self.conversation.id


@dataclass(frozen=True)
class Rejected:
    locator: str
    reason: str
    excerpt: str = ""


@dataclass
class Batch:
    """Everything one file produced."""

    source_uri: str
    units: list[Unit] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int | None = None  # what the reader handed over; None: one row per unit and per rejection

    def read(self) -> int:
        return self.rows_read if self.rows_read is not None else sum(u.rows for u in self.units) + len(self.rejected)


def content_hash(payload: Any) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
)


def parse_time(value: Any, default_tz: str) -> datetime | None:
    """ISO 8601 and the usual export formats; a time without an offset is taken in `default_tz`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            for fmt in _FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(f"unparseable timestamp {str(value)[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(default_tz))
    return parsed
