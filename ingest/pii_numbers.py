"""Numbers people write and say: grouped digit runs, spoken digits, and the checks that tell PII from product codes.

A *run* is digits split into groups by single separators (space, dash, dot, comma, 、), as IDs, cards and phones are
written (`320102 19870514 002X`, `6226.0933.8174.5207`, ASR's `幺，五，九…` once read as digits). Every contiguous
slice of a run's groups is tried, longest first, against the validators; so one run can hold a date and a phone.

What keeps near-misses: validation (ID check digit and birth date, Luhn and a card-network prefix, numbering plans),
GS1 barcodes (a 13-digit number with a valid EAN check digit is a product code, even when it also passes Luhn), and
the nearest label before the number (订单号, 条码, tracking, SKU... against 卡号, 身份证, 手机, card, phone...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

NumberKind = Literal["PHONE", "ID_CARD", "BANK_CARD"]

_GROUP = r"\d+"
_SEP = r"(?: ?[,、\-] ?|[ .])"
RUN = re.compile(rf"(?<![0-9A-Za-z]){_GROUP}(?:{_SEP}{_GROUP})*(?:[Xx](?![0-9A-Za-z]))?(?![0-9A-Za-z])")
_GROUPS = re.compile(r"\d+[Xx]?")

_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|35|6)")
_CN_MOBILE = re.compile(r"^(?:(?:00)?86)?1[3-9]\d{9}$")
_CN_LANDLINE = re.compile(r"^0(?:10|2\d|[3-9]\d{2})[1-9]\d{6,7}$")
_CN_LANDLINE_INTL = re.compile(r"^(?:00)?86(?:10|2\d|[3-9]\d{2})[1-9]\d{6,7}$")  # 86 alone only after a '+'
_CN_LANDLINE_0086 = re.compile(r"^0086(?:10|2\d|[3-9]\d{2})[1-9]\d{6,7}$")
TOLL_FREE = frozenset({"800", "888", "877", "866", "855", "844", "833"})  # NANP company lines, not a person's
# as 3-3-4 (or 1-3-3-4) groups: 415 555 0176; not toll-free
_NANP_GROUPED = re.compile(r"^1?(?!400|800|888|877|866|855|844|833)[2-9]\d{2}[2-9]\d{6}$")
_INTL_SPOKEN = re.compile(r"^00(?:1|44|86|852|61|65|81|82|49|33)\d{8,11}$")  # "double oh four four ..."
_UK = re.compile(r"^0(?:7\d{9}|[12]\d{8,9})$")
_CC_BEFORE = re.compile(r"(?:\(\+?(?:00)?86\)|\+?(?:00)?86|\+)[ \-]?$")

# the nearest label before a number decides between "personal" and "product code" when the digits could be either
_KEEP_LABEL = (
    r"订单号码|运单号码|快递号码|物流号码|单号码|发票号码|序列号码|商品号码|订单|单号|运单|快递|物流|条码|条形码|"
    r"货号|编号|序列号|序号|批次|发票|型号|工单|流水号|交易号|商品码|串号|"
    r"(?<![A-Za-z])(?:(?:order|tracking|invoice|ticket|serial)(?: id| no\.?| number| num| #)?|"
    r"waybill|barcode|bar code|ean|upc|jan|isbn|sku|ref|reference|model|batch|imei|meid|s/n|sn)(?![A-Za-z])"
)
_PII_LABEL = (
    r"银行卡|卡号|卡|账号|账户|身份证|证件|实名|手机|电话|座机|号码|联系|来电|微信|打|拨|致电|短信|"
    r"本人|收件人|投诉人|"
    r"(?<![A-Za-z])(?:card|account|acct|id|identity|phone|ph|mobile|cell|tel|call|ring|text|contact|"
    r"number is|my number)(?![A-Za-z])"
)
_PHONE_LABEL = re.compile(r"手机|电话|座机|号码|来电|致电|短信|phone|ph|mobile|cell|tel|call|ring|text|my number")
_LABELS = re.compile(rf"(?P<keep>{_KEEP_LABEL})|(?P<pii>{_PII_LABEL})", re.IGNORECASE)
_LABEL_WINDOW = 24


@dataclass(frozen=True)
class NumberSpan:
    start: int
    end: int
    kind: NumberKind


def luhn_ok(digits: str) -> bool:
    from stdnum import luhn

    return bool(luhn.is_valid(digits))


def gs1_ok(digits: str) -> bool:
    """EAN-13 / UPC-A check digit (GS1 General Specifications, weights 3 and 1 from the right)."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def id_ok(value: str) -> bool:
    """18-character resident ID (GB 11643-1999): check digit (ISO 7064 MOD 11-2) and a real birth date; region codes
    change over time, so they are not checked."""
    from datetime import date

    from stdnum.cn import ric

    value = value.upper()
    if not re.fullmatch(r"\d{6}(?:19|20)\d{9}[\dX]", value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return bool(ric.calc_check_digit(value) == value[17])


def classify_digits(compact: str) -> NumberKind | None:
    """What a digit string (separators removed) would be if it is personal data at all."""
    if len(compact) == 18 and id_ok(compact):
        return "ID_CARD"
    if not compact.isdigit():
        return None
    if _CN_MOBILE.match(compact) or _CN_LANDLINE.match(compact) or _UK.match(compact):
        return "PHONE"
    if 13 <= len(compact) <= 19 and _CARD_PREFIX.match(compact) and luhn_ok(compact):
        if len(compact) == 13 and gs1_ok(compact):
            return None  # an EAN-13 barcode: 13-digit cards are rare, barcodes that pass Luhn are not
        return "BANK_CARD"
    return None


def labelled_as_code(norm: str, start: int) -> bool:
    """True when the nearest label before `start` names an order, barcode, tracking or model number."""
    window = norm[max(0, start - _LABEL_WINDOW) : start]
    labels = list(_LABELS.finditer(window))
    return bool(labels) and labels[-1].group("keep") is not None


def labelled_as_phone(norm: str, start: int) -> bool:
    """True when the nearest label before `start` names a phone (phone, ph=, tel, 电话, 手机...)."""
    window = norm[max(0, start - _LABEL_WINDOW) : start]
    labels = list(_LABELS.finditer(window))
    return bool(labels) and _PHONE_LABEL.fullmatch(labels[-1].group().lower()) is not None


def find_numbers(norm: str, text: str | None = None) -> Iterator[NumberSpan]:
    """Personal numbers in normalised text (digits already ASCII), as spans of `norm` (and of `text`, the original,
    which tells a digit written as such from a Chinese numeral of an ordinary word: 17709283346一直)."""
    for run in RUN.finditer(norm):
        groups = [(g.start() + run.start(), g.end() + run.start()) for g in _GROUPS.finditer(run.group())]
        found = list(_slices(norm, groups))
        if not found and text is not None:
            groups = [_trim_words(text, s, e) for s, e in groups]
            found = list(_slices(norm, [g for g in groups if g[1] > g[0]]))
        for span in found:
            end = _extension_end(norm, span)
            yield NumberSpan(span.start, end, span.kind) if end != span.end else span


def plausible_grouping(sizes: list[int]) -> bool:
    """How people group a number: one block, digit by digit (read aloud), or blocks of two or more with a shorter
    last one (3-4-4, 6-8-4, 4-4-4-4-3, 10 6512 3478). An IP address (192.168.10.254) or 1-800-555-0100 is none."""
    if len(sizes) == 1 or all(n == 1 for n in sizes):
        return True
    if len(sizes) >= 4 and max(sizes) <= 3:
        return False  # 192.168.10.254, 1.2.3.4: addresses and versions
    body = sizes[1:-1] if sizes[0] in (1, 2, 4) else sizes[:-1]  # after a leading 1 / 86 / 0086
    return all(n >= 2 for n in body)


_ZH_NUMERALS = frozenset("零〇洞一二三四五六七八九幺两")
EXTENSION = re.compile(r"(?: ?[\-转] ?|(?: ext\.? | x))\d{1,5}(?![0-9A-Za-z])")


def _trim_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop Chinese numerals glued to the ends of Arabic digits: the 一 of 一直, the 两 of 两天."""
    while end - start > 1 and text[end - 1] in _ZH_NUMERALS and text[end - 2] not in _ZH_NUMERALS:
        end -= 1
    while end - start > 1 and text[start] in _ZH_NUMERALS and text[start + 1] not in _ZH_NUMERALS:
        start += 1
    return start, end


def _extension_end(norm: str, span: NumberSpan) -> int:
    """A landline's extension (021-58836102-815, 转8012, ext. 204) belongs to the number."""
    if span.kind != "PHONE" or norm[span.start] not in "0(+":
        return span.end
    m = EXTENSION.match(norm, span.end)
    return m.end() if m else span.end


def _grouped_phone(compact: str, sizes: list[int], before: str) -> NumberKind | None:
    """Phones recognisable only by how they are grouped or prefixed."""
    if _CN_LANDLINE_0086.match(compact) or (before == "+" and _CN_LANDLINE_INTL.match(compact)):
        return "PHONE"
    spelled = len(sizes) >= 10 and all(n == 1 for n in sizes)  # "2 0 2 5 5 5 0 1 7 8", read digit by digit
    if (sizes in ([3, 3, 4], [1, 3, 3, 4]) or spelled) and _NANP_GROUPED.match(compact):
        return "PHONE"
    return None


def _slices(norm: str, groups: list[tuple[int, int]]) -> Iterator[NumberSpan]:
    i = 0
    while i < len(groups):
        for j in range(len(groups) - 1, i - 1, -1):
            compact = "".join(norm[s:e] for s, e in groups[i : j + 1])
            if len(compact) > 21 or not plausible_grouping([e - s for s, e in groups[i : j + 1]]):
                continue  # (sizes are recomputed below for the grouped-phone shapes)
            sizes = [e - s for s, e in groups[i : j + 1]]
            # a lone leading digit is a NANP country code (1-212-555-0199): never the start of a mainland number
            nanp_only = sizes[0] == 1 and not all(n == 1 for n in sizes)
            before = norm[groups[i][0] - 1 : groups[i][0]]
            kind = (None if nanp_only else classify_digits(compact)) or _grouped_phone(compact, sizes, before)
            nanp = len(compact) == 10 and _NANP_GROUPED.match(compact)
            if kind is None and j == i and nanp and labelled_as_phone(norm, groups[i][0]):
                kind = "PHONE"  # ph=3129453238: ten plain digits are a phone only when a phone label says so
            # an order, barcode or tracking label can make an ungrouped number a code (grouped ones are written for
            # people: 360102 19720708 1381); a mainland mobile stays a phone
            ungrouped_or_not_id = j == i or kind != "ID_CARD"
            code = ungrouped_or_not_id and not _CN_MOBILE.match(compact) and labelled_as_code(norm, groups[i][0])
            if kind is None or code:
                continue
            start, end = groups[i][0], groups[j][1]
            if kind == "PHONE":
                prefix = _CC_BEFORE.search(norm, max(0, start - 8), start)
                start = prefix.start() if prefix else start
            yield NumberSpan(start, end, kind)
            i = j
            break
        i += 1


# ---------------------------------------------------------------- spoken English digits ("oh", "double five")

_WORD_DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_TOKEN = r"(?:\+?\d{1,5}|zero|oh|one|two|three|four|five|six|seven|eight|nine|(?:double|triple) \w+)"
SPOKEN_RUN = re.compile(rf"(?<![\w+]){_TOKEN}(?:[ ,\-]+{_TOKEN})+(?!\w)", re.IGNORECASE)
_SPOKEN_TOKEN = re.compile(_TOKEN, re.IGNORECASE)
_NANP = re.compile(r"^1?[2-9]\d{2}[2-9]\d{6}$")


def _token_digits(token: str) -> str | None:
    word = token.lower().lstrip("+")
    if word.isdigit():
        return word
    if " " in word:
        times, _, digit = word.partition(" ")
        d = _WORD_DIGITS.get(digit)
        return d * (2 if times == "double" else 3) if d else None
    return _WORD_DIGITS.get(word)


def find_spoken_numbers(text: str) -> Iterator[tuple[int, int, NumberKind]]:
    """Numbers read aloud in English, at least partly in words: phones ('two one two, five five five, oh one nine
    nine', 'triple five', '139 2157 double four oh six'), card and ID numbers read in groups. Pure digit runs are
    the run scanner's."""
    for run in SPOKEN_RUN.finditer(text):
        tokens = [
            (t.start() + run.start(), t.end() + run.start(), t.group()) for t in _SPOKEN_TOKEN.finditer(run.group())
        ]
        digits = [_token_digits(t) for _, _, t in tokens]
        i = 0
        while i < len(tokens):
            for j in range(len(tokens) - 1, i, -1):
                part = digits[i : j + 1]
                if any(d is None for d in part) or all(t.lstrip("+").isdigit() for _, _, t in tokens[i : j + 1]):
                    continue
                compact = "".join(d for d in part if d)
                kind: NumberKind | None = None
                if any(p.match(compact) for p in (_NANP, _CN_MOBILE, _UK, _INTL_SPOKEN)):
                    kind = "PHONE"
                elif len(compact) >= 13:
                    kind = classify_digits(compact)
                if kind is not None:
                    yield tokens[i][0], tokens[j][1], kind
                    i = j
                    break
            i += 1
