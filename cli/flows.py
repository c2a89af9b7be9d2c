"""`cxloop flows list|run|serve`: the Prefect flows and their scheduled deployments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.errors import run_edge
from cli.settings import build_settings
from core.errors import InvalidInput

app = typer.Typer(help="Run the nightly flows now, or serve them on their schedules.", no_args_is_help=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data folder (default ./data).")]
NAMES = {
    "nightly": "ingest the inbox -> LLM labels -> classify -> summaries -> Andon -> trend report + loss digest",
    "labels": "the LLM labels a sample of new conversations; the fast heads are retrained on its labels",
    "summaries": "after-contact summaries of new or changed conversations (LLM within the budget, else extractive)",
    "andon": "open Andon alerts and work orders for repeated complaints",
    "sla": "work-order SLA sweep: warnings before the deadline, escalations after it, webhooks",
    "reports": "write the trend report and the loss-reason digest",
}


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"--now must be an ISO date or time such as 2026-11-21, not {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("list")
def list_flows() -> None:
    """The flows `run` and `serve` know."""
    for name, what in NAMES.items():
        typer.echo(f"{name:8} {what}")


@app.command()
def run(
    name: Annotated[
        str, typer.Argument(help="nightly, labels, summaries, andon, sla or reports (`cxloop flows list`).")
    ],
    data_dir: DataDir = None,
    now: Annotated[
        str | None, typer.Option(help="Run as of this time (ISO), e.g. to replay a past night. Default: now.")
    ] = None,
    inbox: Annotated[
        Path | None, typer.Option(help="Drop folder for `nightly` (chats/, sales/, work_orders/, calls/).")
    ] = None,
) -> None:
    """Run one flow now, in-process (or against PREFECT_API_URL when set), and print what it did."""
    settings = build_settings(data_dir)

    def go() -> None:
        if name not in NAMES:
            raise InvalidInput(f"unknown flow {name!r}; choose one of: {', '.join(NAMES)}")
        as_of = _parse_now(now)
        from flows.runtime import start_prefect

        start_prefect(settings)
        from flows import nightly as nf

        if name == "nightly":
            report = nf.nightly(settings, as_of, inbox)
            typer.echo(report.model_dump_json(indent=2))
        elif name == "labels":
            from flows.labels import labels_flow

            typer.echo(labels_flow(settings).model_dump_json(indent=2))
        elif name == "summaries":
            from flows.summaries import summaries_flow

            typer.echo(summaries_flow(settings).model_dump_json(indent=2))
        elif name == "andon":
            run = nf.andon(settings, as_of)
            typer.echo(f"{len(run.opened)} alert(s) opened, {len(run.updated)} updated ({run.events} complaints)")
            for alert in run.opened:
                typer.echo(f"  {alert.product} / {alert.issue}: {alert.customers} customers, {alert.id}")
        elif name == "sla":
            from flows.workorders import sla

            swept = sla(settings, as_of)
            done = swept.sweep
            typer.echo(
                f"{done.warned} warned, {done.breached} escalated to team leads, {done.to_manager} to managers;"
                f" webhooks {swept.delivered or 'none pending'}"
            )
        else:
            for kind, path in nf.reports(settings, as_of).items():
                typer.echo(f"{kind}: {path}")

    run_edge(go)


@app.command()
def serve(data_dir: DataDir = None) -> None:
    """Register the scheduled deployments (nightly report, hourly Andon check) and run them as they come due."""
    settings = build_settings(data_dir)

    def go() -> None:
        from flows.runtime import start_prefect

        start_prefect(settings)
        from flows.deploy import serve_deployments

        typer.echo(
            f"serving: nightly at '{settings.flows.nightly_cron}', andon at '{settings.flows.andon_cron}' "
            f"({settings.flows.timezone}), sla at '{settings.workorders.sla_cron}'; Ctrl-C stops"
        )
        serve_deployments(settings)

    run_edge(go)


@app.command()
def deploy(
    pool: Annotated[str, typer.Option(help="Work pool whose workers run the flows (prefect work-pool create).")],
    data_dir: DataDir = None,
    no_schedule: Annotated[bool, typer.Option("--no-schedule", help="Register without the cron schedules.")] = False,
) -> None:
    """Register the deployments with the Prefect server at PREFECT_API_URL, for workers of a work pool."""
    settings = build_settings(data_dir)

    def go() -> None:
        import os

        if not os.environ.get("PREFECT_API_URL"):
            raise InvalidInput("set PREFECT_API_URL to your Prefect server (README: Scaling out) before deploying")
        from flows.deploy import deploy_to_pool

        for name in deploy_to_pool(settings, pool, schedules=not no_schedule):
            typer.echo(f"deployed {name} to work pool {pool!r}")

    run_edge(go)
