from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from core.db import transaction
from core.keys import create_key
from core.settings import ROLES, Settings


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
