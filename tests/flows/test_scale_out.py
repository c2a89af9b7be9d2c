"""Scale-out, for real: `prefect server start` on loopback, a process work pool, a worker process, deployments.

The deployments come from this checkout as a local-directory source (no git, no network), the worker gets the
cxloop settings through its environment (CXLOOP_DATA_DIR), and the flows' effects are checked in the store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest

from api.threaded import free_port
from tests.conftest import HUNG_S, ROOT

PREFECT = str(Path(sys.executable).parent / "prefect")
POOL = "cxloop-test-pool"


def _env(home: Path, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CXLOOP_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="INFO",
        DO_NOT_TRACK="1",
        ANONYMIZED_TELEMETRY="False",
        HF_HUB_OFFLINE="1",
    )
    env.update(extra)
    return env


def _stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGINT (a clean shutdown, as Ctrl-C), then terminate, then kill; the process group holds its children.

    A worker that is still polling can sit out SIGINT for minutes (a 123 s teardown once); SIGTERM ends it.
    """
    if proc.poll() is not None:
        return
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)  # its own session (start_new_session): only what this test started
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout if sig == signal.SIGINT else 5)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def _start(args: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    out = log.open("wb")
    proc = subprocess.Popen(args, env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, out


@dataclass
class Cluster:
    api_url: str
    data_dir: Path  # the worker's CXLOOP_DATA_DIR
    worker_pid: int
    server_log: Path
    worker_log: Path

    def logs(self) -> str:
        return f"--- worker\n{_tail(self.worker_log)}\n--- server\n{_tail(self.server_log, 15)}"


def _wait_healthy(proc: subprocess.Popen[bytes], api_url: str, log: Path, timeout: float = HUNG_S) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"prefect server exited with {proc.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{api_url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"prefect server not healthy after {timeout:.0f} s:\n{_tail(log)}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A real Prefect server on a free loopback port, a process work pool, and one worker polling it.

    Server, CLI and worker each get their own PREFECT_HOME, as if on different machines.
    """
    tmp = tmp_path_factory.mktemp("scale-out")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    server_log, worker_log = tmp / "server.log", tmp / "worker.log"
    server_env = _env(tmp / "server-home", api_url, PREFECT_UI_ENABLED="false")
    server, server_out = _start(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], server_env, server_log
    )
    worker: subprocess.Popen[bytes] | None = None
    worker_out: IO[bytes] | None = None
    try:
        _wait_healthy(server, api_url, server_log)
        created = subprocess.run(
            [PREFECT, "work-pool", "create", POOL, "--type", "process"],
            env=_env(tmp / "cli-home", api_url),
            capture_output=True,
            text=True,
            timeout=HUNG_S,
        )
        assert created.returncode == 0, created.stdout + created.stderr
        # cxloop's own configuration reaches the flows only through CXLOOP_ variables in the worker's environment
        data_dir = tmp / "data"
        worker_env = _env(tmp / "worker-home", api_url, PREFECT_WORKER_QUERY_SECONDS="1", CXLOOP_DATA_DIR=str(data_dir))
        worker, worker_out = _start([PREFECT, "worker", "start", "--pool", POOL], worker_env, worker_log)
        yield Cluster(api_url, data_dir, worker.pid, server_log, worker_log)
    finally:
        if worker is not None:
            _stop(worker)
            assert worker.returncode is not None
        if worker_out is not None:
            worker_out.close()
        _stop(server)
        server_out.close()


def _run(cluster: Cluster, deploy: Callable[[], str], parameters: dict[str, Any]) -> Any:
    """Register a deployment with the cluster's server, run it once, wait for a final state (<= 120 s)."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: cluster.api_url}):
        name = deploy()
        run: Any = run_deployment(name, parameters=parameters, timeout=0, as_subflow=False)
        finished = _wait(run.id, HUNG_S)
    assert finished.state is not None and finished.state.is_completed(), f"{finished.state}\n{cluster.logs()}"
    return finished


def _deploy_from_checkout() -> str:
    """The probe flow from this folder (a local-directory source: a working-directory pull step, no git)."""
    from prefect import flow

    probe: Any = flow.from_source(source=str(ROOT), entrypoint="tests/flows/scaleout_probe.py:probe")
    probe.deploy(
        name="probe", work_pool_name=POOL, build=False, push=False, print_next_steps=False, ignore_warnings=True
    )
    return "scaleout-probe/probe"


def _deploy_andon_by_module() -> str:
    """Through `cxloop flows deploy`'s code: module-path entry points, so any worker with cxloop installed runs them."""
    from core.settings import Settings
    from flows.deploy import deploy_to_pool

    names = deploy_to_pool(Settings(), POOL, schedules=False)
    assert "andon/andon-hourly" in names
    return "andon/andon-hourly"


def _seed_complaints(data_dir: Path) -> None:
    """Two customers with the same product + issue two days apart: the Andon rule's smallest burst."""
    from core.db import make_engine, migrate, session_factory, transaction
    from core.settings import Settings
    from core.tables import ConversationRow, InsightRow

    settings = Settings(_env_file=None, data_dir=data_dir)
    engine = make_engine(settings.database_url)
    migrate(engine)
    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as session:
        for i, customer in enumerate(("cust-a", "cust-b")):
            cid = f"chat:andon-{i}"
            session.add(
                ConversationRow(
                    id=cid,
                    channel="chat",
                    source_uri="test",
                    source_sha256="0" * 64,
                    started_at=now - timedelta(days=3 - 2 * i),
                    customer_key=customer,
                    product="kettle-1",
                )
            )
            session.flush()
            session.add(
                InsightRow(
                    conversation_id=cid,
                    kind="product_issue",
                    label="kettle-1/defect",
                    confidence=0.9,
                    evidence_turn=0,
                    evidence_quote="the kettle leaks",
                    model_name="test",
                    model_version="1",
                )
            )
    engine.dispose()


def _alerts(data_dir: Path) -> list[tuple[str, str, int, list[str]]]:
    from sqlalchemy import select

    from core.db import make_engine, session_factory
    from core.settings import Settings
    from core.tables import AndonAlertRow

    settings = Settings(_env_file=None, data_dir=data_dir)
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            rows = session.scalars(select(AndonAlertRow)).all()
            return [(r.product, r.issue, r.customers, sorted(w.kind for w in r.work_orders)) for r in rows]
    finally:
        engine.dispose()


@pytest.mark.integration
def test_a_worker_runs_a_deployment_from_a_real_server(cluster: Cluster) -> None:
    run = _run(cluster, _deploy_from_checkout, {"tag": "t1"})
    marker = cluster.data_dir / "probe" / "t1.json"
    assert marker.exists(), cluster.logs()
    trace = json.loads(marker.read_text())
    assert trace["flow_run_id"] == str(run.id)
    assert trace["pid"] not in (os.getpid(), cluster.worker_pid)  # a child process of the worker
    assert trace["database"] == f"sqlite:///{(cluster.data_dir / 'cxloop.db').resolve()}"


@pytest.mark.integration
def test_the_andon_deployment_opens_an_alert(cluster: Cluster) -> None:
    _seed_complaints(cluster.data_dir)
    _run(cluster, _deploy_andon_by_module, {})
    assert _alerts(cluster.data_dir) == [("kettle-1", "defect", 2, ["process", "quality"])], cluster.logs()


def _wait(flow_run_id: Any, timeout: float) -> Any:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(flow_run_id)
            if (run.state is not None and run.state.is_final()) or time.monotonic() > deadline:
                return run
            time.sleep(0.5)
