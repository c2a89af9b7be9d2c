"""Personal-data masking (Chinese and English forms). Stub: the full detector lands with issue 3."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CN_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(text: str) -> str:
    """Replace personal data with typed placeholders such as [PHONE] and [EMAIL]."""
    return _CN_MOBILE.sub("[PHONE]", _EMAIL.sub("[EMAIL]", text))
