"""The signals the lead and churn scores read: phrases in the customer's words (zh + en), price roles, and, for
churn, a customer's contacts over time. Each signal keeps the turn that showed it, for the explanation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from insights.customers.prices import PriceMention, acceptable_range

_BUYING = re.compile(
    r"怎么买|怎么下单|下单|付款|付定金|交定金|开发票|开票|发票|签合同|合同|什么时候能到|什么时候发货|多久能到|有现货|有货吗|"
    r"库存|送货|安装时间|要了|就要这|定了|拍板|采购单|打款|转账|"
    r"how\s+(?:do|can)\s+i\s+(?:order|buy|pay|sign)|place\s+(?:an|the)\s+order|send\s+(?:me\s+)?(?:the\s+)?invoice|"
    r"invoice|contract|purchase\s+order|\bpo\b|when\s+can\s+(?:you|it)\s+(?:deliver|ship|arrive)|in\s+stock|ready\s+to\s+"
    r"(?:buy|order|sign|go)|sign\s+(?:up|today)|i'?ll\s+take|we'?ll\s+take|let'?s\s+do\s+it|sounds\s+good|deal\b|"
    r"i\s+want\s+(?:it|them|the)|go\s+ahead|book\s+(?:it|the)",
    re.IGNORECASE,
)
_OBJECTION = re.compile(
    r"太贵|贵了|有点贵|再考虑|考虑一下|考虑考虑|再看看|再比较|比较一下|对比一下|不太需要|暂时不|先不|以后再说|再说吧|没预算|"
    r"超预算|超出预算|担心|不放心|犹豫|不确定|太慢|太久|不满意|不合适|"
    r"too\s+(?:expensive|much|pricey|high|slow|long)|think\s+about\s+it|not\s+sure|can'?t\s+afford|cheaper|compare|"
    r"not\s+now|maybe\s+later|concern|worried|hesitant|out\s+of\s+(?:our\s+)?budget|over\s+(?:our\s+)?budget|"
    r"can'?t\s+do|won'?t\s+work|that\s+doesn'?t\s+work|not\s+enough",
    re.IGNORECASE,
)
_REFUSAL = re.compile(
    r"不买了|不要了|算了|不考虑了|没兴趣|不需要了|已经买了别|选了别|定了别家|买了别家|别打了|"
    r"no\s+deal|not\s+interested|we\s+went\s+with|went\s+with\s+(?:another|someone|the\s+other)|pass\b|no\s+thanks|"
    r"forget\s+it|never\s*mind|walk\s+away|no\s+agreement|can'?t\s+make\s+a\s+deal|i\s+(?:can'?t|won'?t)\s+accept",
    re.IGNORECASE,
)
_HARD_LINE = re.compile(
    r"必须|一定要|非要|不然就|否则|没得谈|没商量|少一分都不行|只能是|"
    r"i\s+(?:really\s+)?need\s+(?:all|both|the|every|at\s+least)|all\s+(?:the|of\s+the)|or\s+no\s+deal|must\s+have|"
    r"non-?negotiable|at\s+least|only\s+if|nothing\s+less|the\s+only\s+way",
    re.IGNORECASE,
)
_PUSHBACK = re.compile(r"不[行要能对够]|没[有法]|别|\bno\b|\bnot\b|n'?t\b|\bnope\b", re.IGNORECASE)
_CONCESSION = re.compile(
    r"你可以|都给你|给你|让你|可以给|可以让|没问题|可以的|好的|那行|也行|可以接受|合理|"
    r"sounds\s+good|that\s+works|works\s+for\s+me|you\s+can\s+have|you\s+may\s+have|you\s+get|you\s+take|you\s+keep|"
    r"rest\s+to\s+you|the\s+rest|fair|\bok(?:ay)?\b|\bsure\b|\bfine\b|i\s+can\s+do\s+that|happy\s+to|great|perfect",
    re.IGNORECASE,
)
_NEXT_STEP = re.compile(
    r"明天|下周|周[一二三四五六日末]|回头|约个|约一下|发我|发给我|发一份|报价单|方案|样品|样机|试用|演示|拜访|上门看|回电|"
    r"再联系|跟进|加微信|"
    r"call\s+(?:you\s+)?back|follow\s+up|schedule|next\s+week|tomorrow|send\s+(?:me|over|us)|quote|proposal|trial|"
    r"sample|demo|meeting|visit|get\s+back\s+to|talk\s+(?:again|monday|tuesday|wednesday|thursday|friday)",
    re.IGNORECASE,
)
_CANCEL = re.compile(
    r"退订|销户|注销|取消|不用了|不续|停用|退掉|退货退款|换别家|换一家|投诉到|12315|再也不|"
    r"cancel|close\s+my\s+account|terminate|switch(?:ing)?\s+to|unsubscribe|not\s+renew|leave\s+(?:you|your)|"
    r"take\s+my\s+business|never\s+(?:again|buy)|done\s+with\s+you",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Signal:
    name: str
    value: float
    turn_index: int | None = None


def lead_signals(turns: Sequence[tuple[int, str, str]], prices: Sequence[PriceMention]) -> dict[str, Signal]:
    """The lead signals of one sales conversation's turns `(index, speaker, text)` (customer words only)."""
    found: dict[str, Signal] = {}
    customer = [(i, text) for i, speaker, text in turns if speaker != "agent"]
    customer_patterns = (
        ("buying_signal", _BUYING), ("objection", _OBJECTION), ("refusal", _REFUSAL), ("pushback", _PUSHBACK),
        ("next_step", _NEXT_STEP),
    )  # fmt: skip
    for name, pattern in customer_patterns:
        hits = [i for i, text in customer if pattern.search(text)]
        if hits:
            found[name] = Signal(name, float(min(len(hits), 3)), hits[-1])
    for name, pattern in (("hard_line", _HARD_LINE), ("concession", _CONCESSION)):
        hits = [i for i, _, text in turns if pattern.search(text)]
        if hits:
            found[name] = Signal(name, float(min(len(hits), 3)), hits[-1])
    if turns:
        found["length"] = Signal("length", round(min(len(turns), 30) / 10, 2))
    for name, role in (("budget_stated", "budget"), ("competitor_price", "competitor"), ("agreed_price", "agreed")):
        said = [m for m in prices if m.role == role]
        if said:
            found[name] = Signal(name, 1.0, said[-1].turn_index)
    ceiling = acceptable_range(prices)
    quoted = [m for m in prices if m.role in ("list_price", "counter_offer") and m.speaker == "agent"]
    if ceiling and ceiling.high is not None and quoted:
        last = quoted[-1]
        if last.amount.low is not None and last.amount.currency == ceiling.currency and last.amount.low > ceiling.high:
            found["price_above_budget"] = Signal("price_above_budget", 1.0, last.turn_index)
    return found


