"""When a failed task is worth retrying: only what a second try can fix, a busy or briefly unreachable store."""

from __future__ import annotations

from typing import Any

from core.errors import StoreUnavailable


def transient(_task: Any, _run: Any, state: Any) -> bool:
    from sqlalchemy.exc import OperationalError

    try:
        state.result()
    except (OperationalError, StoreUnavailable, ConnectionError, TimeoutError):
        return True
    except Exception:
        return False
    return False
