"""The demo flow: every stage that exists, run over the bundled demo corpus.

Each stage is a Prefect task wrapping a plain function; later stages (ingest, classify, Andon, reports) are
added here as they land.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, task
from sqlalchemy.orm import Session

from core.db import engine_for, migrate, session_factory, transaction
from core.records import Channel
from core.settings import Settings


@task(name="prepare-store")
def prepare_store(settings: Settings) -> str:
    engine = engine_for(settings)
    migrate(engine)
    engine.dispose()
    return settings.database_url.split("@")[-1]


@task(name="demo-keys")
def demo_keys(settings: Settings) -> dict[str, str]:
    """One key per role, kept in the data folder so re-running the demo reuses them."""
    import json

    from core.keys import create_key, verify_key
    from core.settings import ROLES

    path = settings.data_dir / "demo-keys.json"
    sessions = session_factory(engine_for(settings))
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        try:
            with sessions() as session:
                for secret in stored.values():
                    verify_key(session, secret)
            return stored
        except Exception:
            pass  # stale file (database was reset): issue new keys
    with transaction(sessions) as session:
        issued: dict[str, str] = {role: create_key(session, role=role, name=f"demo-{role}").secret for role in ROLES}
    path.write_text(json.dumps(issued, indent=2))
    path.chmod(0o600)
    return issued


# one console user per role: (username, display name, role, language, agent id, team)
DEMO_USERS = (
    ("demo.agent", "李娜（坐席）", "agent", "zh", "A-111", "support-east"),
    ("demo.analyst", "王芳（分析师）", "analyst", "zh", None, None),
    ("demo.qa", "Chen Jing (QA)", "qa", "en", None, None),
    ("demo.sales", "赵磊（销售主管）", "sales_lead", "zh", None, "sales-north"),
    ("demo.admin", "Admin", "admin", "en", None, None),
)


@task(name="demo-users")
def demo_users(settings: Settings) -> dict[str, dict[str, str]]:
    """One console user per role with a random password, kept in the data folder (0600) so re-running the demo
    reuses them; a user whose password no longer matches (the database was reset) gets a new one."""
    import json
    import secrets

    from core.errors import AuthError, NotFound
    from core.users import authenticate, create_user, get_user, set_password

    path = settings.data_dir / "demo-users.json"
    stored: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}
    sessions = session_factory(engine_for(settings))
    out: dict[str, dict[str, str]] = {}
    for username, name, role, language, agent_id, team in DEMO_USERS:
        password = stored.get(role, {}).get("password") or secrets.token_urlsafe(9)
        with transaction(sessions) as session:
            try:
                authenticate(session, username, password)
            except AuthError:
                try:
                    get_user(session, username)
                    set_password(session, username, password)
                except NotFound:
                    create_user(
                        session,
                        username,
                        password,
                        role=role,
                        display_name=name,
                        language=language,
                        agent_id=agent_id,
                        team=team,
                    )
        out[role] = {"username": username, "password": password}
    path.write_text(json.dumps(out, indent=2))
    path.chmod(0o600)
    return out


@task(name="prepare-models")
def prepare_models(settings: Settings) -> dict[str, str]:
    from core.ml.asr import prepare_packaged_whisper_base
    from core.runtime import Runtime

    folder = prepare_packaged_whisper_base(settings.model_cache_dir)
    runtime = Runtime(settings)
    try:
        embedder = runtime.embedder()
    finally:
        runtime.close()
    out = {"asr": str(folder), "embedder": f"{embedder.name} (dim {embedder.dim})"}
    if settings.llm.provider == "local" and settings.llm.path is None:
        from core.ml.llama import prepare_packaged_gguf

        # joined and checked here (~1 GB, once), so a broken install shows up before the first summary
        out["llm"] = str(prepare_packaged_gguf(settings.llm.local_model, settings.model_cache_dir))
    return out


def corpus_inventory(demo_dir: Path) -> dict[str, int]:
    """Counts of what the demo corpus holds, by kind."""
    import csv

    def conversations(path: Path, key: str) -> int:
        if not path.exists():
            return 0
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return len({row[key] for row in csv.DictReader(fh)})

    return {
        "documents": sum(1 for p in (demo_dir / "docs").rglob("*") if p.suffix in {".md", ".txt", ".html"}),
        "chats": conversations(demo_dir / "chats" / "chats.csv", "conversation_id"),
        "work_orders": conversations(demo_dir / "work_orders" / "work_orders.csv", "order_id"),
        "sales_conversations": conversations(demo_dir / "sales" / "sales.csv", "conversation_id"),
        "calls": sum(1 for _ in (demo_dir / "calls").glob("*.ogg")),
    }


@task(name="corpus-inventory")
def inventory(settings: Settings) -> dict[str, int]:
    return corpus_inventory(settings.demo_dir)


def _ingest(settings: Settings, channel: Channel, folder: str) -> dict[str, Any]:
    """Through the same `ingest` flow users run; skipped (not failed) when the corpus lacks the folder."""
    from flows.ingest_files import run_ingest_flow

    path = settings.demo_dir / folder
    if not path.exists():
        return {"skipped": f"{path} not found"}
    report = run_ingest_flow(settings, channel, path)
    return report.counts.model_dump() | {"quarantined": report.quarantined}


@task(name="classify-conversations")
def classify(settings: Settings) -> dict[str, Any]:
    """Through the same `classify` flow users run; then the complaints two or more customers share."""
    from flows.classify import classify_flow
    from insights.classify.store import complaint_counts

    report = classify_flow(settings)
    with session_factory(engine_for(settings))() as session:
        shared = [c for c in complaint_counts(session) if c.customers >= 2]
        qa = planted_qa(session, settings.demo_dir / "expected.yaml")
    shared.sort(key=lambda c: -c.customers)
    return {
        "qa_planted": qa,
        "classified": report.classified,
        "unchanged": report.unchanged,
        "per_second": round(report.per_second, 1),
        "complaints": [{"product": c.product, "issue": c.issue, "customers": c.customers} for c in shared[:5]],
    }


def planted_qa(session: Session, expected: Path) -> list[dict[str, Any]]:
    """The demo's planted QA cases (`quality.planted` in expected.yaml) as scored: expected and found outcome."""
    import yaml

    from insights.quality.store import conversation_scores

    if not expected.exists():
        return []
    cases = (yaml.safe_load(expected.read_text(encoding="utf-8")).get("quality") or {}).get("planted", [])
    out = []
    for case in cases:
        for name in case["conversations"]:
            cid = f"{'call' if name.startswith('CALL-') else 'chat'}:{name}"
            scores = {s.scorecard: s for s in conversation_scores(session, cid) or []}
            score = scores.get(case["scorecard"])
            found = next((i for i in score.items if i.item == case["item"]), None) if score else None
            out.append({"case": case["id"], "conversation": cid, "item": f"{case['scorecard']}/{case['item']}",
                        "expected": case["outcome"], "found": found.outcome if found else "not scored",
                        "quote": (found.quote or "") if found else "", "score": score.score if score else None,
                        "result": score.result if score else None})  # fmt: skip
    return out