@dataclass(frozen=True)
class Contact:
    """One conversation of a customer, as churn reads it."""

    conversation_id: str
    at: datetime | None
    intent: str | None
    sentiment: str | None  # negative / neutral / positive
    resolved: bool
    text: str  # the customer's words, masked


_SENTIMENT = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
COMPLAINT_INTENTS = ("defect", "service_complaint", "return_refund", "delivery", "installation", "billing")


def churn_signals(contacts: Sequence[Contact], window_days: int = 90) -> dict[str, Signal]:
    """The churn signals of one customer's contacts (oldest first) within the window before the last one."""
    if not contacts:
        return {}
    last_at = contacts[-1].at
    recent = [c for c in contacts if last_at is None or c.at is None or c.at >= last_at - timedelta(days=window_days)]
    found: dict[str, Signal] = {}
    cancels = [c for c in recent if c.intent == "cancellation" or _CANCEL.search(c.text)]
    if cancels:
        found["cancellation_intent"] = Signal("cancellation_intent", 1.0, None)
    if len(recent) > 1:
        found["repeat_contacts"] = Signal("repeat_contacts", float(min(len(recent) - 1, 4)))
    if not recent[-1].resolved:
        found["unresolved"] = Signal("unresolved", 1.0)
    moods = [_SENTIMENT[c.sentiment] for c in recent if c.sentiment in _SENTIMENT]
    if len(moods) > 1 and moods[-1] < moods[0]:
        found["worsening_sentiment"] = Signal("worsening_sentiment", moods[0] - moods[-1])
    if moods and any(m < 0 for m in moods):
        found["negative_sentiment"] = Signal("negative_sentiment", round(sum(m < 0 for m in moods) / len(moods), 3))
    complaints = sum(1 for c in recent if c.intent in COMPLAINT_INTENTS)
    if complaints:
        found["complaint"] = Signal("complaint", float(min(complaints, 4)))
    if any(c.intent == "praise" for c in recent):
        found["praise"] = Signal("praise", 1.0)
    return found


def values(signals: dict[str, Signal]) -> dict[str, float]:
    return {name: s.value for name, s in signals.items()}


def signal_label(signal: str, effect: float) -> str:
    """A signal and its effect on the log-odds as one stored label: `buying_signal:+1.10`."""
    return f"{signal}:{effect:+.2f}"


def parse_signal_label(label: str) -> tuple[str, float]:
    signal, _, effect = label.rpartition(":")
    return signal, float(effect)


_RESOLVED = re.compile(
    r"解决了|好了|可以了|没问题了|谢谢|感谢|明白了|清楚了|知道了|好的|"
    r"thanks|thank\s+you|that\s+works|fixed|resolved|perfect|great|got\s+it|all\s+set|appreciate",
    re.IGNORECASE,
)


def resolved(last_customer_words: str) -> bool:
    """A contact the customer ended content (thanks, 解决了) rather than still asking or angry."""
    return bool(_RESOLVED.search(last_customer_words)) and not _CANCEL.search(last_customer_words)
