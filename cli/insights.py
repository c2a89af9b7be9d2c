"""`cxloop insights run|train|check`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.errors import run_edge
from cli.settings import build_settings

app = typer.Typer(help="Classify conversations; train classifier heads.", no_args_is_help=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data folder (default ./data).")]
TASKS_HELP = "intent, sentiment, complaint_issue, loss_reason or outcome"


@app.command()
def run(
    data_dir: DataDir = None,
    force: Annotated[bool, typer.Option("--force", help="Classify every conversation, not only new/changed.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many conversations.")] = None,
) -> None:
    """Classify new and changed conversations and store their insights (re-running changes nothing)."""
    settings = build_settings(data_dir)

    def go() -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from core.db import engine_for, migrate, session_factory
        from insights.classify.runner import classify_pending

        engine = engine_for(settings)
        migrate(engine)
        with Progress(
            TextColumn("classify"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("classify", total=None)
            report = classify_pending(
                settings,
                session_factory(engine),
                force=force,
                limit=limit,
                progress=lambda n: progress.update(task, advance=n),
            )
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(report.by_kind.items())) or "none"
        typer.echo(
            f"classified {report.classified} conversation(s) ({report.unchanged} unchanged, "
            f"{report.changed_during_run} changed during the run) in {report.seconds:.1f} s; "
            f"{report.insights} insights: {kinds}"
        )
        if report.llm_calls:
            typer.echo(f"LLM: {report.llm_calls} call(s), {report.llm_fallbacks} fell back to the embedding head")
        typer.echo(f"pipeline version {report.pipeline_version}")
        for warning in report.warnings:
            typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)

    run_edge(go)


@app.command()
def train(
    task: Annotated[str, typer.Option(help=TASKS_HELP)],
    data: Annotated[Path, typer.Option(help="CSV with a text and a label column; labels from the taxonomy.")],
    text_column: Annotated[str, typer.Option(help="Column with the text.")] = "text",
    label_column: Annotated[str, typer.Option(help="Column with the label.")] = "label",
    data_dir: DataDir = None,
) -> None:
    """Train the embedding head for a task from labelled examples; saved with its taxonomy version."""
    settings = build_settings(data_dir)

    def go() -> None:
        from insights.classify.build import load_insight_embedder
        from insights.classify.config import heads_dir, insight_settings
        from insights.classify.taxonomy import load_taxonomy
        from insights.classify.training import read_labelled_csv, train_and_save

        config = insight_settings(settings)
        taxonomy = load_taxonomy(task, config.taxonomy_dir)
        texts, labels = read_labelled_csv(data, taxonomy, text_column=text_column, label_column=label_column)
        typer.echo(f"training the {task} head on {len(texts)} row(s) (plus the taxonomy's examples)...")
        report = train_and_save(
            taxonomy,
            texts,
            labels,
            load_insight_embedder(settings, config),
            heads_dir(settings),
            source=str(data),
            min_precision=config.min_precision,
        )
        accuracy = "n/a" if report.validation_accuracy is None else f"{report.validation_accuracy:.3f}"
        typer.echo(
            f"saved {report.path}: taxonomy {report.taxonomy_version}, embedder {report.embedder}, "
            f"validation accuracy {accuracy} on {report.validation_rows} row(s), threshold {report.threshold:.2f}"
        )
        typer.echo("the next `cxloop insights run` reclassifies every conversation with it")

    run_edge(go)


@app.command()
def check(data_dir: DataDir = None) -> None:
    """Validate the taxonomies and the product catalog, and show which classifier each task uses."""
    settings = build_settings(data_dir)

    def go() -> None:
        from insights.classify.build import load_taxonomies
        from insights.classify.catalog import load_catalog
        from insights.classify.config import catalog_path, heads_dir, insight_settings
        from insights.classify.training import head_path

        config = insight_settings(settings)
        for task, taxonomy in load_taxonomies(config).items():
            trained = "trained head" if head_path(heads_dir(settings), task).exists() else "zero-shot"
            typer.echo(
                f"{task:<16} {len(taxonomy.labels):>2} labels  version {taxonomy.version}  {trained}  "
                f"({taxonomy.source})"
            )
        path = catalog_path(settings, config)
        catalog = load_catalog(path)
        typer.echo(f"catalog          {len(catalog):>2} products  ({path or 'none: products from metadata only'})")
        typer.echo(f"classifier       {config.classifier} (embedder {config.embedder})")

    run_edge(go)
