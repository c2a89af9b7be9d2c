from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import create_app
from core.db import transaction
from core.keys import create_key
from core.settings import ROLES, Settings
from tests.conftest import HUNG_S, free_port


@pytest.fixture
def app_settings(settings: Settings, model_cache: Path) -> Settings:
    settings.models.cache_dir = model_cache
    return settings


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as c:
        yield c


@pytest.fixture
def keys(client: TestClient) -> dict[str, str]:
    services = client.app.state.services  # type: ignore[attr-defined]
    with transaction(services.sessions) as s:
        return {role: create_key(s, role=role, name=f"test-{role}").secret for role in ROLES}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def serving(app: FastAPI, *, lifespan: Literal["auto", "on", "off"] = "auto") -> Iterator[str]:
    """The app behind a real uvicorn server on a free loopback port (for the browser tests); yields its base URL.
    `lifespan="off"` for an app whose lifespan already runs elsewhere (it would close the app's services)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    hung = time.monotonic() + HUNG_S
    while time.monotonic() < hung:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=120)
