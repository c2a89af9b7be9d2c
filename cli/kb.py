"""`cxloop kb index PATH | ask "..." | gaps`: the knowledge base from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.errors import run_edge
from cli.settings import build_settings

app = typer.Typer(help="Knowledge base: index documents, ask questions, list gaps.", no_args_is_help=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data folder (default ./data).")]
Product = Annotated[str | None, typer.Option("--product", help="Only documents for this product.")]


@app.command()
def index(
    path: Annotated[Path, typer.Argument(help="A folder of documents (md, txt, html, pdf, docx) or one file.")],
    product: Annotated[
        str | None, typer.Option("--product", help="Product for documents that do not name one.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Index documents incrementally: changed ones replaced, deleted ones removed, unchanged ones skipped."""
    from knowledge.index import index_folder

    settings = build_settings(data_dir)

    def go() -> None:
        def progress(source: str, what: str) -> None:
            if what != "unchanged":
                typer.echo(f"  {what:<9} {source}", err=True)

        report = index_folder(settings, path, default_product=product, progress=progress)
        typer.echo(f"{report.root}: {report.summary()}")
        for failure in report.failed:
            typer.secho(f"  failed {failure['source']}: {failure['reason']}", fg=typer.colors.YELLOW)

    run_edge(go)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese or English.")],
    product: Product = None,
    language: Annotated[str | None, typer.Option("--language", help="Only documents in zh or en.")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Extractive answer even when an LLM is configured.")] = False,
    log: Annotated[bool, typer.Option("--log/--no-log", help="Record the answer (and any gap) in the log.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Ask the knowledge base a question: the answer, its citations and a confidence."""
    from core.db import migrate, transaction
    from core.runtime import Runtime
    from knowledge.assist import assistant_for
    from knowledge.feedback import log_answer

    settings = build_settings(data_dir)

    def go() -> None:
        runtime = Runtime(settings)
        migrate(runtime.engine)
        assistant = assistant_for(runtime, use_llm=not no_llm)
        outcome = assistant.answer(question, product=product, language=language)
        if log:
            with transaction(runtime.sessions) as session:
                log_answer(session, outcome, embedder_name=assistant.retriever.dense.embedder.name)
        r = outcome.result
        if as_json:
            typer.echo(json.dumps(r.model_dump(), ensure_ascii=False, indent=2))
            return
        colour = typer.colors.YELLOW if r.abstained else typer.colors.GREEN
        typer.secho(r.answer, fg=colour, bold=True)
        for c in r.citations:
            where = " > ".join(p for p in (c.title, c.section) if p)
            typer.echo(f"  [{c.n}] {where}  ({Path(c.source).name}, chunk {c.chunk_id})")
        typer.echo(f"  mode {r.mode}, confidence {r.confidence:.2f}, {r.latency_ms:.0f} ms, id {r.id}")
        if r.fallback_reason:
            typer.echo(f"  note: {r.fallback_reason}")

    run_edge(go)


@app.command()
def gaps(
    days: Annotated[int | None, typer.Option("--days", help="Only gaps from the last N days.")] = None,
    product: Product = None,
    limit: Annotated[int, typer.Option("--limit", help="Most groups shown.")] = 30,
    data_dir: DataDir = None,
) -> None:
    """Questions the knowledge base could not answer or answered wrongly, grouped by similarity, with counts."""
    from datetime import UTC, datetime, timedelta

    from core.db import engine_for, migrate, session_factory
    from knowledge.gaps import list_gaps

    settings = build_settings(data_dir)

    def go() -> None:
        engine = engine_for(settings)
        migrate(engine)
        since = datetime.now(UTC) - timedelta(days=days) if days else None
        with session_factory(engine)() as session:
            # vectors from the configured embedder are comparable; its name is the registry name for packaged ones
            groups = list_gaps(
                session, since=since, product=product, embedder_name=settings.models.embedder, limit=limit
            )
        if not groups:
            typer.echo("no knowledge gaps recorded")
            return
        for g in groups:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(g.reasons.items()))
            products = f"  [{', '.join(g.products)}]" if g.products else ""
            typer.echo(f"{g.count:>4}  {g.question}{products}  ({reasons}; last {g.last_seen:%Y-%m-%d})")
            for example in g.examples[1:3]:
                typer.echo(f"        ~ {example}")

    run_edge(go)
