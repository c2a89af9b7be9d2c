"""Price mentions with their role in a sales talk, the customer's acceptable range, and the label that stores them.

Roles: `list_price` (the seller's price, or the customer repeating it), `budget` (the customer's budget or ceiling),
`competitor` (a price elsewhere), `counter_offer` (a price proposed and not yet taken, by either side), `agreed` (the
price the deal is made at) and `other` (fees, deposits, refunds). A role is read from who speaks and the words around
the amount, in that order of precedence; nothing is learned, so the rules are the same on every install.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from insights.customers.money import Amount, amounts

ROLES = ("list_price", "budget", "competitor", "counter_offer", "agreed", "other")

_COMPETITOR = re.compile(
    r"京东|淘宝|天猫|拼多多|抖音|苏宁|国美|闲鱼|别家|别的店|别的家|其他家|其它家|另一家|另外一家|人家|隔壁|外面|实体店|"
    r"网上|竞品|友商|同行|对面|他们家|他们给|他们的|他们报|他们那|那家|超市|商场|专卖店|代购|官网上|直播间|"
    r"amazon|costco|walmart|best\s?buy|target|ebay|home\s?depot|lowe'?s|elsewhere|another\s+(?:store|shop|site|seller|"
    r"brand|vendor|dealer|place|company)|other\s+(?:store|shop|site|seller|brand|vendor|dealer|place|compan)|competitor|"
    r"online|supermarket|outlet|down\s+the\s+street|the\s+other\s+(?:guys|one|store)|their\s+(?:price|deal|offer)|"
    r"they(?:'re|\s+are|\s+have|\s+had|\s+sell|\s+charge|\s+offer)|costs?\s+us|we\s+(?:currently\s+)?pay|"
    r"we'?re\s+paying|currently\s+pay|our\s+current|现在用的|我们现在用|目前用的|那边|别的平台|别的牌子|"
    r"[\u4e00-\u9fff]{2}的才|美团|饿了么|大众点评|华为|小米|苹果|三星|戴森|索尼|联想|荣耀|格力|海尔|美的|现在合作|目前合作|合作的|"
    r"我现在的|我目前的|my\s+current|i\s+currently|\bbrands\b|another\s+(?:contractor|supplier|provider|agency|installer|"
    r"carrier|gym|dealership|retailer|shop)|quote\s+from|you\s+saw\s+at|[您你]说的那个",
    re.IGNORECASE,
)
# a named seller: "IKEA has", "Home Depot lists it at", "at Costco" (capitalised, not a pronoun)
_COMPETITOR_NAMED = re.compile(
    r"(?:\bat\s+|\b)(?!(?:It|That|This|The|We|You|They|He|She|I|Our|Your|My|Its|There|Price|Total|OK|Okay)\b)"
    r"[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)?\s+(?:has|had|sells|is\s+selling|offers|charges|lists|is|wants|gave|quoted)\b"
)
_OURS = re.compile(r"我们|你们|咱们|我这边|您这边|贵司|你给|您给|\b(?:our|your|yours|you|we|us)\b", re.IGNORECASE)
_COMPETITOR_ZH_SELL = re.compile(r"(?:卖|才|只要|只卖|报|标|开价|活动价)")
_FEE = re.compile(
    r"(?![年月会学])[\u4e00-\u9fff]费(?![用版])|加收|抵了|抵扣|折抵|额外|另加|另收|付了|花了|之前买|上个月买|买的时候|当时买|定金|到店|可以抵|运费|邮费|快递费|安装费|上门费|服务费|手续费|押金|定金|订金|尾款|退款|退还|退回|退你|退您|退给|赔偿|补偿|补差|差价|违约金|"
    r"扣了|扣费|扣款|账单|话费|充值|余额|积分|返现|红包|优惠券|券|保险|延保|维修费|检测费|材料费|配件费|滤芯费|"
    r"shipping|delivery\s+fee|install(?:ation)?\s+fee|setup\s+fee|service\s+fee|fee|deposit|refund|reimburse|credit(?:ed)?|"
    r"charged|bill(?:ed)?|late\s+charge|surcharge|restocking|cashback|rebate|voucher|coupon|gift\s+card|warranty|"
    r"tax|paid\s+back|balance|overcharg|penalty|service\s+visit|visit\s+fee|call-?out|labou?r|diagnostic|i\s+paid|"
    r"we\s+paid|bought\s+it\s+for|i\s+bought|trade-?in|toward|an\s+extra|additional|usually\s+pay|normally\s+pay",
    re.IGNORECASE,
)
_DIFFERENCE_BEFORE = re.compile(r"差了?|相差|贵了?|便宜了?|多了|少了|高了|低了|多花|省了?|减")
_DIFFERENCE_AFTER = re.compile(r"\s*(?:more|less|extra|cheaper|difference|apart|off\b|的差价)", re.IGNORECASE)
_AGREED = re.compile(
    r"成交|就按|就这个价|就这价|那就|就这么定|定了|拍板|下单吧|下单了|我要了|我买了|给我下单|帮我下单|可以下单|"
    r"好的?[，,]?\s?(?:就|那)|行[，,]?\s?(?:就|那)|没问题[，,]?就|签了|付款吧|"
    r"\bdeal\b|it\s+is\b|let'?s\s+do|i'?ll\s+take|we'?ll\s+take|go\s+(?:with|ahead)|sounds\s+good|works\s+for\s+me|"
    r"agreed|sold\b|book\s+it|ring\s+it\s+up|lock\s+(?:it|that)\s+in|final\s+price\s+is|you'?ve\s+got\s+a\s+deal|"
    r"i'?m\s+in\b|place\s+the\s+order|signing|send\s+(?:me\s+)?the\s+(?:invoice|contract)|can\s+live\s+with|"
    r"\bworks\b(?!\s+out)|sign\s+me\s+up|lock(?:ing|ed)?\s+in|write\s+(?:it|that|you)\s+up|new\s+(?:monthly\s+)?(?:rate|price)\s+is|"
    r"applied\s+the|i'?ll\s+process|最终价格|确认一下|锁价|按.{0,8}签|合同发|办理|"
    r"we\s+settled|let'?s\s+go|works\s+for\s+us|i'?ll\s+order|order\s+it|we'?ll\s+order|拍一个|拍了",
    re.IGNORECASE,
)
_CUSTOMER_COUNTER = re.compile(
    r"不行|可以吧|能不能|能否|可不可以|可以吗|行不行|行吗|卖不卖|卖吗|能卖|便宜点|便宜些|少点|少一点|算我|给我|给个|抹个零|抹零|再低|"
    r"降到|砍到|能到|打到|如果.{0,6}就|would\s+you|could\s+you|can\s+you|will\s+you|how\s+about|what\s+about|what\s+if|"
    r"if\s+you\s+(?:can|could|do|go|make\s+it)|do\s+it\s+for|take\s+\$|meet\s+(?:me|us)|knock|come\s+down|bring\s+it\s+down|"
    r"match|i'?ll\s+(?:pay|give\s+you|offer)|i\s+(?:can|could)\s+(?:pay|do|offer)|my\s+offer|offer\s+you",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(
    r"我就(?:下单|买|付|要了|拍|签|定|直接)|就(?:下单|买|付款|签|定)|and\s+(?:i|we)(?:'ll|\s+will)|and\s+(?:we|you)(?:'ve|\s+have)\s+(?:got\s+)?a\s+deal|"
    r"if\s+not\b|give\s+me",
    re.IGNORECASE,
)
_AGENT_COUNTER = re.compile(
    r"给您|给你|帮您申请|申请到|申请了|特价|最低|底价|优惠到|算您|算你|折后|能给到|可以给到|给到|让到|降到|做到|送您|"
    r"best\s+i\s+can|i\s+can\s+do|i\s+could\s+do|i\s+can\s+offer|i\s+could\s+offer|we\s+can\s+do|we\s+could\s+do|"
    r"bring\s+it\s+down|knock|discount(?:ed)?\s+(?:it\s+)?to|special\s+price|for\s+you|how\s+about|what\s+about|"
    r"i\s+can\s+(?:get|give|let)|let\s+you\s+have|meet\s+you|lowest|come\s+down|match|approve|authori[sz]e|what\s+if|"
    r"met\s+at|meet\s+at|can'?t\s+do|doable|could\s+go\s+to|take\s+it\s+down|down\s+to|too\s+low|太低|您看|你看|"
    r"行吗|可以吗|帮您去?申请",
    re.IGNORECASE,
)
_BUDGET = re.compile(
    r"预算|以内|以下|之内|最多|不超过|不超|顶多|封顶|接受|承受|打算|想花|只能|只想|准备|心理价|价位|出得起|能出|"
    r"budget|afford|can'?t\s+go\s+(?:over|above|higher|past)|spend|under|max|willing|at\s+most|up\s+to|"
    r"looking\s+(?:for|at)|range|no\s+more\s+than|less\s+than|below|ceiling|limit|tops|i\s+(?:have|got)|we\s+(?:have|got)|"
    r"can\s+pay|could\s+pay|ready\s+to\s+pay|around|(?<!how\s)(?<!what\s)about",
    re.IGNORECASE,
)
_RESTATED = re.compile(
    r"每台|每套|你们|你家|这款|这个|这台|那款|标价|报价|卖|要价|开价|太贵|贵了|有点贵|有点高|太高|偏高|高了|还是高|your|you\s+guys|you'?re\s+asking|price\s+tag|"
    r"listed|asking|you\s+want|you'?re\s+charging|too\s+(?:expensive|much|high|pricey)|it'?s|that'?s|is\s+it|costs?|charging|"
    r"is\s+a\s+lot|(?:way\s+)?more\s+than\s+i\s+expected|the\s+quote|quote\s+says|included|到手价|写着|页面|是这个价|包括|包含",
    re.IGNORECASE,
)
_RESTATED_STRONG = re.compile(
    r"到手价|写着|页面上|是这个价|你们这个|你们这款|你们标价|包括|included|the\s+quote\s+says|is\s+a\s+lot|more\s+than\s+i\s+expected",
    re.I,
)
_PAST = re.compile(r"之前买|上个月买|买的时候|当时买|\b(?:i|we)\s+bought|bought\s+(?:it|this|one)", re.I)
_OK = re.compile(r"\s*(?:好的?|行|可以|ok(?:ay)?|alright|fine|sure)[，,.!\s]+$", re.I)
_LOOKING = re.compile(r"有没有|有吗|有什么|推荐|is\s+there|are\s+there|do\s+you\s+have|any(?:thing)?\s|or\s+so", re.I)
_CLAUSE = re.compile(r"[。！？!?；;\n]|[，,](?!\d{3})|\.\s")


@dataclass(frozen=True)
class PriceMention:
    turn_index: int
    speaker: str
    amount: Amount
    role: str


def mentions(turns: Iterable[tuple[int, str, str]]) -> list[PriceMention]:
    """Every price mention in a conversation's turns `(index, speaker, text)`, with its role."""
    out: list[PriceMention] = []
    for index, speaker, text in turns:
        for amount in amounts(text):
            out.append(PriceMention(index, speaker, amount, role(speaker, text, amount)))
    return out


