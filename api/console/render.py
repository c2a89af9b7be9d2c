"""Pages from Jinja2 templates (autoescaped), in the visitor's language, with the one-time notice (flash) of the
last form and the console's security headers. Every text a page shows from the store passes `mask_text` again on
its way out (the `masked` filter), as the report pages do."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.console.i18n import language_of, translator
from core.web_sessions import Visit
from ingest.masking import mask_text

FLASH = "cxloop_flash"
HEADERS = {
    # every asset comes from cxloop itself; inline SVG charts carry their own style attributes
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _when(value: datetime | date | None, tz: str = "UTC") -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
        return aware.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


@cache
def _env() -> Any:
    from pathlib import Path

    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, undefined=StrictUndefined
    )
    from insights.customers.signals import parse_signal_label  # a stored lead_signal label -> (signal, effect)

    env.filters.update(masked=mask_text, when=_when, pct=_pct, signal=parse_signal_label)
    return env


def flash(response: RedirectResponse, kind: str, text: str) -> RedirectResponse:
    """A notice for the next page this browser opens ('ok' or 'error'), then forgotten."""
    response.set_cookie(
        FLASH,
        quote(json.dumps({"kind": kind, "text": text})),
        max_age=60,
        httponly=True,
        samesite="lax",
        path="/console",
    )
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH)
    if not raw:
        return None
    try:
        value = json.loads(unquote(raw))
        return {"kind": str(value["kind"]), "text": mask_text(str(value["text"]))}
    except (ValueError, KeyError, TypeError):
        return None


def redirect(url: str, *, ok: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    return flash(response, "ok", ok) if ok else response


def page(
    request: Request, visit: Visit | None, template: str, *, http_status: int = 200, **context: Any
) -> HTMLResponse:
    settings = request.app.state.settings
    language = visit.user.language if visit else language_of(request.headers.get("accept-language"))
    notice = _read_flash(request)
    t = translator(language)

    def tl(prefix: str, value: str) -> str:
        """A label of the data (an issue, a loss reason) in the UI language, else as it is stored."""
        text = t(prefix + value)
        return value if text == prefix + value else text

    html = (
        _env()
        .get_template(template)
        .render(
            request=request,
            visit=visit,
            user=visit.user if visit else None,
            csrf=visit.csrf if visit else context.pop("csrf", ""),
            lang=language,
            t=t,
            tl=tl,
            tz=settings.flows.timezone,
            notice=notice,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=http_status, headers=HEADERS)
    if notice:
        response.delete_cookie(FLASH, path="/console")
    return response
