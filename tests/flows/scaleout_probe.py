"""A tiny flow for the scale-out test: deployed from this folder, run by a process worker, it leaves a trace.

It builds `Settings()` from the worker's environment (CXLOOP_DATA_DIR), migrates the store and writes
`<data_dir>/probe/<tag>.json`, so the test sees that the flow ran in a worker's child process with cxloop
importable and the worker's environment passed down.
"""

from __future__ import annotations

import json
import os

from prefect import flow


@flow(name="scaleout-probe")
def probe(tag: str = "probe") -> str:
    from prefect.runtime import flow_run

    from core.db import engine_for, migrate
    from core.settings import Settings

    settings = Settings()
    settings.ensure_dirs()
    engine = engine_for(settings)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    out = settings.data_dir / "probe" / f"{tag}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"pid": os.getpid(), "flow_run_id": str(flow_run.id), "database": settings.database_url}))
    return str(out)
