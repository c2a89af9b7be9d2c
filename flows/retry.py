"""When a failed task is worth retrying: only what a second try can fix, a busy or briefly unreachable store."""

from __future__ import annotations

from typing import Any


def transient(_task: Any, _run: Any, state: Any) -> bool:
    from ingest.run import transient_errors

    try:
        state.result()
    except transient_errors():
        return True
    except Exception:
        return False
    return False
