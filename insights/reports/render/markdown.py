"""Markdown versions of the trend report and the loss digest (for chat tools, e-mail and diffs); quotes re-masked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ingest.masking import mask_text

if TYPE_CHECKING:
    from insights.customers.section import CustomerSection
    from insights.quality.digest import QaDigest
    from insights.reports.digest import LossDigest, TeamDigest
    from insights.reports.report import TrendReport


def cell(value: object) -> str:
    """One table cell: masked, on one line, pipes escaped."""
    text = mask_text(str(value)) if value is not None else ""
    return " ".join(text.split()).replace("|", "\\|")


def table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def quotes(items: Sequence[str]) -> str:
    return " / ".join(f"“{q}”" for q in items) if items else "–"


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def day(value: date | datetime) -> str:
    return value.strftime("%Y-%m-%d")


def trend_markdown(r: TrendReport, last: date) -> str:
    before = r.previous_conversations
    change = (r.conversations - before) / before if before else None
    out = [
        f"# Customer trend report {day(r.start)} – {day(last)}",
        "",
        f"{r.period_days} days, compared with {day(r.previous_start)} – {day(r.start)}; generated "
        f"{r.generated_at.strftime('%Y-%m-%d %H:%M %Z').strip()}.",
        "",
        f"- **Conversations:** {r.conversations} (previous {r.previous_conversations}"
        + (f", {100 * change:+.1f}%)" if change is not None else ")"),
        "- **By channel:** " + (", ".join(f"{k} {v}" for k, v in r.channels.items()) or "–"),
        f"- **Negative customer sentiment:** {pct(r.negative_share)} (previous {pct(r.previous_negative_share)})",
        f"- **Open Andon alerts:** {len(r.andon_alerts)}; **emerging topics:** {len(r.topics)}",
        "",
        "## Volume by intent",
        "",
    ]
    out += table(
        ["intent", *[d.strftime("%m-%d") for d in r.days], "total"],
        [[k, *v, sum(v)] for k, v in r.volume_by_intent.items()],
    )
    out += ["## Customer sentiment per day", ""]
    out += table(
        ["day", "negative", "neutral", "positive"],
        [[day(s.day), s.negative, s.neutral, s.positive] for s in r.sentiment_by_day],
    )
    out += [
        "## Rising and falling intents",
        "",
        f"Exact binomial test per intent, Benjamini–Hochberg across intents; q ≤ {r.alpha} is significant.",
        "",
    ]
    out += table(
        ["intent", "this period", "previous", "change (pp)", "p", "q", "significant"],
        [
            [
                c.intent,
                c.current,
                c.previous,
                f"{c.change_pp:+.1f}",
                f"{c.p_value:.2g}",
                f"{c.q_value:.2g}",
                c.direction if c.significant else "",
            ]
            for c in r.intent_changes
        ],
    )
    out += ["## Emerging topics", ""]
    out += (
        table(
            ["id", "topic", "conversations", "first seen", "quotes"],
            [
                [
                    t.id + (" (new)" if t.new else ""),
                    f"{t.label} ({', '.join(t.terms)})",
                    t.size,
                    day(t.first_seen),
                    quotes(t.quotes),
                ]
                for t in r.topics
            ],
        )
        if r.topics
        else ["None this period.", ""]
    )
    out += ["## Open Andon alerts", ""]
    out += (
        table(
            ["product / issue", "status", "customers", "seen", "quotes", "work orders"],
            [
                [
                    f"{a.product} / {a.issue}" + (f" ({a.problem})" if a.problem else ""),
                    a.status,
                    a.customers,
                    f"{day(a.first_seen)} – {day(a.last_seen)}",
                    quotes(a.quotes),
                    ", ".join(a.work_orders),
                ]
                for a in r.andon_alerts
            ],
        )
        if r.andon_alerts
        else ["None.", ""]
    )
    if r.followups:
        out += ["### After the fix: closed alerts", ""]
        out += table(
            ["product / issue", "closed", "before per 1,000", "after per 1,000", "complaints before / after"],
            [
                [
                    f"{f.product} / {f.issue}",
                    day(f.closed_at),
                    f"{f.before_per_1000:.1f}",
                    f"{f.after_per_1000:.1f}",
                    f"{f.before_complaints} / {f.after_complaints}",
                ]
                for f in r.followups
            ],
        )
    out += ["## Knowledge gaps", ""]
    out += (
        table(
            ["question", "times asked", "languages", "products", "last seen"],
            [
                [g.question, g.count, ", ".join(g.languages), ", ".join(g.products), day(g.last_seen)]
                for g in r.knowledge_gaps
            ],
        )
        if r.knowledge_gaps
        else ["None recorded.", ""]
    )
    out += ["## Quality inspection (质检)", ""]
    out += _quality(r)
    out += _customers(r.customers) if r.customers else []
    out += _manager(r)
    out += ["## Top loss reasons", ""]
    out += (
        table(
            ["reason", "lost deals", "previous", "change"],
            [[x.reason, x.current, x.previous, f"{x.change:+d}"] for x in r.loss_reasons[:10]],
        )
        if r.loss_reasons
        else ["No lost deal in either period.", ""]
    )
    return "\n".join(out)


def _scope(s: TeamDigest) -> list[str]:
    out = [
        f"## {s.team}",
        "",
        f"Won {s.won}, lost {s.lost}, win rate {pct(s.win_rate)} "
        f"(previous: won {s.previous_won}, lost {s.previous_lost}).",
        "",
    ]
    if s.reasons:
        out += table(
            ["reason", "lost", "previous", "change", "lost deals said", "won deals said"],
            [
                [x.reason, x.lost, x.previous, f"{x.change:+d}", quotes(x.quotes), quotes(x.won_quotes)]
                for x in s.reasons
            ],
        )
    if s.reps:
        out += ["### By rep", ""]
        out += table(
            ["rep", "won", "lost", "win rate", "previous won / lost", "reasons"],
            [
                [
                    p.agent_id,
                    p.won,
                    p.lost,
                    pct(p.win_rate),
                    f"{p.previous_won} / {p.previous_lost}",
                    ", ".join(f"{k} ({v})" for k, v in p.reasons.items()),
                ]
                for p in s.reps
            ],
        )
    return out


def digest_markdown(d: LossDigest, last: date) -> str:
    title = f"# Loss-reason digest{': ' + d.team if d.team else ''} {day(d.start)} – {day(last)}"
    out = [
        title,
        "",
        f"{d.period_days} days, compared with {day(d.previous_start)} – {day(d.start)}; generated "
        f"{d.generated_at.strftime('%Y-%m-%d %H:%M %Z').strip()}. Quotes are masked.",
        "",
    ]
    for scope in [d.overall] + ([] if d.team else d.teams):
        out += _scope(scope)
    out += _customers(d.sales) if d.sales else []
    return "\n".join(out)


def _signals(signals: Sequence[Any]) -> str:
    return ", ".join(f"{s.signal} ({s.effect:+.1f})" for s in signals)


def _customers(c: CustomerSection) -> list[str]:
    out = ["## Customers and prices", "", "### What customers will pay, per product and segment", ""]
    out += (
        table(
            ["product", "segment", "talks with a ceiling", "p25", "median", "p75", "lost", "lost above the ceiling"],
            [[b.product, b.segment, b.conversations, f"{b.ceiling_p25:.0f} {b.currency}",
              f"{b.ceiling_median:.0f} {b.currency}", f"{b.ceiling_p75:.0f} {b.currency}", b.lost, b.lost_above]
             for b in c.prices],
        )
        if c.prices
        else ["No customer named a budget in this period.", ""]
    )  # fmt: skip
    out += ["### What customers ask for or turn down", ""]
    out += (
        table(["product", "segment", "feature", "wanted", "rejected"],
              [[p.product, p.segment, p.feature, p.wanted, p.rejected] for p in c.preferences])
        if c.preferences
        else ["No preference recorded in this period.", ""]
    )  # fmt: skip
    out += ["### Open leads most likely to close", ""]
    out += (
        table(["conversation", "rep", "product", "win probability", "why"],
              [[x.conversation_id, x.agent_id or "–", x.product or "–", pct(x.probability), _signals(x.signals)]
               for x in c.leads])
        if c.leads
        else ["No open lead scored.", ""]
    )  # fmt: skip
    if c.churn:
        out += ["### Customers most likely to leave", ""]
        rows = [[r.customer_key[:12], r.contacts, pct(r.probability), _signals(r.signals)] for r in c.churn]
        out += table(["customer (masked key)", "contacts", "churn risk", "why"], rows)
    return out


def _quality(r: TrendReport) -> list[str]:
    if not r.quality:
        return ["No conversation scored in this period.", ""]
    rows = [[c.scorecard, c.conversations, _mean(c.mean_score), pct(c.pass_rate), c.fatal, _mean(c.previous_mean)]
            for c in r.quality]  # fmt: skip
    out = table(["scorecard", "scored", "mean", "pass", "fatal", "previous mean"], rows)
    if r.quality_missed:
        missed = ", ".join(f"{i.scorecard}/{i.item} {pct(i.fail_share)}" for i in r.quality_missed)
        out += [f"Most missed: {missed}; per agent and team: the QA digest.", ""]
    return out


def _manager(r: TrendReport) -> list[str]:
    m = r.manager
    if m is None:
        return []
    out = ["## For managers: work orders, holds, wrong alarms", "", "### SLA attainment per team", ""]
    out += (
        table(
            ["team", "opened", "resolved", "within SLA", "attainment", "in hand", "overdue", "escalated"],
            [[t.team, t.opened, t.resolved, t.within_sla, pct(t.attainment), t.active, t.overdue, t.escalated]
             for t in m.sla],
        )
        if m.sla
        else ["No work order in this period.", ""]
    )  # fmt: skip
    if m.on_hold:
        out += ["### Products on hold", ""]
        out += table(["product", "since", "alert"], [[h.product, day(h.held_at), h.alert_id] for h in m.on_hold])
    out += [f"### Bad-Andon rate (alerts closed as false alarms, last {m.alarm_days} days)", ""]
    if not m.by_rule:
        return [*out, "No alert closed.", ""]
    for title, lines in (("rule", m.by_rule), ("product line", m.by_line), ("manager's area", m.by_area)):
        out += table([title, "closed", "false alarms", "rate"],
                     [[a.group, a.closed, a.false_alarms, pct(a.rate)] for a in lines])  # fmt: skip
    return out


def _mean(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def qa_markdown(d: QaDigest, last: date) -> str:
    out = [f"# QA digest (质检){': ' + d.team if d.team else ''} {day(d.start)} – {day(last)}", ""]
    out += ["Machine scores, or the reviewed score where a person reviewed the conversation.", ""]
    if not d.cards:
        return "\n".join([*out, "No conversation was scored in this period: run `cxloop insights run`.", ""])
    out += table(["scorecard", "scored", "mean", "pass", "fatal", "previous mean"],
                 [[c.scorecard, c.conversations, _mean(c.mean_score), pct(c.pass_rate), c.fatal,
                   _mean(c.previous_mean)] for c in d.cards])  # fmt: skip
    if d.teams:
        out += ["## By team", ""]
        out += table(["team", "scored", "mean", "pass", "fatal", "previous mean"],
                     [[t.scorecard, t.conversations, _mean(t.mean_score), pct(t.pass_rate), t.fatal,
                       _mean(t.previous_mean)] for t in d.teams])  # fmt: skip
    out += ["## Most-missed items", ""]
    out += table(["scorecard", "item", "failed", "of", "fail share", "previous"],
                 [[i.scorecard, i.item, i.failed, i.applicable, pct(i.fail_share), pct(i.previous_fail_share)]
                  for i in d.items[:15]])  # fmt: skip
    out += ["## By agent", ""]
    out += table(["agent", "team", "scored", "mean", "previous", "fatal", "most missed"],
                 [[a.agent_id, a.team, a.conversations, _mean(a.mean_score), _mean(a.previous_mean), a.fatal,
                   ", ".join(a.most_missed)] for a in d.agents])  # fmt: skip
    for title, rows in (("Worst conversations", d.worst), ("Best conversations", d.best)):
        out += [f"## {title}", ""]
        out += table(["conversation", "agent", "team", "scorecard", "score", "result"],
                     [[c.conversation_id, c.agent_id, c.team, c.scorecard, f"{c.score:.1f}", c.result]
                      for c in rows])  # fmt: skip
    return "\n".join(out)
