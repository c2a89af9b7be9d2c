"""Sign-in, sign-out, the UI language, and each role's home page."""

from __future__ import annotations

import secrets
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Svc
from api.console.errors import back_to
from api.console.render import page, redirect
from api.console.visit import COOKIE, SIGNIN_CSRF_COOKIE, Anyone, same_token, set_cookie
from api.services import Services
from core.errors import AuthError
from core.users import User, authenticate, update_user
from core.web_sessions import Started, end, start

router = APIRouter(prefix="/console", include_in_schema=False)
HOME = {
    "agent": "/console/assist",
    "analyst": "/console/dashboard",
    "qa": "/console/qa",
    "sales_lead": "/console/digest",
    "admin": "/console/admin/users",
}


def _safe_next(value: str | None) -> str | None:
    """Only a console path of this site: never an address elsewhere (an open redirect)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def _form(request: Request, *, next_url: str | None, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        request, None, "signin.html.j2", http_status=status, csrf=token, next_url=next_url or "", error=error
    )
    set_cookie(response, request, request.app.state.settings.console, SIGNIN_CSRF_COOKIE, token)
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str | None = None) -> Response:
    return _form(request, next_url=_safe_next(next))


def _sign_in(svc: Services, username: str, password: str) -> tuple[User, Started]:
    with svc.sessions() as session:
        try:
            user = authenticate(session, username, password)
        finally:
            session.commit()  # a failed try is counted too (ten in a row lock the account)
        started = start(session, user.username, svc.settings.console)
        session.commit()
        return user, started


@router.post("/signin")
async def signin(
    request: Request,
    svc: Svc,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    next_url = _safe_next(next)
    if not same_token(csrf, request.cookies.get(SIGNIN_CSRF_COOKIE, "")):
        return _form(request, next_url=next_url, error="signin.stale", status=403)
    try:
        user, started = await anyio.to_thread.run_sync(_sign_in, svc, username, password)
    except AuthError:
        return _form(request, next_url=next_url, error="signin.refused", status=401)
    request.state.user = user.username
    request.state.role = user.role
    response = RedirectResponse(next_url or HOME[user.role], status_code=303)
    set_cookie(response, request, svc.settings.console, COOKIE, started.token)
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/console")
    return response


@router.post("/signout")
def signout(request: Request, svc: Svc, _: Anyone) -> Response:
    with svc.sessions() as session, session.begin():
        end(session, request.cookies.get(COOKIE, ""))
    response = redirect("/console/signin")
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.post("/language")
def language(request: Request, svc: Svc, visit: Anyone, lang: Annotated[str, Form(pattern="^(zh|en)$")]) -> Response:
    with svc.sessions() as session, session.begin():
        update_user(session, visit.user.username, language=lang)
    return redirect(back_to(request))


@router.get("/")
def home(visit: Anyone) -> Response:
    return redirect(HOME[visit.user.role])


root = APIRouter(include_in_schema=False)


@root.get("/")
def site_root() -> Response:
    return redirect("/console/")
