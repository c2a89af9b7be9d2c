"""Ingest over HTTP: JSON rows for chats and work orders, audio uploads for calls (answered with a job id)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel, Field

from api.auth import Svc, require_role
from api.services import Services
from core.errors import InvalidInput, NotFound
from core.keys import Principal
from core.records import Channel
from core.tables import IngestRunRow
from ingest import ledger
from ingest.calls import AUDIO_SUFFIXES
from ingest.exports import read_json_rows
from ingest.ledger import Counts, RunReport
from ingest.mapping import ColumnMapping, load_mapping

router = APIRouter(prefix="/v1", tags=["ingest"])
integrator = require_role()  # admin only: ingest writes customer data
IntegratorKey = Annotated[Principal, Depends(integrator)]


class IngestRows(BaseModel):
    source: str = Field(min_length=1, max_length=200, description="Name of the export, e.g. crm-2026-11-20.")
    rows: list[dict[str, str | int | float | bool | None]] = Field(min_length=1)
    mapping: dict[str, Any] | None = Field(default=None, description="Column mapping overrides (see README).")


class JobOut(BaseModel):
    id: str
    status: str
    channel: str
    counts: dict[str, Any]
    error: str | None


def _ingest_rows(svc: Services, body: IngestRows, channel: Channel) -> RunReport:
    settings = svc.settings
    if len(body.rows) > settings.ingest.max_rows_per_request:
        raise InvalidInput(f"{len(body.rows)} rows is over the limit of {settings.ingest.max_rows_per_request}")
    mapping = load_mapping(None, channel)
    if body.mapping:
        mapping = ColumnMapping.model_validate({**mapping.model_dump(), **body.mapping})
    rows = [{k: ("" if v is None else v) for k, v in r.items()} for r in body.rows]
    batch = read_json_rows(rows, channel, mapping, settings, f"api:{body.source}")
    if batch.rejected:  # all or nothing: the caller fixes the rows and sends them again
        raise InvalidInput(
            f"{len(batch.rejected)} row(s) failed validation; nothing was stored",
            detail=[{"row": bad.locator, "reason": bad.reason} for bad in batch.rejected[:50]],
        )
    run_id = ledger.start_run(svc.sessions, channel, f"api:{body.source}")
    report = ledger.store_batch(svc.sessions, batch, run_id, channel)
    ledger.finish_run(svc.sessions, run_id, report.counts)
    index_new(svc)
    return report


@router.post("/ingest/chats", response_model=RunReport)
def ingest_chats(body: IngestRows, svc: Svc, _: IntegratorKey) -> RunReport:
    """One row per message (conversation_id, speaker, text, ...); 422 names each failing row."""
    return _ingest_rows(svc, body, "chat")


@router.post("/ingest/work-orders", response_model=RunReport)
def ingest_work_orders(body: IngestRows, svc: Svc, _: IntegratorKey) -> RunReport:
    """One row per work order (order_id, description, resolution, ...); 422 names each failing row."""
    return _ingest_rows(svc, body, "work_order")


def index_new(svc: Services) -> None:
    """Index what ingest stored (in this process: an embedded vector store takes one writing process)."""
    from ingest.search import index_pending

    index_pending(svc.sessions, svc.turn_index(), svc.embedder())


@router.post("/ingest/calls", response_model=JobOut, status_code=202)
def ingest_call(
    *,
    audio: UploadFile = File(description="wav, flac, mp3, ogg/opus; 2-channel = agent left, customer right"),
    metadata: str | None = Form(default=None, description='JSON: {"id", "started_at", "agent_id", ...}'),
    svc: Svc,
    _: IntegratorKey,
) -> JobOut:
    """Upload one recording; poll GET /v1/ingest/jobs/{id} for the result."""
    name = Path(audio.filename or "upload.wav").name
    suffix = Path(name).suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        raise InvalidInput(f"unsupported audio type '{suffix}'; use one of {', '.join(sorted(AUDIO_SUFFIXES))}")
    meta: dict[str, Any] = {}
    if metadata:
        try:
            meta = json.loads(metadata)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"metadata is not valid JSON: {exc.msg}") from None
        if not isinstance(meta, dict):
            raise InvalidInput("metadata must be a JSON object")
    run_id = ledger.start_run(svc.sessions, "call", f"upload:{name}", status="queued")
    folder = svc.settings.data_dir / "uploads" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    limit = svc.settings.api.max_upload_bytes
    with target.open("wb") as out:
        shutil.copyfileobj(audio.file, out, 1 << 20)
    if target.stat().st_size > limit:
        shutil.rmtree(folder, ignore_errors=True)
        ledger.finish_run(svc.sessions, run_id, Counts(), error="upload over the size limit")
        raise InvalidInput(f"upload of {target.stat().st_size} bytes is over the limit of {limit}")
    if meta:
        meta.setdefault("id", Path(name).stem)
        target.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False))
    svc.jobs.submit_call(target, run_id, then=lambda: index_new(svc))
    return JobOut(id=run_id, status="queued", channel="call", counts={}, error=None)


@router.get("/ingest/jobs/{job_id}", response_model=JobOut)
def ingest_job(job_id: str, svc: Svc, _: IntegratorKey) -> JobOut:
    with svc.sessions() as session:
        run = session.get(IngestRunRow, job_id)
        if run is None:
            raise NotFound(f"no ingest job '{job_id}'")
        return JobOut(id=run.id, status=run.status, channel=run.channel, counts=run.counts or {}, error=run.error)