@task(name="index-documents")
def index_docs(settings: Settings) -> dict[str, Any]:
    """Through the same `index_documents` flow users run."""
    from flows.index_docs import index_documents

    path = settings.demo_dir / "docs"
    if not path.exists():
        return {"skipped": f"{path} not found"}
    return {"summary": index_documents(settings, path).summary()}


@task(name="ask-assist")
def ask(settings: Settings, questions: list[str]) -> list[dict[str, Any]]:
    """Answered and unanswerable questions, logged as agents' would be (the unanswered become knowledge gaps)."""
    from core.runtime import Runtime
    from knowledge.feedback import ask_and_log

    runtime = Runtime(settings)  # this stage's runtime: the assistant and its models, once
    try:
        answers = ask_and_log(runtime, questions)
    finally:
        runtime.close()
    return [
        {
            "question": q,
            "abstained": r.abstained,
            "answer": r.answer[:160],
            "confidence": round(r.confidence, 2),
            "cited": [f"{c.title} › {c.section}" for c in r.citations][:2],
        }
        for q, r in zip(questions, answers, strict=True)
    ]


@task(name="conversation-search-probe")
def conversation_search(settings: Settings, queries: list[str]) -> list[dict[str, str]]:
    from core.runtime import Runtime
    from ingest.search import search

    runtime = Runtime(settings)  # this stage's: the embedder and the turn index
    out = []
    for query in queries:
        hits = search(runtime.turn_index(), runtime.embedder(), query, k=1)
        if hits:
            out.append(
                {"query": query, "hit": f"{hits[0].conversation_id}#{hits[0].turn_index}", "text": hits[0].text[:80]}
            )
    runtime.close()
    return out


