"""Chinese or English: the one place that decides a text's language, finds Chinese characters and segments them.

Every package asks here (ingest for a conversation's language, knowledge for documents and questions, insights for
features and quotes, the masker's name finder), so "Chinese" means the same thing everywhere and jieba's dictionary
is loaded once per process.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any, Literal

Language = Literal["zh", "en"]

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # extension A, the unified block, compatibility ideographs
CJK_CHAR = re.compile(f"[{CJK}]")
CJK_RUN = re.compile(f"[{CJK}]+")
_LATIN = re.compile(r"[A-Za-z]")
# one Chinese character carries about as much as a short English word; at this weight a mixed text whose Latin
# letters are mostly a product name ("AquaPure X3 滤芯座漏水") is Chinese
_CHAR_WEIGHT = 4

_jieba_lock = threading.Lock()
_jieba_module: Any = None


def has_cjk(text: str) -> bool:
    return CJK_CHAR.search(text) is not None


def cjk_count(text: str) -> int:
    return len(CJK_CHAR.findall(text))


def detect_language(text: str) -> Language | None:
    """'zh' when Chinese characters make up a fair share of the letters, 'en' for Latin script, else None."""
    cjk, latin = cjk_count(text), len(_LATIN.findall(text))
    if cjk == 0 and latin == 0:
        return None
    return "zh" if cjk * _CHAR_WEIGHT >= latin else "en"


def jieba() -> Any:
    """The jieba module with its dictionary loaded (once per process, thread-safe, quietly)."""
    global _jieba_module
    if _jieba_module is None:
        with _jieba_lock:
            if _jieba_module is None:
                import jieba as module

                module.setLogLevel(logging.WARNING)
                module.initialize()  # loads the dictionary now, not on the first request's clock
                _jieba_module = module
    return _jieba_module


def segments(text: str) -> Iterator[tuple[str, bool]]:
    """The text cut into Chinese runs and the stretches between them: (piece, is_chinese), in order."""
    pos = 0
    for m in CJK_RUN.finditer(text):
        if m.start() > pos:
            yield text[pos : m.start()], False
        yield m.group(), True
        pos = m.end()
    if pos < len(text):
        yield text[pos:], False
