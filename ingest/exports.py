"""Chat and work-order exports -> masked `Conversation` units, with every bad row rejected for a reason."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from core.errors import InvalidInput
from core.language import detect_language
from core.records import Channel, Conversation, Outcome, Turn
from core.settings import Settings
from ingest.identity import customer_key
from ingest.mapping import ColumnMapping
from ingest.masking import Masker, masker_for
from ingest.tabular import BadRow, RawRow, read_rows
from ingest.units import Batch, Rejected, Unit, content_hash, parse_time

OUTCOMES: dict[str, Outcome] = {
    "won": "won",
    "win": "won",
    "成交": "won",
    "赢单": "won",
    "lost": "lost",
    "loss": "lost",
    "丢单": "lost",
    "输单": "lost",
    "open": "open",
    "跟进中": "open",
}


def _cell(row: dict[str, Any], column: str | None) -> str:
    if not column:
        return ""
    value = row.get(column)
    return "" if value is None else str(value).strip()


def read_export(path: Path, channel: Channel, mapping: ColumnMapping, settings: Settings) -> Batch:
    """Parse one export file. Raises InvalidInput when the whole file is unusable."""
    header, rows = read_rows(path)
    mapping.check(header, path.name)
    return build_batch(str(path), rows, channel, mapping, settings)


def build_batch(source_uri: str, rows: Any, channel: Channel, mapping: ColumnMapping, settings: Settings) -> Batch:
    batch = Batch(source_uri=source_uri)
    mask = masker_for(settings)
    groups: dict[str, list[RawRow]] = defaultdict(list)
    batch.rows_read = 0
    for item in rows:
        batch.rows_read += 1
        if isinstance(item, BadRow):
            batch.rejected.append(Rejected(item.locator, item.reason, mask(item.excerpt)))
            continue
        problem = _row_problem(item.data, mapping)
        if problem:
            batch.rejected.append(Rejected(item.locator, problem, mask(str(item.data)[:200])))
            continue
        groups[_cell(item.data, mapping.conversation_id)].append(item)
    for source_id, group in groups.items():
        try:
            batch.units.append(_unit(source_id, group, channel, mapping, settings, source_uri, mask))
        except ValueError as exc:  # a bad timestamp or outcome: the whole conversation is unusable
            for item in group:
                batch.rejected.append(Rejected(item.locator, str(exc), mask(str(item.data)[:200])))
    return batch


def _row_problem(row: dict[str, Any], mapping: ColumnMapping) -> str | None:
    if not _cell(row, mapping.conversation_id):
        return f"missing value in required column '{mapping.conversation_id}'"
    if mapping.layout == "messages" and not _cell(row, mapping.text):
        return f"empty message text in column '{mapping.text}'"
    if mapping.layout == "records" and not any(_cell(row, t.column) for t in mapping.turns):
        return f"no text in any turn column ({', '.join(t.column for t in mapping.turns)})"
    return None


def _unit(
    source_id: str,
    group: list[RawRow],
    channel: Channel,
    mapping: ColumnMapping,
    settings: Settings,
    uri: str,
    mask: Masker,
) -> Unit:
    tz = settings.ingest.default_timezone
    first = group[0].data
    if mapping.layout == "messages":
        ordered = sorted(group, key=lambda r: _order_key(r, mapping))
        turns = [
            Turn(
                index=i,
                speaker=mapping.speaker_values.get(_cell(r.data, mapping.speaker).lower(), "unknown"),
                text=mask(_cell(r.data, mapping.text)),
            )
            for i, r in enumerate(ordered)
        ]
        started = parse_time(_cell(first, mapping.started_at) or _cell(ordered[0].data, mapping.sent_at), tz)
    else:
        turns = []
        for column in mapping.turns:
            text = _cell(first, column.column)
            if text:
                turns.append(Turn(index=len(turns), speaker=column.speaker, text=mask(text)))
        started = parse_time(_cell(first, mapping.started_at), tz)
    identity = next((v for v in (_cell(first, c) for c in mapping.customer) if v), None)
    outcome_raw = _cell(first, mapping.outcome).lower()
    if outcome_raw and outcome_raw not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome_raw!r} (expected won, lost or open)")
    language = _cell(first, mapping.language).lower() or detect_language(" ".join(t.text for t in turns))
    metadata = {c: mask(_cell(first, c)) for c in mapping.metadata if _cell(first, c)}
    conversation = Conversation(
        id=f"{channel}:{source_id}",
        channel=channel,
        source_uri=uri,
        source_sha256="",
        started_at=started,
        language=language,
        customer_key=customer_key(identity, settings.privacy.customer_key_secret),
        agent_id=_cell(first, mapping.agent_id) or None,
        team=_cell(first, mapping.team) or None,
        product=_cell(first, mapping.product) or None,
        outcome=OUTCOMES.get(outcome_raw),
        metadata=metadata,
        turns=turns,
    )
    digest = content_hash([r.data for r in group])
    conversation.source_sha256 = digest
    return Unit(conversation=conversation, content_sha256=digest, rows=len(group))


def _order_key(row: RawRow, mapping: ColumnMapping) -> tuple[float, str]:
    index = _cell(row.data, mapping.turn_index)
    try:
        return (float(index), "")
    except ValueError:
        return (float("inf"), _cell(row.data, mapping.sent_at))


def read_json_rows(
    rows: list[dict[str, Any]], channel: Channel, mapping: ColumnMapping, settings: Settings, source_uri: str
) -> Batch:
    """Rows posted to the API; a missing required field in the first row is an InvalidInput naming it."""
    if rows:
        mapping.check(list(rows[0]), source_uri)
    else:
        raise InvalidInput("no rows")
    raw = [RawRow(f"row {i}", r) for i, r in enumerate(rows, start=1)]
    return build_batch(source_uri, raw, channel, mapping, settings)