def nightly_stage(settings: Settings) -> dict[str, Any]:
    """The nightly flow as of the day after the corpus ends (the corpus is fixed; the calendar moves on)."""
    from flows.nightly import corpus_now, nightly
    from insights.andon.alerts import list_alerts

    # the corpus spans three weeks: report its last two against the week before (default: 7 days against 7)
    settings = settings.model_copy(deep=True)
    settings.reports.period_days = 14
    # a night's LLM budget is hours; the demo gives it minutes: the first conversations get LLM summaries, the
    # rest extractive ones that the next `cxloop flows run nightly` upgrades
    settings.llm.night_budget_minutes = min(settings.llm.night_budget_minutes, DEMO_LLM_MINUTES)
    settings.llm.label_sample = min(settings.llm.label_sample, DEMO_LABEL_SAMPLE)
    report = nightly(settings, corpus_now(settings))
    with session_factory(engine_for(settings))() as session:
        alerts = [a.model_dump(mode="json") for a in list_alerts(session, live=True)]
    return report.model_dump(mode="json") | {"alerts": alerts}


def andon_stage(settings: Settings) -> dict[str, Any]:
    from flows.demo_andon import alert_life
    from flows.nightly import corpus_now

    return alert_life(settings, corpus_now(settings))


Report = Callable[[str, Any], None]
DEMO_LLM_MINUTES = 5.0
DEMO_LABEL_SAMPLE = 60  # texts per task: ~2 of the demo's LLM minutes; the heads are retrained on them

STAGES = (
    ("database", "Create or upgrade the database"),
    ("keys", "Issue demo API keys"),
    ("users", "Create demo console users (one per role)"),
    ("models", "Prepare packaged models"),
    ("corpus", "Count the demo corpus"),
    ("chats", "Ingest chats (masked, stored once, indexed)"),
    ("work_orders", "Ingest work orders"),
    ("sales", "Ingest sales conversations"),
    ("calls", "Transcribe and ingest call recordings (~1-2 min on 2 cores)"),
    ("search", "Search conversations"),
    ("classify", "Classify intent, sentiment, outcome, loss reasons, product + issue"),
    ("docs", "Index product documents (first run ~1-2 min: every chunk is embedded)"),
    ("assist", "Ask the assistant (answers with citations, or abstains)"),
    ("nightly", "Nightly: LLM labels + summaries (~5 min), Andon + work orders, trend report, loss digest"),
    ("andon", "Play one Andon alert's life: pulled, held, routed, escalated, resolved, verified, released"),
)


@flow(name="demo", validate_parameters=False, log_prints=False)
def demo_flow(
    settings: Settings,
    queries: list[str],
    questions: list[str] | None = None,
    report: Report | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """Run the stages in order, up to and including `until` (default: all); `report(stage, result)` is called after
    each (the CLI draws progress)."""
    questions = questions or []
    steps: dict[str, Callable[[], Any]] = {
        "database": lambda: prepare_store(settings),
        "keys": lambda: demo_keys(settings),
        "users": lambda: demo_users(settings),
        "models": lambda: prepare_models(settings),
        "corpus": lambda: inventory(settings),
        "chats": lambda: _ingest(settings, "chat", "chats"),
        "work_orders": lambda: _ingest(settings, "work_order", "work_orders"),
        "sales": lambda: _ingest(settings, "chat", "sales"),
        "calls": lambda: _ingest(settings, "call", "calls"),
        "search": lambda: conversation_search(settings, queries),
        "classify": lambda: classify(settings),
        "docs": lambda: index_docs(settings),
        "assist": lambda: ask(settings, questions),
        "nightly": lambda: nightly_stage(settings),
        "andon": lambda: andon_stage(settings),
    }
    results: dict[str, Any] = {}
    for stage, _label in STAGES:
        results[stage] = steps[stage]()
        if report is not None:
            report(stage, results[stage])
        if stage == until:
            break
    return results
