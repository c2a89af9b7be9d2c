"""`cxloop insights run|train|classify|evaluate|check`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.errors import run_edge
from cli.settings import build_settings
from core.errors import InvalidInput

if TYPE_CHECKING:
    from core.settings import Settings

app = typer.Typer(help="Classify conversations; train classifier heads.", no_args_is_help=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data folder (default ./data).")]
TASKS_HELP = "intent, sentiment, complaint_issue, loss_reason or outcome"
ROW_TASKS = ("intent", "sentiment", "complaint_issue")  # what a single text says; outcomes need a sales talk


def _say_skipped(skipped: list[tuple[str, str]], shown: int = 20) -> None:
    for locator, reason in skipped[:shown]:
        typer.secho(f"skipped {locator}: {reason}", fg=typer.colors.YELLOW, err=True)
    if len(skipped) > shown:
        typer.secho(f"... and {len(skipped) - shown} more skipped row(s)", fg=typer.colors.YELLOW, err=True)


@contextmanager
def _progress(what: str, total: int) -> Iterator[Callable[[int], None]]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as progress:  # fmt: skip
        bar = progress.add_task(what, total=total)
        yield lambda n: progress.update(bar, advance=n)


def _classify_export(settings: Settings, file: Path, channel: str, mapping: Path | None, out: Path | None) -> None:
    """An export read as ingest reads it, every insight kind run on its conversations, one line per insight."""
    import csv
    import json
    import sys

    from ingest.exports import read_export
    from ingest.mapping import DEFAULTS, load_mapping
    from insights.classify.build import build_analyzer

    if channel not in DEFAULTS:
        raise InvalidInput(f"--channel {channel}: use {' or '.join(DEFAULTS)}")
    batch = read_export(file, channel, load_mapping(mapping, channel), settings)
    analyzer = build_analyzer(settings)
    conversations = [u.conversation for u in batch.units]
    records: list[dict[str, object]] = []
    with _progress("classify", len(conversations)) as advance:
        for start in range(0, len(conversations), 100):
            part = conversations[start : start + 100]
            for i in analyzer.analyze(part):
                records.append({
                    "conversation": i.conversation_id.removeprefix(f"{channel}:"), "kind": i.kind, "label": i.label,
                    "confidence": round(i.confidence, 4),
                    "evidence_turn": i.evidence.turn_index if i.evidence else None,
                    "evidence": i.evidence.quote if i.evidence else None,
                })  # fmt: skip
            advance(len(part))
    if out is not None and out.suffix.lower() in (".jsonl", ".ndjson"):
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    else:
        if out is not None and out.suffix.lower() != ".csv":
            raise InvalidInput(f"--out {out}: write .csv or .jsonl")
        fh = out.open("w", encoding="utf-8-sig", newline="") if out is not None else sys.stdout
        writer = csv.DictWriter(fh, fieldnames=["conversation", "kind", "label", "confidence", "evidence_turn",
                                                "evidence"])  # fmt: skip
        writer.writeheader()
        writer.writerows(records)
        if out is not None:
            fh.close()
    _say_skipped([(r.locator, r.reason) for r in batch.rejected])
    typer.echo(f"{len(conversations)} conversation(s), {len(records)} insight(s); {len(batch.rejected)} row(s) "
               "skipped", err=True)  # fmt: skip


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
    data: Annotated[Path, typer.Option(help="CSV, JSON Lines or Excel file with a text and a label column.")],
    text_column: Annotated[str, typer.Option(help="Column with the text.")] = "text",
    label_column: Annotated[str, typer.Option(help="Column with the label.")] = "label",
    data_dir: DataDir = None,
) -> None:
    """Train the embedding head for a task from labelled examples; saved with its taxonomy version.

    Rows labelled with the taxonomy's fallback (`other`) are out-of-scope examples: with enough of them the
    threshold is chosen to catch out-of-scope questions."""
    settings = build_settings(data_dir)

    def go() -> None:
        from ingest.masking import masker_for
        from insights.classify.build import load_insight_embedder
        from insights.classify.config import heads_dir, insight_settings
        from insights.classify.files import read_text_file
        from insights.classify.taxonomy import load_taxonomy
        from insights.classify.training import train_and_save

        config = insight_settings(settings)
        taxonomy = load_taxonomy(task, config.taxonomy_dir)
        read = read_text_file(data, masker_for(settings), text_column=text_column, label_column=label_column,
                              taxonomy=taxonomy)  # fmt: skip
        _say_skipped(read.skipped)
        if not read.rows:
            raise InvalidInput(f"{data}: no labelled rows")
        typer.echo(f"training the {task} head on {len(read.rows)} row(s) (plus the taxonomy's examples)...")
        report = train_and_save(
            taxonomy,
            [r.text for r in read.rows],
            [r.label or taxonomy.fallback for r in read.rows],
            load_insight_embedder(settings, config),
            heads_dir(settings),
            source=str(data),
            min_precision=config.min_precision,
            max_in_scope_drop=config.max_in_scope_drop,
        )
        for line in report.summary():
            typer.echo(line)
        typer.echo("the next `cxloop insights run` reclassifies every conversation with it")

    run_edge(go)


@app.command()
def classify(
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines or Excel file; one text per row (or an export).")],
    task: Annotated[
        list[str] | None, typer.Option(help=f"Task ({TASKS_HELP}); repeat it. Default: {', '.join(ROW_TASKS)}.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write this .csv or .jsonl file (default: CSV on stdout).")] = None,
    text_column: Annotated[str, typer.Option(help="Column with the text.")] = "text",
    id_column: Annotated[str | None, typer.Option(help="Column with each row's id, copied to the output.")] = None,
    channel: Annotated[
        str | None,
        typer.Option(help="Read the file as an ingest export (chat or work_order) and run every insight kind."),
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="Column mapping YAML for --channel, as for ingest.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Label each row of a file (labels, confidences and evidence) without storing anything.

    Without --channel every row is one text. With --channel the file is read exactly as `cxloop ingest` reads it
    (rows grouped into conversations by the mapping) and the output has one line per insight."""
    settings = build_settings(data_dir)

    def go() -> None:
        from ingest.masking import masker_for
        from insights.classify.build import build_classifiers
        from insights.classify.files import read_text_file, write_results
        from insights.classify.predict import classify_rows

        if channel is not None:
            _classify_export(settings, file, channel, mapping, out)
            return
        if mapping is not None:
            raise InvalidInput("--mapping goes with --channel (chat or work_order)")
        tasks = task or list(ROW_TASKS)
        classifiers = build_classifiers(settings, tasks)
        read = read_text_file(file, masker_for(settings), text_column=text_column, id_column=id_column)
        with _progress("classify", len(read.rows)) as advance:
            results = classify_rows(read.rows, classifiers, progress=advance)
        write_results(out, read, results, tasks)
        _say_skipped(read.skipped)
        where = f" to {out}" if out else ""
        typer.echo(f"classified {len(results)} row(s) for {', '.join(tasks)}{where}; {len(read.skipped)} skipped",
                   err=True)  # fmt: skip

    run_edge(go)


