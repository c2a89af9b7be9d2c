"""Money amounts in Chinese and English text: `amounts(text)` finds each one with its span, bounds and currency.

Forms read: ¥259, 259元, 259块(钱), 九块九, 两千五, 一万二, 3.5万, 三四千, 五到六千, 1800-2000元,
2000左右, 3000以内, 不超过五千; $349, $1,299.99, 349 dollars, 300 bucks, 5k, $5k, "under $300",
"between $200 and $250", "at least $1,000", "fifty bucks". A bound word makes an open range (以内, under: no
low; 以上, at least: no high); an approximation (左右, 出头, about) keeps the number.

Numbers that are not money are left alone: dates and times, phone-like digit runs, order and model numbers
(#88231, 订单号..., R7, LM-WP300), quantities and measures (3台, 45分贝, 2 units), percentages and discounts
(92折, 20% off). A bare number with no currency counts only with a money word nearby (价, 预算, 贵, price,
budget, pay...), a 万/千/k, or a bound word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an


@dataclass(frozen=True)
class Amount:
    text: str  # the span as written, bound words included
    start: int
    end: int
    low: float | None  # None: open below ("under $300")
    high: float | None  # None: open above ("at least $1,000")
    currency: str  # CNY, USD, EUR or GBP
    marked: bool  # a currency sign or word was written (else a money word nearby let it count)


_ZH_DIGITS = "零〇一二两三四五六七八九"
_ZH_NUM = f"[{_ZH_DIGITS}十百千万]+"
_AR_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_EN_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000}
_EN_WORD_NUM = (
    r"(?<![A-Za-z])(?:a(?=[\s-]+(?:hundred|thousand|grand))|"  # "a" only in "a hundred", "a thousand"
    + "|".join(sorted(_EN_WORDS, key=len, reverse=True))
    + r")(?:[\s-]+(?:and\s+)?(?:"
    + "|".join(sorted([*_EN_WORDS, *_EN_SCALES], key=len, reverse=True))
    + r"))*(?![A-Za-z])"
)

_NUMBER = rf"(?:{_AR_NUM}|{_ZH_NUM})"
_MULT = r"(?:[kK](?![a-zA-Z])|千|万|w(?![a-zA-Z]))"  # 3w = 3万 (a lower-case w; 1200W is watts)
_PREFIX_CUR = r"(?:US\$|USD\s?|RMB\s?|CNY\s?|人民币\s?|[¥￥$€£])"
_SUFFIX_CUR = (
    r"(?:块钱|块|元钱|元|圆|人民币|RMB|rmb|美元|美金|刀|\s?(?:dollars?|bucks?|usd|USD|euros?|pounds?|quid|yuan|RMB))"
)
_AMOUNT = rf"{_PREFIX_CUR}?\s?{_NUMBER}\s?{_MULT}?"
# 三四千, 五六百: two neighbouring digits and a unit, a range
_ZH_PAIR = rf"[{_ZH_DIGITS[2:]}]{{2}}[十百千万]"
_RANGE_SEP = r"\s?(?:到|至|~|～|-|–|—|－|或|to)\s?"
_OPEN_ABOVE_BEFORE = (
    r"(?:至少|最少|起码|不低于|不少于|at\s+least|more\s+than|over|above|upwards\s+of|north\s+of|min(?:imum)?)"
)
_OPEN_BELOW_BEFORE = (
    r"(?:不超过|不超|不到|最多|最高|顶多|封顶|上限是|上限|低于|少于|小于|控制在|under|below|less\s+than|no\s+more\s+than|not\s+more\s+than|"
    r"at\s+most|up\s+to|max(?:imum)?|within|tops|(?:limit|cap|ceiling)\s+(?:is|of)|cheaper\s+than|no\s+higher\s+than|not\s+over|no\s+over)"
)
_OPEN_BELOW_AFTER = (
    r"(?:以内|以下|之内|之下|不到|内|封顶|or\s+less|or\s+under|or\s+below|max|tops|at\s+most|and\s+under)"
)
_OPEN_ABOVE_AFTER = r"(?:以上|之上|起步|起|or\s+more|and\s+up|plus|or\s+above|\+)"
_APPROX_AFTER = r"(?:左右|上下|出头|多|来|ish|-ish)"

_NEGATED = re.compile(
    r"(?:can'?t|cannot|won'?t|not|never|don'?t|shouldn'?t)\s+(?:\w+\s+){0,3}$|不能|不会|不想|不可能|别", re.IGNORECASE
)
_CURRENCY_OF = {"$": "USD", "US$": "USD", "USD": "USD", "€": "EUR", "£": "GBP"}


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: "\x00" * len(m.group(0)), text)


# spans that are never money: masked out (same length) before amounts are looked for
_NOT_MONEY = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"(?<![\d,.$¥￥])(?:\d{4}\s?[-/.年]\s?\d{1,2}(?:\s?[-/.月]\s?\d{1,2}\s?[日号]?)?|\d{1,2}/\d{1,2}(?:/\d{2,4})?)"
        r"(?![\d.]|\s?(?:元|块|万|千|[kK]\b))",  # 2024-06-18, 2024年3月, 11/28
        r"(?<!\d)\d{1,2}\s?月\s?(?:\d{1,2}|[一二三四五六七八九十]{1,3})?\s?[日号]?",  # 6月18号
        r"(?<![\d.])\d{1,2}\s?[号日](?![\d元块])",  # 18号
        r"(?<!\d)\d{1,2}\s?[:：]\s?\d{2}(?:\s?[ap]\.?m\.?)?",  # 3:30pm
        r"(?<![\d$¥])\d{1,2}\s?(?:[ap]\.?m\.?)(?![a-z])",  # 3pm
        r"(?:[上下]午|晚上|早上|凌晨|中午)\s?(?:\d{1,2}|[一二三四五六七八九十两]{1,3})\s?[点:：时](?:\s?\d{1,2}\s?分?|半)?",
        r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
        r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?(?!\d)",
        r"\d{1,2}(?:st|nd|rd|th)\b",
        r"\+?\d{1,4}[\s-]?\(?\d{2,4}\)?[\s-]\d{3,4}[\s-]\d{3,4}",  # 138 0013 8000, 400-820-8820
        r"(?<![\d$.,])\d{3}-\d{4}(?!\d)",  # 555-0143
        r"(?<![\d$¥￥.,])\d{7,}(?![\d.,]*\s?(?:元|块|美元|dollars?|bucks?))",  # long digit runs: ids, phones
        r"(?:#|no\.|№)\s?[\w-]*\d[\w-]*",  # #88231, No. 4521
        r"(?:订单号?|单号|工单号?|编号|型号|货号|序列号|批次号?|房间|房号|工号|ticket|order|case|ref(?:erence)?|model|"
        r"invoice|account|room|suite|flight|serial|sku|part|item|tracking)\s?(?:number|no\.?|id|#)?\s?[:：]?\s?"
        r"[A-Za-z\-]*\d[\w\-]*",
        r"[A-Za-z]+[\-_]?\d+[A-Za-z\d\-_]*|\d+[A-Za-z]{2,}\d*(?<![kK])",  # R7, X3, LM-WP300, 3rd
        r"(?<![\d.])(?:19|20)\d{2}\s?(?:年|款|版|年款|model|edition)",  # 2023款, 2024年
        r"双十一|双十二|双11|双12|618大促|\b618\b|黑五|black\s+friday",  # shopping festivals are dates
    )
]
# a number directly followed by one of these is a quantity or a measure
_UNIT_AFTER = re.compile(
    r"\s?-?(?:%|％|percent|折|成(?![交本])|台|个|只|件|套|张|支|箱|包(?![安邮运送装])|盒|瓶|袋|片|条|根|次|遍|回|趟|天|周|星期|礼拜|年|月|日|号|"
    r"点(?!\d)|分钟|分(?!钱)|秒|小时|钟头|平米|平方|平|米|厘米|毫米|公分|寸|英寸|升|毫升|瓦|千瓦|度|斤|公斤|克|人|位|楼|层|"
    r"室|厅|星|颗|款|代|档|级|倍|岁|排|站|座|路|公里|间|户|家|期|页|项|组|批|支|km|kg|mm|cm|ml|mAh|GB|G|TB|T(?![a-z])|W|Pa|dB|分贝|"
    r"(?:units?|items?|pieces?|pcs|days?|weeks?|months?|years?|yrs?|hours?|hrs?|minutes?|mins?|seconds?|secs?|inch(?:es)?|"
    r"in\b|feet|foot|ft|sq|square|meters?|metres?|m\b|watts?|liters?|litres?|l\b|gallons?|pounds?\s+of|lbs?|kgs?|dB|"
    r"decibels?|times|stars?|rooms?|floors?|people|persons?|guests?|licen[cs]es?|devices?|users?|filters?|bottles?|"
    r"boxes?|packs?|orders?|calls?|tickets?|models?|sets?|bags?|miles?|am|pm|x\b|th\b|st\b|nd\b|rd\b|off\b|"
    r"by\s+\d|[×x*]\s?\d|M(?:bps|b)?(?![a-zA-Z])|兆|"
    r"(?!bucks|dollars|quid|euros|pounds|grand)[a-z]{2,}s\b))",
    re.IGNORECASE,
)
_MONEY_WORDS = re.compile(
    r"价|钱|费|预算|(?:给|申请|降|优惠|做|让|能|砍|便宜|打)到|贵|便宜|报价|优惠|成交|付|花|卖|买|出|砍|折后|降|元|块|多少|划算|值|"
    r"price|priced|cost|budget|pay|paid|spend|afford|quote|deal|cheap|expensive|offer|sell|sold|charge|fee|"
    r"discount|retail|listed|go\s+for|goes\s+for|asking|bucks|dollars|money|refund|deposit|do\s+it\s+for|"
    r"for\s+(?:only|just)|at\s+(?:only|just)",
    re.IGNORECASE,
)

_CORE = re.compile(
    rf"(?P<pre>{_OPEN_BELOW_BEFORE}|{_OPEN_ABOVE_BEFORE}|大概|大约|约|差不多|about|around|roughly|approximately|approx\.?)?"
    rf"\s?(?:between\s+)?"
    rf"(?P<a>{_ZH_PAIR}|{_PREFIX_CUR}?\s?(?:{_NUMBER}|{_EN_WORD_NUM})\s?{_MULT}?)"
    rf"(?P<cur_a>\s?{_SUFFIX_CUR})?"
    rf"(?:(?P<sep>{_RANGE_SEP}|\s?and\s)(?P<b>{_PREFIX_CUR}?\s?(?:{_NUMBER}|{_EN_WORD_NUM})\s?{_MULT}?))?"
    rf"(?P<cur>\s?{_SUFFIX_CUR})?"
    rf"(?P<jiao>(?<=块)[一二两三四五六七八九](?![十百千万]))?"
    rf"(?P<post>\s?(?:{_OPEN_BELOW_AFTER}|{_OPEN_ABOVE_AFTER}|{_APPROX_AFTER})(?![a-zA-Z]))?",
    re.IGNORECASE,
)


def amounts(text: str) -> list[Amount]:
    """Every money amount in `text`, left to right."""
    masked = text
    for pattern in _NOT_MONEY:
        masked = _blank(masked, pattern)
    found: list[Amount] = []
    for m in _CORE.finditer(masked):
        amount = _read(text, masked, m)
        if amount is not None:
            found.append(amount)
    return found


def _read(text: str, masked: str, m: re.Match[str]) -> Amount | None:
    a = m.group("a")
    b = m.group("b")
    sep = (m.group("sep") or "").strip().lower()
    # "X and Y" is a range only after "between": "$30 and 2 filters" is one amount
    drop_b = b is not None and sep == "and" and "between" not in masked[max(0, m.start() - 9) : m.start("a")].lower()
    if drop_b:
        b = None
        end = m.end("cur_a") if m.group("cur_a") else m.end("a")
        suffix, post, jiao = (m.group("cur_a") or "").strip(), None, None
    else:
        end = m.end()
        suffix = ((m.group("cur") or "") + (m.group("cur_a") or "")).strip()
        post, jiao = m.group("post"), m.group("jiao")
    prefix = _prefix_currency(a) or _prefix_currency(b)
    marked = bool(prefix or suffix)
    unit = _UNIT_AFTER.match(masked[end : end + 12])
    if unit and not suffix and (not prefix or re.match(r"\s?-?(?:%|％|percent|折)", unit.group(0))):
        return None
    pair = re.fullmatch(_ZH_PAIR, a.strip()) is not None
    pre_word = re.sub(r"\s+", " ", (m.group("pre") or "").strip().lower())
    bound_before = bool(re.fullmatch(f"{_OPEN_BELOW_BEFORE}|{_OPEN_ABOVE_BEFORE}", pre_word, re.IGNORECASE))
    bounded = bound_before or bool(post and post.strip() not in ("多", "来"))
    cued = (
        pair
        or _has_mult(a)
        or (b is not None and _has_mult(b))
        or bounded
        or bool(re.search("百", a))
        or _money_nearby(masked, m.start(), end)
        or bool(re.fullmatch(r"\d+\.[49]9|\d+\.95", a.strip()))
    )
    worded = _is_word_number(a) and not re.search(r"hundred|thousand|grand", f"{a} {b or ''}", re.IGNORECASE)
    if not marked and (worded or not cued):
        return None  # a bare number, or "two weeks": money only with a money word, a 万/k or a bound word
    value = 0.0 if pair else _value(a)
    if value is None:
        return None
    low: float | None = value
    high: float | None = value
    if pair:
        first, second = (float(cn2an.cn2an(c, "smart")) for c in a.strip()[:2])
        if second != first + 1:
            return None
        low, high = first * _mult_of(a), second * _mult_of(a)
    elif b is not None:
        top = _value(b)
        if top is None:
            return None
        if not _has_mult(a) and _has_mult(b) and value < 100:
            value *= _mult_of(b)  # 五到六千, 5-6k
        elif (
            _is_word_number(a) and _is_word_number(b) and value < 100 <= top and top % 1000 == 0 and value < top / 1000
        ):
            value *= 1000  # fifteen to twenty thousand
        if top < value:
            return None  # "3-2" is no range
        low, high = value, top
    if jiao:
        low = high = value + float(cn2an.cn2an(jiao, "smart")) / 10  # 九块九
    if not marked and low is not None and (low < 1 or (bounded and not _has_mult(a) and low < 20)):
        return None
    zh = re.fullmatch(_ZH_NUM, a.strip())
    ranged = b is not None and _has_mult(b)
    if not marked and zh and not pair and not ranged and not re.search("[百千万]", a) and len(a.strip()) < 3:
        return None  # 一体, 十一: a Chinese numeral alone is money only with a unit (八百, 两千) or a currency
    if post:
        word = re.sub(r"\s+", " ", post.strip().lower())
        if re.fullmatch(_OPEN_BELOW_AFTER, word, re.IGNORECASE):
            low = None
        elif re.fullmatch(_OPEN_ABOVE_AFTER, word, re.IGNORECASE):
            high = None
    start = m.start("a")
    pre = m.group("pre")
    if pre:
        word = re.sub(r"\s+", " ", pre.strip().lower())
        rose = word == "up to" and re.search(
            r"(?:went|go(?:es|ne)?|rose|jump\w*|increas\w*|rais\w*)\s+$", masked[: m.start()]
        )
        if b is None and re.fullmatch(_OPEN_BELOW_BEFORE, word, re.IGNORECASE) and not rose:
            low, start = None, m.start("pre")
        elif b is None and re.fullmatch(_OPEN_ABOVE_BEFORE, word, re.IGNORECASE):
            if _NEGATED.search(masked[max(0, m.start() - 24) : m.start()]):
                low, start = None, m.start("pre")  # "can't go over $300" is a ceiling
            else:
                high, start = None, m.start("pre")
    span = text[start:end].strip()
    offset = text.find(span, start)
    return Amount(span, offset, offset + len(span), low, high, _currency(prefix, suffix, text), marked)


def _prefix_currency(part: str | None) -> str | None:
    if not part:
        return None
    m = re.match(_PREFIX_CUR, part.strip())
    return m.group(0).strip() if m else None


def _currency(prefix: str | None, suffix: str, text: str) -> str:
    for mark in (prefix or "", suffix):
        mark = mark.strip()
        if mark in _CURRENCY_OF:
            return _CURRENCY_OF[mark]
        low = mark.lower()
        if low.startswith(("dollar", "buck", "usd", "美元", "美金", "刀")):
            return "USD"
        if low.startswith("euro"):
            return "EUR"
        if low.startswith(("pound", "quid")):
            return "GBP"
        if mark:
            return "CNY"
    return "CNY" if re.search(r"[\u4e00-\u9fff]", text) else "USD"


def _has_mult(part: str) -> bool:
    return bool(re.search(rf"{_MULT}\s*$", part.strip())) or bool(re.search(r"[千万]", part))


def _mult_of(part: str) -> float:
    p = part.strip()
    if re.search(r"[kK千]\s*$", p):
        return 1000.0
    if re.search(r"[万w]\s*$", p):
        return 10000.0
    if re.search(r"百\s*$", p):
        return 100.0
    return 1.0


def _is_word_number(part: str) -> bool:
    return bool(re.fullmatch(rf"{_PREFIX_CUR}?\s?{_EN_WORD_NUM}", part.strip(), re.IGNORECASE))


def _value(part: str) -> float | None:
    """The number a written amount stands for (currency sign dropped, multiplier applied)."""
    p = re.sub(rf"^{_PREFIX_CUR}", "", part.strip()).strip()
    if _is_word_number(p):
        return _word_value(p)
    mult = 1.0
    m = re.search(r"([kK]|w)\s*$", p)
    if m:
        mult = 1000.0 if m.group(1) in "kK" else 10000.0
        p = p[: m.start()].strip()
    if re.fullmatch(_AR_NUM, p):
        return float(p.replace(",", "")) * mult
    if re.fullmatch(r"(?:\d+(?:\.\d+)?)\s?[千万]", p):
        return float(p[:-1]) * (1000.0 if p.endswith("千") else 10000.0) * mult
    try:
        value = cn2an.cn2an(p, "smart")
    except (ValueError, KeyError, IndexError):
        return None
    return float(value) * mult


def _word_value(words: str) -> float | None:
    total, current = 0, 0
    for w in re.split(r"[\s-]+", words.lower()):
        if w in ("and", ""):
            continue
        if w == "a":
            current = max(current, 1)
        elif w in _EN_WORDS:
            current += _EN_WORDS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in ("thousand", "grand"):
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
    value = total + current
    return float(value) if value else None


_CUE_BEFORE = (
    r"(?:才|只要|只卖|只需|现在|卖|就|要|抵|收|出|给|花了?|付了?|交了?|定金是?|押金是?|运费是?|按每?[月年]?|算|写着|标着|"
    r"报的是|报了|标的是|每[年月]|(?:这个|那个|这款|那款)|down\s+to|charging)\s?$"
)
_CUE_AFTER = (
    r"\s?(?:可以|不行|真的不行|行吗|行不行|卖吗|能卖吗|卖不卖|成交|下单|给您|给你|吧|就行|能接受|没问题|签|我可以|包安装|包邮|"
    r"一(?:套|台|件|个|张|瓶|箱|年|月)|flat\b|including|all[-\s]in|total|out\s+the\s+door)"
)


def _money_nearby(masked: str, start: int, end: int) -> bool:
    """A money word in the same clause, before or after the number."""
    left = re.split(r"[。！？!?；;\n]", masked[max(0, start - 24) : start])[-1]
    right = re.split(r"[。！？!?；;\n,，]", masked[end : end + 14])[0]
    per_unit_before = re.search(r"[每一]\s?[台个套件只张份位支]\s?$|" + _CUE_BEFORE, left)
    per_unit_after = re.match(
        r"\s?(?:each|per\b|apiece|a\s+(?:piece|unit|seat|month))|" + _CUE_AFTER, right, re.IGNORECASE
    )
    beyond = masked[end : end + 10]  # 一百五，太贵了: a price word just past the comma
    if re.search(r"贵|便宜|划算|锁价|too\s+(?:much|expensive|pricey)|cheaper", beyond, re.IGNORECASE):
        return True
    return bool(_MONEY_WORDS.search(left) or _MONEY_WORDS.search(right) or per_unit_before or per_unit_after)
