"""Deployments with cron schedules: `cxloop flows serve` registers them and runs their flows as they come due.

With the default in-process set-up, `serve` starts Prefect's temporary local server; with PREFECT_API_URL set it
registers with that server instead, and a work pool + workers can run the same flows elsewhere (README, Scaling out).
"""

from __future__ import annotations

from typing import Any

from core.settings import Settings


def deployments(settings: Settings, *, schedules: bool = True) -> list[Any]:
    """`nightly` (report, on `flows.nightly_cron`), `andon` (hourly check, on `flows.andon_cron`) and `sla` (work-order
    SLA sweep, on `workorders.sla_cron`).

    Entry points are module paths (`flows.nightly.andon`), so any machine with cxloop installed can run them.
    """
    from prefect.deployments.runner import EntrypointType  # type: ignore[attr-defined]  # not re-exported
    from prefect.schedules import Cron

    from flows.nightly import andon, nightly
    from flows.workorders import sla

    tz = settings.flows.timezone
    plan: list[tuple[Any, str, str, str]] = [
        (nightly, "nightly", settings.flows.nightly_cron, "Ingest the inbox, classify, Andon check, report, digest."),
        (
            andon,
            "andon-hourly",
            settings.flows.andon_cron,
            "Open Andon alerts and work orders for repeated complaints.",
        ),
        (sla, "sla", settings.workorders.sla_cron, "SLA warnings and escalations of work orders; webhooks."),
    ]
    return [
        flow.to_deployment(
            name=name,
            schedule=Cron(cron, timezone=tz) if schedules else None,
            entrypoint_type=EntrypointType.MODULE_PATH,
            description=description,
            enforce_parameter_schema=False,
            tags=["cxloop"],
        )
        for flow, name, cron, description in plan
    ]


def serve_deployments(settings: Settings) -> None:
    """Blocks until interrupted (Ctrl-C / SIGINT)."""
    from prefect import serve

    serve(*deployments(settings), print_starting_message=True)


def deploy_to_pool(settings: Settings, pool: str, *, schedules: bool = True) -> list[str]:
    """Register the deployments with the Prefect server at PREFECT_API_URL for workers of `pool` to run.

    Workers build their settings from their own CXLOOP_ environment (shared PostgreSQL and Chroma server).
    """
    from prefect import deploy

    found = deployments(settings, schedules=schedules)
    deploy(*found, work_pool_name=pool, build=False, push=False, print_next_steps_message=False, ignore_warnings=True)
    return [f"{d.flow_name}/{d.name}" for d in found]