def role(speaker: str, text: str, amount: Amount) -> str:
    """The role of one amount in a turn, from the speaker and the words of its clause."""
    clause, before, after = _clause(text, amount)
    near = before[-20:] + " " + after[:14]
    sentence = re.split(r"[。！？!?\n]|\.\s", text[: amount.start])[-1]
    if _DIFFERENCE_BEFORE.search(before[-4:]) or _DIFFERENCE_AFTER.match(after):
        return "other"  # 贵了30块, $50 cheaper: a difference, not a price
    if (
        (_COMPETITOR.search(after[:25]) and re.search(r"\b(?:at|from|on|saw)\b", after[:25]) and speaker != "customer")
        or _COMPETITOR.search(before)
        or (speaker == "customer" and _COMPETITOR_NAMED.search(before))
        or (_COMPETITOR.search(after[:10]) and _COMPETITOR_ZH_SELL.search(after[:12]))
        or (_COMPETITOR.search(sentence) and not _OURS.search(before))
    ):
        return "competitor"
    restated = speaker == "customer" and _RESTATED_STRONG.search(clause)
    fee_near = before[-20:] + " " + after[:18]
    if not restated and _FEE.search(fee_near):
        return "other"
    if restated:
        return "list_price"
    if _PAST.search(sentence) and not re.search(r"现在|now", before, re.I):
        return "other"
    if _OK.fullmatch(text[: amount.start]):
        return "agreed"  # "好的，700给您", "Fine, $975."
    asked = bool(re.match(r"\s*[?？]", text[amount.end + len(after) :]))  # the clause ends in a question mark
    rest = re.split(r"[。！!\n]|\.\s", text[amount.end :])[0]  # the rest of the sentence
    if speaker == "customer" and (amount.low is None or amount.high is None or amount.low != amount.high):
        return "budget"
    if speaker == "customer" and (
        _CONDITIONAL.search(clause) or _CONDITIONAL.search(rest[:30]) or re.search(r"(?:能做|行|可以)吗\s*[?？]", rest)
    ):
        return "counter_offer"
    agreeing = _AGREED.search(clause) or (_AGREED.search(text) and not _CUSTOMER_COUNTER.search(clause))
    if agreeing and not asked:
        return "agreed"
    if speaker == "customer":
        looking = amount.low is None or amount.high is None or _LOOKING.search(clause)
        if _CUSTOMER_COUNTER.search(clause) or (asked and not looking and not _RESTATED.search(before)):
            budgeted = any(m.end() > len(before) - 8 for m in _BUDGET.finditer(before))
            return "budget" if budgeted else "counter_offer"
        if amount.low is None or amount.high is None or _BUDGET.search(near):
            return "budget"
        return "list_price" if _RESTATED.search(clause) else "budget"
    if _AGENT_COUNTER.search(clause) or re.match(r"\s*(?:可以|不行)", after):
        return "counter_offer"
    return "list_price"


