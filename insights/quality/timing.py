"""Timing measures of a call from its turns' start and end times (both channels of a two-channel recording).

- `longest_silence`: the longest stretch, between the first word and the last, when nobody speaks (seconds);
- `silence_share`: the share of the call's span when nobody speaks (0-1);
- `overtalk`: seconds when agent and customer speak at once;
- `interruptions`: agent turns that start while a customer turn is still going for at least `INTERRUPT_S`;
- `agent_talk_ratio`: the agent's speaking time over both speakers' (0-1);
- `speech_rate`: the agent's pace, Chinese characters plus other words per minute of the agent's speech;
- `hold`: the longest silence right after an agent turn (the agent went away: "please hold", "请稍等").

Each measure is None when the conversation cannot give it: no times (a chat), or only one known speaker for the
measures that compare the two. Each comes with the turn it points at (where the silence ends, the interrupting turn).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from core.language import cjk_count
from core.records import Turn

Measure = Literal[
    "longest_silence", "silence_share", "overtalk", "interruptions", "agent_talk_ratio", "speech_rate", "hold"
]
INTERRUPT_S = 0.5  # a customer still talking this long after the agent starts: the agent cut in


@dataclass(frozen=True)
class Measured:
    value: float
    turn: Turn | None  # the turn the value points at


def timed(turns: Sequence[Turn]) -> list[Turn]:
    """The turns with both times, in time order."""
    out = [t for t in turns if t.start_s is not None and t.end_s is not None and t.end_s >= t.start_s]
    return sorted(out, key=lambda t: (t.start_s or 0.0, t.index))


def _gaps(turns: list[Turn]) -> list[tuple[float, Turn, Turn]]:
    """(silence, turn before, turn after) between the union of speech intervals."""
    gaps = []
    reach, last = turns[0].end_s or 0.0, turns[0]
    for turn in turns[1:]:
        start, end = turn.start_s or 0.0, turn.end_s or 0.0
        if start > reach:
            gaps.append((start - reach, last, turn))
        if end >= reach:
            reach, last = end, turn
    return gaps


def _intervals(turns: list[Turn], speaker: str) -> list[tuple[float, float]]:
    return [(t.start_s or 0.0, t.end_s or 0.0) for t in turns if t.speaker == speaker]


def _overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _two_sided(turns: list[Turn]) -> bool:
    speakers = {t.speaker for t in turns}
    return {"agent", "customer"} <= speakers


def longest_silence(turns: list[Turn]) -> Measured | None:
    gaps = _gaps(turns)
    if not gaps:
        return Measured(0.0, None)
    value, _, after = max(gaps, key=lambda g: g[0])
    return Measured(round(value, 2), after)


def silence_share(turns: list[Turn]) -> Measured | None:
    span = max(t.end_s or 0.0 for t in turns) - (turns[0].start_s or 0.0)
    if span <= 0:
        return None
    return Measured(round(sum(g for g, _, _ in _gaps(turns)) / span, 3), None)


def overtalk(turns: list[Turn]) -> Measured | None:
    if not _two_sided(turns):
        return None
    agent, customer = _intervals(turns, "agent"), _intervals(turns, "customer")
    worst = max(
        (t for t in turns if t.speaker in ("agent", "customer")),
        key=lambda t: _overlap([(t.start_s or 0.0, t.end_s or 0.0)], customer if t.speaker == "agent" else agent),
    )
    return Measured(round(_overlap(agent, customer), 2), worst if _overlap(agent, customer) > 0 else None)


def interruptions(turns: list[Turn]) -> Measured | None:
    if not _two_sided(turns):
        return None
    customer = [t for t in turns if t.speaker == "customer"]
    cut_in = [a for a in turns if a.speaker == "agent" and _cuts_in(a, customer)]
    return Measured(float(len(cut_in)), cut_in[0] if cut_in else None)


def _cuts_in(agent: Turn, customer: list[Turn]) -> bool:
    start = agent.start_s or 0.0
    return any((c.start_s or 0.0) < start and (c.end_s or 0.0) - start >= INTERRUPT_S for c in customer)


def agent_talk_ratio(turns: list[Turn]) -> Measured | None:
    if not _two_sided(turns):
        return None
    agent = sum(e - s for s, e in _intervals(turns, "agent"))
    customer = sum(e - s for s, e in _intervals(turns, "customer"))
    return Measured(round(agent / (agent + customer), 3), None) if agent + customer > 0 else None


def speech_rate(turns: list[Turn]) -> Measured | None:
    agent = [t for t in turns if t.speaker == "agent" and (t.end_s or 0.0) > (t.start_s or 0.0)]
    seconds = sum((t.end_s or 0.0) - (t.start_s or 0.0) for t in agent)
    if seconds <= 0:
        return None
    units = sum(cjk_count(t.text) + len([w for w in t.text.split() if cjk_count(w) == 0]) for t in agent)
    fastest = max(agent, key=lambda t: len(t.text) / max((t.end_s or 0.0) - (t.start_s or 0.0), 0.1))
    return Measured(round(60.0 * units / seconds, 1), fastest)


def hold(turns: list[Turn]) -> Measured | None:
    after_agent = [(g, after) for g, before, after in _gaps(turns) if before.speaker == "agent"]
    if not after_agent:
        return Measured(0.0, None)
    value, after = max(after_agent, key=lambda g: g[0])
    return Measured(round(value, 2), after)


MEASURES: dict[str, Callable[[list[Turn]], Measured | None]] = {
    "longest_silence": longest_silence,
    "silence_share": silence_share,
    "overtalk": overtalk,
    "interruptions": interruptions,
    "agent_talk_ratio": agent_talk_ratio,
    "speech_rate": speech_rate,
    "hold": hold,
}


def measure(name: str, turns: Sequence[Turn]) -> Measured | None:
    """The measure `name` of a conversation, or None when its turns carry no times."""
    ordered = timed(turns)
    if not ordered:
        return None
    return MEASURES[name](ordered)
