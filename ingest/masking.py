"""Personal-data masking, Chinese and English forms, before anything is stored, embedded, logged or shown.

Detected: e-mail addresses; mainland mobile and landline numbers; 18-digit resident ID numbers (check digit and
birth date validated); bank card numbers (Luhn and a card-network prefix); English-format phone numbers (+1, +44,
(212) 555-0199 ...). Each becomes a typed placeholder: [EMAIL] [PHONE] [ID_CARD] [BANK_CARD].

Validation is what keeps near-misses (order numbers, amounts, tracking and model numbers) unmasked: a digit run is
masked only when it is a well-formed number of one of these kinds. Chinese numerals and full-width digits, as ASR
and IMEs produce them (一三八…, 幺, １３８), are read as digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PiiKind = Literal["EMAIL", "PHONE", "ID_CARD", "BANK_CARD"]


@dataclass(frozen=True)
class PiiSpan:
    start: int
    end: int
    kind: PiiKind
    value: str


# one character in, one character out, so spans found in the normalised text index the original
_DIGITS = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **dict(zip("零〇一二三四五六七八九", "00123456789", strict=True)),
        "幺": "1",
        "两": "2",
        "＠": "@",
        "．": ".",
        "－": "-",
        "＋": "+",
        "（": "(",
        "）": ")",
    }
)

_SEP = r"[ \-]?"
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_SPOKEN_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._-])[A-Za-z0-9._-]+(?: dot [A-Za-z0-9_-]+)* at "
    r"[A-Za-z0-9-]+(?: dot [A-Za-z0-9-]+)* dot (?:com|net|org|cn|co)\b",
    re.IGNORECASE,
)
_CN_MOBILE = re.compile(rf"(?<![0-9A-Za-z+])(?:(?:\+|00)86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)")
_CN_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(?:\(0\d{2,3}\)|0(?:10|2\d|[3-9]\d{2}))[ \-]?[1-9]\d{2,3}[ \-]?\d{4}(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z-])\d(?:[ \-]?\d){12,18}(?![0-9A-Za-z])")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|35|6)")
# +CC then groups, or a US/UK local format with separators; a bare digit run is never an "English phone"
_INTL_PHONE = re.compile(
    r"(?<![0-9A-Za-z+])\+(?:1|44|61|65|852|853|886|81|82|49|33)[ \-.]?\(?\d{1,4}\)?(?:[ \-.]?\d{2,4}){2,4}(?!\d)"
)
# 400/800 numbers are company service lines, not personal data
_US_PHONE = re.compile(r"(?<![0-9A-Za-z])(?!(?:400|800)[\-.])(?:\(\d{3}\)\s?|\d{3}[\-.])\d{3}[\-.]\d{4}(?!\d)")


def _luhn_ok(digits: str) -> bool:
    from stdnum import luhn

    return bool(luhn.is_valid(digits))


def _id_ok(value: str) -> bool:
    """Check digit (ISO 7064 MOD 11-2) and a real birth date; region codes change over time, so not checked."""
    from datetime import date

    from stdnum.cn import ric

    value = value.upper()
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return bool(ric.calc_check_digit(value) == value[17])  # takes the whole number, check digit included


def find_pii(text: str) -> list[PiiSpan]:
    """Non-overlapping personal-data spans, in text order."""
    norm = text.translate(_DIGITS)
    found: list[PiiSpan] = []
    taken = [False] * len(text)

    def add(start: int, end: int, kind: PiiKind) -> None:
        if any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        found.append(PiiSpan(start, end, kind, text[start:end]))

    for m in _EMAIL.finditer(norm):
        add(m.start(), m.end(), "EMAIL")
    for m in _SPOKEN_EMAIL.finditer(norm):
        add(m.start(), m.end(), "EMAIL")
    for m in _ID_CARD.finditer(norm):
        if _id_ok(m.group()):
            add(m.start(), m.end(), "ID_CARD")
    for m in _CARD.finditer(norm):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and _luhn_ok(digits):
            add(m.start(), m.end(), "BANK_CARD")
    for pattern in (_CN_MOBILE, _INTL_PHONE, _CN_LANDLINE, _US_PHONE):
        for m in pattern.finditer(norm):
            add(m.start(), m.end(), "PHONE")
    return sorted(found, key=lambda s: s.start)


def mask_text(text: str) -> str:
    """Replace personal data with typed placeholders such as [PHONE] and [EMAIL]."""
    if not text:
        return text
    out = text
    for span in reversed(find_pii(text)):
        out = out[: span.start] + f"[{span.kind}]" + out[span.end :]
    return out
