"""Customer and sales routes: the journey (agent, analyst, sales_lead), churn (analyst), leads, prices and
preferences (sales_lead, analyst); 401 without a key, 403 for other roles, 404 for an unknown customer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.settings import Settings
from insights.classify.runner import classify_pending
from tests.api.conftest import auth
from tests.conftest import FakeEmbedder
from tests.insights.conftest import COMPLAINT, conversation, store

OPEN_DEAL = conversation(
    "S-OPEN",
    [
        ("agent", "这款标价2499元。"),
        ("customer", "预算两千以内，需要上门安装。我的电话13812345678"),
        ("customer", "怎么下单？"),
    ],
    product="aquapure-x3",
    outcome="open",
    customer="cust-9",
)
ROUTES = {
    "/v1/customers/cust-1/journey": {"agent", "analyst", "sales_lead", "admin"},
    "/v1/customers/churn": {"analyst", "admin"},
    "/v1/sales/leads": {"sales_lead", "analyst", "admin"},
    "/v1/sales/prices": {"sales_lead", "analyst", "admin"},
    "/v1/sales/preferences": {"sales_lead", "analyst", "admin"},
}


def test_each_route_checks_the_key_and_its_role(client: TestClient, keys: dict[str, str]) -> None:
    store(client.app.state.services.sessions, [COMPLAINT])  # type: ignore[attr-defined]
    for url, allowed in ROUTES.items():
        assert client.get(url).status_code == 401, url
        for role, key in keys.items():
            got = client.get(url, headers=auth(key))
            assert got.status_code == (200 if role in allowed else 403), (url, role, got.text)
    assert client.get("/v1/customers/nobody/journey", headers=auth(keys["agent"])).status_code == 404


def test_journey_leads_and_prices_after_a_nightly_classification(
    client: TestClient, keys: dict[str, str], app_settings: Settings
) -> None:
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    store(sessions, [COMPLAINT, OPEN_DEAL])
    classify_pending(app_settings, sessions, embedder=FakeEmbedder())
    journey = client.get("/v1/customers/cust-9/journey", headers=auth(keys["agent"])).json()
    assert [s["conversation_id"] for s in journey["steps"]] == ["S-OPEN"] and journey["steps"][0]["stage"] == "enquiry"
    assert 0 <= journey["churn"]["probability"] <= 1
    (lead,) = client.get("/v1/sales/leads", headers=auth(keys["sales_lead"])).json()
    assert lead["conversation_id"] == "S-OPEN" and lead["price_range"] == "-2000:CNY"
    assert "buying_signal" in [s["signal"] for s in lead["signals"]]
    (band,) = client.get("/v1/sales/prices", headers=auth(keys["sales_lead"])).json()
    assert (band["product"], band["ceiling_median"], band["currency"]) == ("aquapure-x3", 2000, "CNY")
    prefs = client.get("/v1/sales/preferences", headers=auth(keys["analyst"])).json()
    assert {(p["feature"], p["wanted"]) for p in prefs} == {("installation", 1)}
    assert "13812345678" not in str(journey) + str(lead)