@app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines or Excel file with a text and a label column.")],
    task: Annotated[str, typer.Option(help=TASKS_HELP)],
    text_column: Annotated[str, typer.Option(help="Column with the text.")] = "text",
    label_column: Annotated[str, typer.Option(help="Column with the right label.")] = "label",
    out: Annotated[Path | None, typer.Option(help="Also write every row's answer to this .csv or .jsonl.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Score the shipped classifier of a task against a label column: accuracy, macro-F1, confusions, `other`."""
    settings = build_settings(data_dir)

    def go() -> None:
        from rich.console import Console
        from rich.table import Table

        from ingest.masking import masker_for
        from insights.classify.build import build_classifiers
        from insights.classify.files import read_text_file, write_results
        from insights.classify.predict import classify_rows, evaluate

        classifier = build_classifiers(settings, [task])[task]
        taxonomy = classifier.taxonomy
        read = read_text_file(file, masker_for(settings), text_column=text_column, label_column=label_column,
                              taxonomy=taxonomy)  # fmt: skip
        if not read.rows:
            raise InvalidInput(f"{file}: no labelled rows")
        with _progress("evaluate", len(read.rows)) as advance:
            results = classify_rows(read.rows, {task: classifier}, progress=advance)
        if out is not None:
            write_results(out, read, results, [task])
        _say_skipped(read.skipped)
        truth = [r.row.label or taxonomy.fallback for r in results]
        answered = [r.answers[task].prediction.label for r in results]
        e = evaluate(task, truth, answered, taxonomy.fallback)
        console = Console()
        console.print(f"{task}: {e.rows} row(s), {classifier.name}@{classifier.version}")
        console.print(f"accuracy {e.accuracy:.3f}   macro-F1 {e.macro_f1:.3f}")
        fb = e.fallback
        precision = "n/a (never answered)" if e.fallback_precision is None else f"{e.fallback_precision:.3f}"
        recall = "n/a (no such rows)" if e.fallback_recall is None else f"{e.fallback_recall:.3f}"
        console.print(f"'{fb}': {e.fallback_support} row(s); precision {precision}, recall {recall}")
        if e.confusions:
            table = Table(title="most frequent confusions")
            for column in ("label", "answered", "rows"):
                table.add_column(column, justify="right" if column == "rows" else "left")
            for label, said, n in e.confusions:
                table.add_row(label, said, str(n))
            console.print(table)

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
