"""`cxloop ingest calls|chats|work-orders PATH` and `cxloop search`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.errors import run_edge
from cli.settings import build_settings
from core.records import Channel
from core.settings import Settings

app = typer.Typer(
    help="Ingest calls, chats and work orders: masked, stored once, searchable. Re-running stores nothing new.",
    no_args_is_help=True,
)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data folder (default ./data).")]
Mapping = Annotated[
    Path | None, typer.Option("--mapping", help="YAML column mapping for your export format (see README).")
]
NoIndex = Annotated[bool, typer.Option("--no-index", help="Store only; skip embedding into the search index.")]


def run_cli_ingest(
    settings: Settings,
    channel: Channel,
    path: Path,
    *,
    mapping: Path | None = None,
    manifest: Path | None = None,
    index: bool = True,
) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from core.db import migrate
    from core.runtime import Runtime
    from ingest.pipeline import run_ingest

    runtime = Runtime(settings)  # this command's: the engine, the models and the turn index, once
    migrate(runtime.engine)
    embedder = runtime.embedder() if index else None
    collection = runtime.turn_index() if index else None
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task(f"ingest {channel} files", total=None)
        report = run_ingest(
            settings,
            runtime.sessions,
            channel,
            path,
            mapping_path=mapping,
            manifest_path=manifest,
            embedder=embedder,
            collection=collection,
            progress=lambda name, n: progress.update(task, advance=n, description=f"ingest {channel}: {name}"),
            on_total=lambda n: progress.update(task, total=n),
        )
    runtime.close()
    print_report(report)
    return report


def print_report(report: Any) -> None:
    c = report.counts
    typer.echo(
        f"{report.channel}: {c.files} file(s) ({c.files_unchanged} unchanged, {c.files_quarantined} quarantined); "
        f"conversations {c.conversations_stored} new, {c.conversations_replaced} replaced, "
        f"{c.conversations_duplicate} duplicate; rows {c.rows_stored} stored, {c.rows_duplicate} duplicate, "
        f"{c.rows_quarantined} quarantined  [run {report.run_id[:8]}]"
    )
    for q in report.quarantined[:20]:
        typer.echo(f"  quarantined {Path(q['source']).name} {q['where']}: {q['reason']}")
    if len(report.quarantined) > 20:
        typer.echo(f"  ... and {len(report.quarantined) - 20} more (see the quarantine table)")


@app.command()
def calls(
    path: Annotated[Path, typer.Argument(help="An audio file or a folder of them (wav, flac, mp3, ogg/opus).")],
    manifest: Annotated[
        Path | None, typer.Option(help="CSV with a 'file' or 'id' column plus call metadata (else <name>.json).")
    ] = None,
    data_dir: DataDir = None,
    no_index: NoIndex = False,
) -> None:
    """Transcribe call recordings (2-channel: agent left, customer right) into masked conversations."""
    settings = build_settings(data_dir)
    run_edge(lambda: run_cli_ingest(settings, "call", path, manifest=manifest, index=not no_index))


@app.command()
def chats(
    path: Annotated[Path, typer.Argument(help="A chat export (CSV, JSON Lines, Excel) or a folder of them.")],
    mapping: Mapping = None,
    data_dir: DataDir = None,
    no_index: NoIndex = False,
) -> None:
    """Ingest chat exports: one row per message, grouped by conversation id."""
    settings = build_settings(data_dir)
    run_edge(lambda: run_cli_ingest(settings, "chat", path, mapping=mapping, index=not no_index))


@app.command("work-orders")
def work_orders(
    path: Annotated[Path, typer.Argument(help="A work-order export (CSV, JSON Lines, Excel) or a folder of them.")],
    mapping: Mapping = None,
    data_dir: DataDir = None,
    no_index: NoIndex = False,
) -> None:
    """Ingest work-order exports: one row per order (description = customer, resolution = agent)."""
    settings = build_settings(data_dir)
    run_edge(lambda: run_cli_ingest(settings, "work_order", path, mapping=mapping, index=not no_index))


def search_command(
    query: Annotated[str, typer.Argument(help="What to look for, in Chinese or English.")],
    k: Annotated[int, typer.Option("-k", help="How many turns to show.")] = 10,
    channel: Annotated[str | None, typer.Option(help="call, chat or work_order")] = None,
    product: Annotated[str | None, typer.Option(help="Product id, e.g. aquapure-x3")] = None,
    speaker: Annotated[str | None, typer.Option(help="customer or agent")] = None,
    data_dir: DataDir = None,
) -> None:
    """Search conversation turns by meaning (both languages)."""
    settings = build_settings(data_dir)

    def go() -> None:
        from core.runtime import Runtime
        from ingest.search import SearchFilters, search

        runtime = Runtime(settings)
        hits = search(
            runtime.turn_index(),
            runtime.embedder(),
            query,
            k=k,
            filters=SearchFilters(channel=channel, product=product, speaker=speaker),
        )
        if not hits:
            typer.echo("no matches (is anything ingested? try `cxloop ingest chats demo/chats`)")
        for h in hits:
            day = (h.started_at or "")[:10]
            typer.echo(f"{h.score:.3f}  {h.conversation_id}#{h.turn_index}  {day}  {h.speaker:<8} {h.text[:100]}")

    run_edge(go)
