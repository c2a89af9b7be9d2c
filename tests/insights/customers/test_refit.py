"""The lead score refit on the store's closed deals: saved where the lead_score kind loads it, priors below MIN_FIT."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.settings import Settings
from insights.classify.config import score_model_path
from insights.classify.kinds.customers import _lead_score
from insights.customers.refit import open_half, refit_lead
from insights.customers.scores import MIN_FIT, lead_priors, load_model
from tests.insights.conftest import conversation, store

WON = [
    ("agent", "这款标价2499元，含安装。"),
    ("customer", "好的，怎么下单？能开发票吗？"),
    ("agent", "我发您链接。"),
    ("customer", "好，那就定了。"),
]
LOST = [
    ("agent", "The CoolBreeze is $89 right now."),
    ("customer", "Too expensive, not interested, no thanks."),
    ("agent", "I understand."),
    ("customer", "We went with another brand."),
]


def _deals(won: int, lost: int) -> list:  # type: ignore[type-arg]
    return (
        [conversation(f"W-{i}", WON, outcome="won") for i in range(won)]
        + [conversation(f"L-{i}", LOST, outcome="lost") for i in range(lost)]
        + [conversation("OPEN", WON, outcome="open")]
    )


def test_enough_closed_deals_refit_the_lead_score_which_the_kind_then_loads(
    settings: Settings, any_sessions: sessionmaker[Session]
) -> None:
    store(any_sessions, _deals(MIN_FIT, MIN_FIT + 3))
    path = score_model_path(settings, "lead")
    with transaction(any_sessions) as session:
        result = refit_lead(session, path)
    assert (result.won, result.lost, result.fitted, result.path) == (MIN_FIT, MIN_FIT + 3, True, path)
    model = load_model(path, lead_priors())
    assert model.source == f"fit on {2 * MIN_FIT + 3} outcomes" and "wording" in model.weights
    assert _lead_score(settings).model.source == model.source  # type: ignore[attr-defined]
    # the open halves were read: the won deals' buying signal outweighs the lost deals' refusal
    assert model.weights["buying_signal"] > 0 > model.weights["refusal"]


def test_too_few_closed_deals_keep_the_priors_and_write_nothing(settings: Settings, tmp_path: Path) -> None:
    from core.db import engine_for, migrate, session_factory

    engine = engine_for(settings)
    migrate(engine)
    sessions = session_factory(engine)
    store(sessions, _deals(MIN_FIT - 1, 40))
    path = tmp_path / "lead.json"
    with transaction(sessions) as session:
        result = refit_lead(session, path)
    assert (result.fitted, result.path, path.exists()) == (False, None, False)
    engine.dispose()


def test_the_open_half_is_the_first_half_of_the_turns() -> None:
    assert open_half([1, 2, 3, 4, 5]) == [1, 2, 3]
    assert open_half([1]) == [1]
