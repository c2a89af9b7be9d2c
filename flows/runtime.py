"""Prefect environment for cxloop entry points. Call before the first `import prefect`."""

from __future__ import annotations

import os

from core.errors import OrchestratorUnavailable
from core.settings import Settings

STARTUP_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
TIMED_OUT = "Timed out while attempting to connect to ephemeral Prefect API server."
RETRY_HINT = (
    "Run the same command again (the database is created once), raise CXLOOP_FLOWS__PREFECT_STARTUP_TIMEOUT, "
    "or point PREFECT_API_URL at a running Prefect server (`prefect server start`)."
)


def configure_prefect(settings: Settings) -> None:
    """In-process Prefect with its temporary local server unless PREFECT_API_URL points at a real one.

    Prefect waits 20 s for its temporary server; the first start creates its database, which overran that on a busy
    2-core machine, so our own (longer) limit applies unless Prefect's variable is set explicitly."""
    os.environ.setdefault("PREFECT_HOME", str((settings.data_dir / "prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault(STARTUP_ENV, str(settings.flows.prefect_startup_timeout))


def start_prefect(settings: Settings) -> str:
    """Configure Prefect and make sure an API answers before any flow runs; returns its address.

    Starting the temporary server here, rather than inside the first flow call, puts its first-run database creation
    under our time limit and turns a failure into one readable line instead of a traceback from deep in a flow."""
    configure_prefect(settings)
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    url: str | None = PREFECT_API_URL.value()
    if url:
        _check_server(url)
        return url
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        raise OrchestratorUnavailable(
            "Prefect has no API: set PREFECT_API_URL to a running Prefect server, or allow its temporary server "
            "(PREFECT_SERVER_ALLOW_EPHEMERAL_MODE=true)"
        )
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    timeout = int(os.environ.get(STARTUP_ENV) or settings.flows.prefect_startup_timeout)
    try:
        server.start(timeout=timeout)
    except Exception as exc:  # Prefect raises a bare RuntimeError with the server's whole output in it
        raise OrchestratorUnavailable(
            f"Prefect's temporary server did not start within {timeout} s{_why(exc)}. {RETRY_HINT}",
            detail={"prefect_home": os.environ.get("PREFECT_HOME")},
        ) from None
    return server.api_url


def stop_prefect() -> None:
    """Stop the temporary server if this process started one (a no-op otherwise)."""
    from prefect.server.api.server import SubprocessASGIServer

    if SubprocessASGIServer._instances.get(None) is not None:
        SubprocessASGIServer().stop()


def _check_server(url: str) -> None:
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise OrchestratorUnavailable(
            f"the Prefect server at PREFECT_API_URL={url} does not answer ({exc.__class__.__name__}); start it, "
            "or unset PREFECT_API_URL to run on Prefect's temporary local server"
        ) from None


def _why(exc: BaseException) -> str:
    """What Prefect said beyond "timed out", without the server's whole output that follows it."""
    said = str(exc).split(" stdout:")[0].replace(TIMED_OUT, "").strip()
    said = said.splitlines()[0][:200] if said else ""
    return f" ({said.rstrip('.')})" if said else ""
