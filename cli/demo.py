"""`cxloop demo`: run the demo flow with a progress display, print where to look, then serve."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from core.errors import ConfigError, InvalidInput
from core.settings import Settings

SEARCHES = [
    "净水器滤芯座漏水",
    "the non-stick coating is peeling off",
]
QUESTIONS = [
    "How do I descale the HeatWave kettle?",
    "七天无理由退货从哪天开始算？",
    "Does the SwiftClean R7 work with Amazon Alexa or Apple HomeKit?",  # not in the documents: abstains
    "空气炸锅里可以垫锡纸吗？",  # not in the documents: abstains
]


def run(settings: Settings, *, serve: bool, until: str | None = None) -> dict[str, Any]:
    from flows.runtime import configure_prefect, start_prefect, stop_prefect

    if not (settings.demo_dir / "docs").is_dir():
        raise ConfigError(
            f"demo corpus not found at {settings.demo_dir.resolve()}; run from the repository root "
            "or set CXLOOP_DEMO_DIR"
        )
    configure_prefect(settings)
    from flows.demo import STAGES, demo_flow

    if until is not None and until not in dict(STAGES):
        raise InvalidInput(f"unknown stage {until!r}; choose one of: {', '.join(name for name, _ in STAGES)}")

    console = Console()
    labels = dict(STAGES)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        bar = progress.add_task(
            "Starting Prefect (the first run creates its database: 15 s to a few minutes on a busy machine)",
            total=len(STAGES),
        )
        order = [name for name, _ in STAGES]
        start_prefect(settings)
        progress.update(bar, description=labels[order[0]])

        def report(stage: str, _result: Any) -> None:
            progress.console.print(f"[green]✓[/green] {labels[stage]}")
            nxt = order.index(stage) + 1
            done = nxt >= len(order) or stage == until
            progress.update(bar, advance=1, description="Done" if done else labels[order[nxt]])

        results: dict[str, Any] = demo_flow(settings, SEARCHES, QUESTIONS, report=report, until=until)
    if until is not None:
        console.print(f"\n[bold]cxloop demo stopped after stage {until!r}[/bold]")
        stop_prefect()
        return results
    _summary(console, settings, results)
    if serve:
        from cli.serve import serve_api

        stop_prefect()  # its temporary server may hold a port in 8000-8999, the API's own range
        serve_api(settings)
    return results


def _summary(console: Console, settings: Settings, results: dict[str, Any]) -> None:
    corpus = results["corpus"]
    console.print("\n[bold]cxloop demo finished[/bold]")
    console.print(f"  database      {results['database']}")
    console.print(f"  vector store  {settings.chroma_path.resolve()}")
    console.print("  corpus        " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in corpus.items()))
    for stage in ("chats", "work_orders", "sales", "calls"):
        c = results[stage]
        if "skipped" in c:
            console.print(f"  {stage:<13} skipped: {c['skipped']}")
            continue
        console.print(
            f"  {stage:<13} {c['conversations_stored']} new, {c['conversations_replaced']} replaced, "
            f"{c['conversations_duplicate']} duplicate ({c['files_unchanged']} files unchanged); "
            f"{c['rows_stored']} rows stored, {c['rows_duplicate']} duplicate, {c['rows_quarantined']} quarantined"
        )
    for hit in results["search"]:
        console.print(f"  search        {hit['query']} -> {hit['hit']}: {hit['text']}")
    insights = results["classify"]
    console.print(
        f"  insights      {insights['classified']} conversations classified ({insights['unchanged']} unchanged), "
        f"{insights['per_second']}/s"
    )
    for case in insights.get("qa_planted", []):
        mark = "ok" if case["found"] == case["expected"] else "MISSED"
        console.print(
            f"  质检 QA       {case['conversation']} {case['item']}: {case['found']} "
            f"(planted {case['case']}: {case['expected']}, {mark}); form {case['score']} {case['result']}"
        )
    docs = results["docs"]
    console.print(f"  documents     {docs.get('summary') or docs.get('skipped')}")
    for item in results["assist"]:
        verdict = "abstained (knowledge gap recorded)" if item["abstained"] else f"{item['answer']}"
        console.print(f"  assist        {item['question']}\n                -> {verdict}")
        if item["cited"]:
            console.print(f"                   cites {'; '.join(item['cited'])}")
    nightly = results["nightly"]
    s = nightly.get("summaries") or {}
    if s:
        console.print(
            f"  summaries     {s['llm']} by the LLM ({s['llm_seconds_per_conversation']} s each), "
            f"{s['extractive']} extractive (the next nightly run upgrades them)"
        )
    for alert in nightly["alerts"]:
        console.print(
            f"  andon         {alert['product']} / {alert['issue']}: {alert['customers']} customers, "
            f'{len(alert["work_orders"])} work orders\n                "{alert["problem"]}"'
        )
    life = results.get("andon") or {}
    for step in life.get("steps", []):
        console.print(f"  andon life    {step['at']}  {step['step']:<11} {step['detail']}")
    if life.get("played"):
        console.print(
            f"  after the fix {life['before_per_1000']} complaints per 1,000 conversations in the 14 days before, "
            f"{life['after_per_1000']} after ({life['after_conversations']} conversations since: the corpus ends)"
        )
    reports = nightly["reports"]
    console.print(f"  report        {reports.get('trends_html')}")
    console.print(f"  digest        {reports.get('digest_html')}")
    url = f"http://{settings.api.host}:{settings.api.port}"
    console.print(f"\n  API           {url}  (docs at {url}/docs; /healthz needs no key)")
    console.print(f"  keys          {(settings.data_dir / 'demo-keys.json').resolve()}")
    console.print(f"  try           curl -H 'Authorization: Bearer {results['keys']['analyst']}' {url}/readyz")
    console.print(f"  report page   {url}/v1/reports/trends/page  (same analyst key; or open the file above)")
    users = results.get("users") or {}
    if users:
        console.print(f"\n  [bold]console[/bold]       {url}/console  (sign in with a browser; one demo user per role)")
        for role, user in users.items():
            console.print(f"    {role:<11} {user['username']:<13} password {user['password']}")
        console.print(f"  users         {(settings.data_dir / 'demo-users.json').resolve()}  (cxloop users --help)")
