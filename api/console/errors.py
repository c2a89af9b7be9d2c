"""Errors on console pages are pages, not JSON: signed out -> the sign-in page; a refused form -> back where it
came from with the reason shown; anything else -> an error page with the status and what to do next."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import Response

from api.console.render import flash, page, redirect

PREFIX = "/console"


def is_console(request: Request) -> bool:
    path = request.url.path
    return (path == PREFIX or path.startswith(PREFIX + "/")) and not path.startswith(PREFIX + "/static/")


def back_to(request: Request) -> str:
    """The page the form was on (same site only), else the console's home."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith(PREFIX):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return PREFIX + "/"


def console_error(request: Request, status: int, code: str, message: str) -> Response:
    if code == "sign_in_required":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        nxt = target if request.method == "GET" else PREFIX + "/"
        return redirect(f"{PREFIX}/signin?next={quote(nxt)}")
    if request.method == "POST" and status in (404, 409, 422):
        return flash(redirect(back_to(request)), "error", message)
    visit = getattr(request.state, "visit", None)
    return page(request, visit, "error.html.j2", http_status=status, status_code=status, message=message)
