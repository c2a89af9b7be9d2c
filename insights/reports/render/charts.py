"""Report charts as inline SVG (matplotlib, Agg; no pyplot state): readable offline, no image files.

Charts only ever carry ASCII text (dates, channel and intent names, which taxonomies keep snake_case), so no CJK font
is needed; Chinese words stay in the HTML tables where the browser's fonts render them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from markupsafe import Markup, escape

PALETTE = ("#3b6ea5", "#e08a3c", "#5aa469", "#c8553d", "#8e6bb5", "#7f7f7f", "#b5a642", "#4fb0c6", "#d47fa6")
SENTIMENT_COLOURS = {"negative": "#c8553d", "neutral": "#9aa5b1", "positive": "#5aa469"}
MAX_SERIES = 8
_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)


def _figure(width: float = 7.5, height: float = 3.0) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96)
    fig.patch.set_alpha(0)
    return fig


def _svg(fig: Any, name: str, title: str) -> Markup:
    """The figure as `<figure class="chart" data-chart=NAME>` with the <svg> inline."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cxloop"}):
        fig.tight_layout()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = _XML_HEAD.sub("", buf.getvalue(), count=1)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    return Markup(
        f'<figure class="chart" data-chart="{escape(name)}">{svg}<figcaption>{escape(title)}</figcaption></figure>'
    )


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.6)
    ax.set_axisbelow(True)


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode()


def _day_labels(days: Sequence[date]) -> list[str]:
    return [d.strftime("%m-%d") for d in days]


def stacked_days(name: str, title: str, days: Sequence[date], series: dict[str, list[int]]) -> Markup:
    """Stacked bars per day; beyond MAX_SERIES series the smallest are summed into `rest`."""
    ranked = sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    shown = ranked[:MAX_SERIES]
    if len(ranked) > MAX_SERIES:
        rest = [sum(v[i] for _, v in ranked[MAX_SERIES:]) for i in range(len(days))]
        shown.append(("rest", rest))
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(days)))
    bottom = [0] * len(days)
    for i, (label, values) in enumerate(shown):
        ax.bar(x, values, bottom=bottom, label=_ascii(label), color=PALETTE[i % len(PALETTE)], width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(x, _day_labels(days))
    ax.set_ylabel("conversations", fontsize=8)
    _style(ax)
    if shown:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(fig, name, title)


def sentiment_days(name: str, title: str, days: Sequence[date], counts: dict[str, list[int]]) -> Markup:
    """Share of customer sentiment per day as stacked bars (percent of rated conversations)."""
    totals = [sum(counts[k][i] for k in counts) for i in range(len(days))]
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(days)))
    bottom = [0.0] * len(days)
    for label in ("negative", "neutral", "positive"):
        values = [100 * c / t if t else 0.0 for c, t in zip(counts.get(label, [0] * len(days)), totals, strict=True)]
        ax.bar(x, values, bottom=bottom, label=label, color=SENTIMENT_COLOURS[label], width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(x, _day_labels(days))
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of conversations", fontsize=8)
    _style(ax)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(fig, name, title)


def change_bars(name: str, title: str, rows: Sequence[tuple[str, float, bool]], unit: str = "pp") -> Markup:
    """Horizontal bars of a signed change per label; significant ones solid, the rest pale."""
    rows = list(rows)[:12][::-1]
    fig = _figure(height=max(1.6, 0.32 * len(rows) + 0.8))
    ax = fig.add_subplot()
    y = list(range(len(rows)))
    colours = [
        ("#c8553d" if v > 0 else "#3b6ea5") if sig else ("#eab8ad" if v > 0 else "#b3c7de") for _, v, sig in rows
    ]
    ax.barh(y, [v for _, v, _ in rows], color=colours, height=0.6)
    ax.set_yticks(y, [_ascii(label) for label, _, _ in rows])
    ax.axvline(0, color="#6b7280", linewidth=0.8)
    ax.set_xlabel(f"change ({unit}); solid = significant", fontsize=8)
    _style(ax)
    ax.grid(axis="x", color="#e5e7eb", linewidth=0.6)
    return _svg(fig, name, title)


def paired_bars(name: str, title: str, rows: Sequence[tuple[str, int, int]]) -> Markup:
    """Current against previous count per label (loss reasons)."""
    rows = list(rows)[:10]
    fig = _figure(height=max(1.8, 0.35 * len(rows) + 0.9))
    ax = fig.add_subplot()
    y = list(range(len(rows)))[::-1]
    ax.barh([v + 0.18 for v in y], [r[1] for r in rows], height=0.36, color="#c8553d", label="this period")
    ax.barh([v - 0.18 for v in y], [r[2] for r in rows], height=0.36, color="#b3c7de", label="previous")
    ax.set_yticks(y, [_ascii(r[0]) for r in rows])
    ax.set_xlabel("lost deals", fontsize=8)
    _style(ax)
    ax.legend(fontsize=7, frameon=False)
    return _svg(fig, name, title)


def score_days(name: str, title: str, days: Sequence[date], means: Sequence[float | None]) -> Markup:
    """Mean QA score (0-100) per day as a line; a day without scored conversations is a gap."""
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(days)))
    ax.plot(x, [float("nan") if m is None else m for m in means], marker="o", color=PALETTE[0], linewidth=1.5)
    ax.set_xticks(x, _day_labels(days))
    ax.set_ylim(0, 100)
    ax.set_ylabel("mean score", fontsize=8)
    _style(ax)
    return _svg(fig, name, title)
