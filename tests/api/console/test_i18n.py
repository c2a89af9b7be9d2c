"""Every word the console shows exists in Chinese and English, and each page speaks its user's language."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

import api.console
from api.console.i18n import language_of, messages, translator
from tests.api.console.conftest import sign_in

HERE = Path(api.console.__file__).parent
FIXED = re.compile(r"""\bt\('([a-z0-9_.]+)'[,)]""")  # t('nav.assist') or t('andon.customers', n=...)
PREFIXED = re.compile(r"""\bt\('([a-z0-9_.]+\.)' ~""")  # t('wo.status.' ~ o.status)
FLASHED = re.compile(r"""ok=f?"([a-z_.{}]+)"|error="([a-z_.]+)\"""")


def test_every_key_used_has_both_languages() -> None:
    table = messages()
    assert all(set(v) == {"zh", "en"} and all(v.values()) for v in table.values())
    templates = "".join(p.read_text(encoding="utf-8") for p in (HERE / "templates").glob("*.j2"))
    used = set(FIXED.findall(templates))
    sources = "".join(p.read_text(encoding="utf-8") for p in HERE.rglob("*.py"))
    for ok, error in FLASHED.findall(sources):
        key = ok or error
        if "{" in key:
            used |= {k for k in table if k.startswith(key.split("{")[0])}
        else:
            used.add(key)
    missing = sorted(k for k in used if k not in table)
    assert missing == []
    for prefix in set(PREFIXED.findall(templates)):
        assert any(k.startswith(prefix) for k in table), prefix


def test_placeholders_match_between_languages() -> None:
    for key, text in messages().items():
        assert set(re.findall(r"{(\w+)}", text["zh"])) == set(re.findall(r"{(\w+)}", text["en"])), key


def test_language_choice() -> None:
    assert translator("zh")("nav.andon") == "安灯" and translator("en")("nav.andon") == "Andon board"
    assert translator("en")("list.page", n=3) == "Page 3"
    assert translator("en")("no.such.key") == "no.such.key"
    assert language_of("en-GB,en;q=0.8") == "en" and language_of("zh-CN,zh;q=0.9") == "zh" and language_of(None) == "zh"


def test_a_user_switches_language(web: TestClient) -> None:
    csrf = sign_in(web, "qa")  # English
    assert "Quality inspection" in web.get("/console/qa").text
    web.post(
        "/console/language", data={"lang": "zh", "csrf": csrf}, headers={"referer": "http://testserver/console/qa"}
    )
    page = web.get("/console/qa")
    assert "质检" in page.text and 'lang="zh-CN"' in page.text
    web.post("/console/language", data={"lang": "en", "csrf": csrf})
    assert "Quality inspection" in web.get("/console/qa").text