def _clause(text: str, amount: Amount) -> tuple[str, str, str]:
    """The clause an amount stands in, and its words before and after the amount."""
    starts = [m.end() for m in _CLAUSE.finditer(text, 0, amount.start)]
    begin = starts[-1] if starts else 0
    stop = _CLAUSE.search(text, amount.end)
    end = stop.start() if stop else len(text)
    return text[begin:end], text[begin : amount.start], text[amount.end : end]


@dataclass(frozen=True)
class PriceRange:
    low: float | None
    high: float | None
    currency: str


def acceptable_range(found: Sequence[PriceMention]) -> PriceRange | None:
    """What the customer will pay: their budget bounds, their own offers and the agreed price, or None when unsaid."""
    said = [
        m for m in found if m.role in ("budget", "agreed") or (m.role == "counter_offer" and m.speaker == "customer")
    ]
    if not said:
        return None
    currency = said[0].amount.currency
    said = [m for m in said if m.amount.currency == currency]
    lows = [
        m.amount.low for m in said if m.role == "budget" and m.amount.low is not None and m.amount.low != m.amount.high
    ]
    # the top: the price agreed, else the customer's stated ceiling, else the highest they said
    agreed = [m.amount.high for m in said if m.role == "agreed" and m.amount.high is not None]
    ceilings = [
        m.amount.high for m in said if m.role == "budget" and m.amount.low is None and m.amount.high is not None
    ]
    highs = agreed or ceilings or [m.amount.high for m in said if m.amount.high is not None]
    top = max(agreed) if agreed else min(ceilings) if ceilings else max(highs) if highs else None
    return PriceRange(min(lows) if lows else None, top, currency)


def label(mention: PriceMention) -> str:
    """The stored label of a mention: `role:low-high:currency`, an open end left empty (`budget:-3000:CNY`)."""
    a = mention.amount
    return f"{mention.role}:{_num(a.low)}-{_num(a.high)}:{a.currency}"


def range_label(r: PriceRange) -> str:
    return f"{_num(r.low)}-{_num(r.high)}:{r.currency}"


def parse_label(value: str) -> tuple[str, float | None, float | None, str]:
    """A stored price label back as (role, low, high, currency); a range label has the role ''."""
    parts = value.split(":")
    role_, bounds, currency = (parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", parts[0], parts[1])
    low, _, high = bounds.partition("-")
    return role_, float(low) if low else None, float(high) if high else None, currency


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")
