"""Personal-data masking, Chinese and English forms, before anything is stored, embedded, logged or shown.

Detected: e-mail addresses (also spoken: "at ... dot com", 艾特 … 点 com); mainland mobile and landline numbers;
18-digit resident ID numbers (check digit and birth date validated); bank card numbers (Luhn and a card-network
prefix); English-format phone numbers (+1, +44, (212) 555-0199, UK 07xxx, read aloud with "oh" and "double five").
Each becomes a typed placeholder: [EMAIL] [PHONE] [ID_CARD] [BANK_CARD]. With `privacy.mask_names`, Chinese person
names and addresses too ([PERSON] [ADDRESS], `ingest/ner.py`).

Numbers are found however they are grouped or said (`ingest/pii_numbers.py`): spaces, dashes, dots, commas between
groups; Chinese numerals as ASR writes them (一三八…, 幺, 两, 洞), full-width forms. Validation and the label before
a number keep near-misses (order, tracking and model numbers, EAN barcodes, amounts, dates) unmasked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from core.settings import Settings

PiiKind = Literal["EMAIL", "PHONE", "ID_CARD", "BANK_CARD", "PERSON", "ADDRESS"]


@dataclass(frozen=True)
class PiiSpan:
    start: int
    end: int
    kind: PiiKind
    value: str


# one character in, one character out, so spans found in the normalised text index the original
_NORMALISE = str.maketrans(
    {
        **{chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)},  # full-width ASCII: １３８, ＠, ．, ａ-ｚ, （）
        "\u3000": " ",  # ideographic space
        **dict(zip("零〇洞一二三四五六七八九", "000123456789", strict=True)),
        "幺": "1",
        "两": "2",
        "叉": "X",  # the ID's last character read aloud
    }
)

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_NUMBER_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred)"
)
_LOCAL_WORD = r"(?:[A-Za-z0-9](?: [A-Za-z0-9]){2,}(?![A-Za-z0-9])|[A-Za-z0-9._-]+)"  # j o h n spelled (3+), or a word
_TLD = r"(?:com|net|org|cn|co|edu|gov|uk|us|hk|tw|jp|io|info|biz|me)"
# 'linda underscore chen at outlook dot com', 'mike eighty eight at hotmail dot com'
_SPOKEN_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._-]){_LOCAL_WORD}(?:(?: ?下划线 ?| (?:underscore|dot|dash|hyphen|plus) ){_LOCAL_WORD})*"
    rf"(?: {_NUMBER_WORD})* at "
    rf"[A-Za-z0-9-]+(?: dot [A-Za-z0-9-]+)* dot {_TLD}\b",
    re.IGNORECASE,
)
# 'zhangwei 艾特 163 点 com', 'chen jing 艾特 foxmail 点 com', 'wang点xm at 163点com' (digits already normalised)
_DOT = r" ?(?:点|\.|dot) ?"
_JOIN = r" ?(?:点|\.|dot|下划线|underscore|减号|横杠|中划线|杠) ?"
_ZH_SPOKEN_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._-])[A-Za-z0-9_-]+(?:{_JOIN}[A-Za-z0-9_-]+)*(?: [A-Za-z]+)? ?(?:艾特|圈a|@| at ) ?"
    rf"[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}{_TLD}(?![A-Za-z])",
    re.IGNORECASE,
)
_CN_LANDLINE = re.compile(r"(?<![0-9A-Za-z])\(0\d{2,3}\) ?[1-9]\d{2,3}[ \-]?\d{4}(?!\d)")
# +CC then groups, or a US/UK local format with separators; a bare digit run is never an "English phone"
_INTL_PHONE = re.compile(
    r"(?<![0-9A-Za-z+])\+(?:1|44|61|65|852|853|886|81|82|49|33)[ \-.]?\(?\d{1,4}\)?(?:[ \-.]?\d{2,4}){2,4}(?!\d)"
)
# 400/800 numbers are company service lines, not personal data
_US_PHONE = re.compile(
    r"(?<![0-9A-Za-z])(?:\+?1[ \-.])?(?!(?:400|800)[\-.])(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[\-.])\d{3}[\-.]\d{4}(?!\d)"
)


def find_pii(text: str) -> list[PiiSpan]:
    """Non-overlapping personal-data spans, in text order."""
    from ingest.pii_numbers import EXTENSION, TOLL_FREE, find_numbers, find_spoken_numbers

    norm = text.translate(_NORMALISE)
    found: list[PiiSpan] = []
    taken = [False] * len(text)

    def add(start: int, end: int, kind: PiiKind) -> None:
        if any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        found.append(PiiSpan(start, end, kind, text[start:end]))

    for pattern in (_EMAIL, _SPOKEN_EMAIL, _ZH_SPOKEN_EMAIL):
        for m in pattern.finditer(norm):
            add(m.start(), m.end(), "EMAIL")
    for m in _INTL_PHONE.finditer(norm):
        if len(re.sub(r"\D", "", m.group())) >= 9:  # the shortest real one (+65, +852) has 10; '+1.10 100' is no phone
            add(m.start(), m.end(), "PHONE")
    for number in find_numbers(norm, text):
        add(number.start, number.end, number.kind)
    for pattern in (_US_PHONE, _CN_LANDLINE):
        for m in pattern.finditer(norm):
            digits = re.sub(r"\D", "", m.group())
            if pattern is _US_PHONE and digits[-10:-7] in TOLL_FREE:
                continue  # a company's toll-free line, not a person's number
            ext = EXTENSION.match(norm, m.end())
            add(m.start(), ext.end() if ext else m.end(), "PHONE")
    for start, end, kind in find_spoken_numbers(norm):
        add(start, end, kind)
    return sorted(found, key=lambda s: s.start)


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def kind(self) -> str: ...


class EntityFinder(Protocol):
    """Names and addresses a model finds (`ingest.ner.LacEntityFinder`)."""

    def find(self, text: str) -> Sequence[_Span]: ...


def _replace(text: str, spans: Sequence[_Span]) -> str:
    out = text
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        out = out[: span.start] + f"[{span.kind}]" + out[span.end :]
    return out


def mask_text(text: str) -> str:
    """Replace personal data with typed placeholders such as [PHONE] and [EMAIL]."""
    if not text:
        return text
    return _replace(text, find_pii(text))


class Masker:
    """`mask_text`, then names and addresses when an entity finder is given. Build one per batch: the model loads
    once (0.2-0.4 s) and tags a short sentence in about a millisecond."""

    def __init__(self, entities: EntityFinder | None = None) -> None:
        self.entities = entities

    def __call__(self, text: str) -> str:
        masked = mask_text(text)
        if self.entities is None or not masked:
            return masked
        return _replace(masked, self.entities.find(masked))


def masker_for(settings: Settings) -> Masker:
    if not settings.privacy.mask_names:
        return Masker()
    from ingest.ner import LacEntityFinder

    return Masker(LacEntityFinder(threads=settings.privacy.ner_threads))
