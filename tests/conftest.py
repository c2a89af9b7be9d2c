"""Shared fixtures: temporary data folders, a loopback-only network guard, Prefect's home, fakes."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, text

from api.threaded import free_port

ROOT = Path(__file__).resolve().parents[1]
# How long a wait may last before the test calls the program hung. Far beyond any correct run on a loaded 2-core
# machine (a clean-clone `make test` once took 37 min under load): waits end when their condition holds, and fail
# at once when the process they wait for has died, so this is never a performance limit.
HUNG_S = 1800.0
SHARED_DATA = ROOT.parent / "shared" / "data"

# Prefect reads these at import time: give the whole test session its own home and no analytics.
_PREFECT_HOME = tempfile.mkdtemp(prefix="cxloop-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("PREFECT_API_URL", None)
for _key in [k for k in os.environ if k.startswith("CXLOOP_")]:
    del os.environ[_key]  # tests build their own settings
# the packaged LLM is the product default; tests that want it say so (it would make every nightly test slow)
os.environ["CXLOOP_LLM__PROVIDER"] = "none"


# ---------------------------------------------------------------- network guard


class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", "", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if not _is_loopback(host):
        raise NetworkBlocked(f"tests may only connect to loopback, not {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and not _is_loopback(host.decode() if isinstance(host, bytes) else host):
        raise NetworkBlocked(f"tests may not resolve non-loopback host {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign, assignment]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign, assignment]
socket.getaddrinfo = _guarded_getaddrinfo


# ---------------------------------------------------------------- settings and folders


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    from core.settings import Settings

    s = Settings(_env_file=None, data_dir=tmp_path / "data", demo_dir=ROOT / "demo")
    s.ensure_dirs()
    return s


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """One joined Whisper model for the whole run (the join is 145 MB of copying)."""
    return Path(tempfile.mkdtemp(prefix="cxloop-models-"))


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA} (only CI and developers have ../shared)")
    return SHARED_DATA


# ---------------------------------------------------------------- fakes


class FakeEmbedder:
    """Deterministic bag-of-characters vectors: similar strings get similar vectors. For fast unit tests."""

    name = "fake"
    dim = 64
    reentrant = False

    def embed(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, sentence in enumerate(texts):
            for ch in sentence.lower():
                if ch.isalnum():
                    out[i, int(hashlib.md5(ch.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1
        return out / norms


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for every flow test (its first start creates a database: minutes when busy)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):
        yield


# ---------------------------------------------------------------- databases: SQLite and a real PostgreSQL

PG_ADMIN_URL = os.environ.get("CXLOOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away database on the loopback PostgreSQL server, dropped afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server here: say so, do not pretend
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    name = f"cxloop_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from core.db import make_engine, migrate
    from core.tables import Base

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'cxloop.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    eng = make_engine(url)
    migrate(eng)
    yield eng
    if request.param == "postgresql":  # share one database: empty it between tests
        with eng.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
    eng.dispose()


# ---------------------------------------------------------------- vector indexes: Chroma and LanceDB

VECTOR_BACKENDS = ("chroma", "lancedb")


@pytest.fixture(params=VECTOR_BACKENDS)
def vector_backend(request: pytest.FixtureRequest, settings: Any) -> str:
    """Runs the test once per vector backend: sets `storage.vector_backend` on the test's settings (ask for this
    fixture before anything that opens an index from them)."""
    settings.storage.vector_backend = request.param
    return str(request.param)


@pytest.fixture(params=VECTOR_BACKENDS)
def vector_backend_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The same for code that builds its own settings (the CLI): CXLOOP_STORAGE__VECTOR_BACKEND."""
    monkeypatch.setenv("CXLOOP_STORAGE__VECTOR_BACKEND", request.param)
    return str(request.param)


# ---------------------------------------------------------------- an OpenAI-compatible chat server on loopback

OpenAIServer = tuple[str, list[dict[str, Any]], Callable[[str], None]]


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A minimal /v1/chat/completions endpoint, as vLLM or Ollama serve it, answering what the test sets.

    Yields the base URL, the requests received ({"path", "auth", "body"}), and a setter for the reply content.
    """
    received: list[dict[str, Any]] = []
    answer = {"content": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            data = json.dumps(
                {
                    "id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": answer["content"]}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            ).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1", received, lambda c: answer.update(content=c)
    server.shutdown()
