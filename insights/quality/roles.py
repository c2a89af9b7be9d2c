"""Who is the agent on a mono recording: its turns carry no speaker, so each is given one by what it says.

Turns of a mono call alternate between the two people more often than not. The side (even or odd turns) whose
turns say more of what agents say (greetings with a name or number, "how can I help", "let me check", 工号,
为您查询, 请稍等...) and less of what customers say ("my order", "I bought", 我买的, 你们...) is the agent; a turn
that only says the other side's phrases is given to that side. A score says the roles were inferred.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.records import Speaker, Turn
from insights.quality.phrases import parse_rule

AGENT = parse_rule(
    "工号||很高兴为您服务||为您服务||有什么可以帮您||有什么能帮您||为您查询||帮您查||请稍等||稍等一下||给您带来||"
    '感谢您的来电||感谢来电||还有其他||还有什么可以||您的订单||您的问题||"how can i help"||"how may i help"||'
    '"thank you for calling"||"thanks for calling"||"my name is"||"this is"||"let me check"||"let me look"||'
    '"anything else"||"bear with me"||"your order"||"i can help"||"sorry for the"||"we will"'
)
CUSTOMER = parse_rule(
    '我买的||我的订单||我想问||我想要||我要退||你们||能不能||怎么还没||怎么回事||"i bought"||"i ordered"||'
    '"my order"||"i want"||"i need"||"you guys"||"can you"||"why is"||"my parcel"||"i have a problem"'
)


def needs_roles(turns: Sequence[Turn]) -> bool:
    """True when no turn says who spoke (a mono call transcribed without diarization)."""
    return bool(turns) and all(t.speaker == "unknown" for t in turns)


def infer_roles(turns: Sequence[Turn]) -> list[Turn]:
    """The turns with `agent` / `customer` speakers assigned; turns that already have a speaker are kept."""
    if not needs_roles(turns):
        return list(turns)
    lean = [_lean(t.text) for t in turns]
    even = sum(v for i, v in enumerate(lean) if i % 2 == 0) - sum(v for i, v in enumerate(lean) if i % 2 == 1)
    agent_parity = 0 if even >= 0 else 1  # a tie: the first speaker of a service call is usually the agent
    out = []
    for i, (turn, v) in enumerate(zip(turns, lean, strict=True)):
        speaker: Speaker = "agent" if i % 2 == agent_parity else "customer"
        if v > 0 and speaker == "customer" and not CUSTOMER.matches(turn.text):
            speaker = "agent"
        elif v < 0 and speaker == "agent" and not AGENT.matches(turn.text):
            speaker = "customer"
        out.append(turn.model_copy(update={"speaker": speaker}))
    return out


def _lean(text: str) -> int:
    """Agent phrases minus customer phrases in one turn."""
    return len(AGENT.found(text)) - len(CUSTOMER.found(text))
