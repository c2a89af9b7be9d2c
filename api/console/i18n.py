"""The console's words in Chinese and English (`messages.yaml`: one key, both languages side by side).

`translator("zh")("nav.assist")` -> "坐席助手"; `{name}` placeholders are filled from keyword arguments. A key
missing from the file shows as itself, and a test checks that every key the templates use is there in both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MESSAGES = Path(__file__).parent / "messages.yaml"
Translate = Callable[..., str]


@cache
def messages() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    return loaded


def translator(language: str) -> Translate:
    table = messages()

    def t(key: str, **values: Any) -> str:
        text = table.get(key, {}).get(language) or key
        return text.format(**values) if values else text

    return t


def language_of(accept_language: str | None) -> str:
    """For a visitor not signed in: the browser's first choice of zh or en (default zh)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh"
    return "zh"
