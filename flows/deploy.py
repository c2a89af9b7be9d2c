"""Deployments with cron schedules: `cxloop flows serve` registers them and runs their flows as they come due.

With the default in-process set-up, `serve` starts Prefect's temporary local server; with PREFECT_API_URL set it
registers with that server instead, and a work pool + workers can run the same flows elsewhere (README, Scaling out).
"""

from __future__ import annotations

from typing import Any

from core.settings import Settings


def deployments(settings: Settings) -> list[Any]:
    """`nightly` (report, on `flows.nightly_cron`) and `andon` (hourly check, on `flows.andon_cron`)."""
    from prefect.schedules import Cron

    from flows.nightly import andon, nightly

    tz = settings.flows.timezone
    return [
        nightly.to_deployment(
            name="nightly",
            schedule=Cron(settings.flows.nightly_cron, timezone=tz),
            description="Ingest the inbox, classify, Andon check, trend report and loss-reason digest.",
            enforce_parameter_schema=False,
            tags=["cxloop"],
        ),
        andon.to_deployment(
            name="andon-hourly",
            schedule=Cron(settings.flows.andon_cron, timezone=tz),
            description="Open Andon alerts and work orders for repeated complaints.",
            enforce_parameter_schema=False,
            tags=["cxloop"],
        ),
    ]


def serve_deployments(settings: Settings) -> None:
    """Blocks until interrupted (Ctrl-C / SIGINT)."""
    from prefect import serve

    serve(*deployments(settings), print_starting_message=True)
