"""Who is visiting the console: the session cookie, the role check and the CSRF check, as one FastAPI dependency.

`visitor("analyst")` in a page's signature gives the signed-in `Visit` or refuses: no valid session -> sent to
sign-in; wrong role -> 403 page; a POST without the session's CSRF token (form field `csrf` or header
`X-CSRF-Token`) -> 403. `admin` may open every page.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import Depends, Request, Response

from api.auth import Svc
from api.services import Services
from core.db import transaction
from core.errors import CxloopError, PermissionDenied
from core.settings import ConsoleSettings, Role
from core.web_sessions import Visit, resume

COOKIE = "cxloop_session"
SIGNIN_CSRF_COOKIE = "cxloop_signin_csrf"  # double-submit token of the sign-in form (before any session exists)


class SignInRequired(CxloopError):
    """No valid session: the console sends the visitor to the sign-in page."""

    code = "sign_in_required"
    http_status = 401


def secure(request: Request, settings: ConsoleSettings) -> bool:
    if settings.secure_cookie == "auto":
        return request.url.scheme == "https"
    return settings.secure_cookie == "always"


def set_cookie(response: Response, request: Request, settings: ConsoleSettings, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=secure(request, settings),
        path="/console",
    )


async def csrf_token_of(request: Request) -> str:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    form = await request.form()  # starlette keeps the parsed form for the route's own Form() fields
    value = form.get("csrf")
    return value if isinstance(value, str) else ""


def same_token(presented: str, expected: str) -> bool:
    return bool(presented) and hmac.compare_digest(presented.encode(), expected.encode())


def resume_token(svc: Services, token: str) -> Visit | None:
    """The visit a session cookie stands for, or None (unknown, expired, or its user disabled)."""
    with transaction(svc.sessions) as session:
        return resume(session, token, svc.settings.console)


def may(visit: Visit, roles: tuple[Role, ...]) -> bool:
    """Whether the visitor's role is one of `roles` (admin always is): what a page shows matches what it allows."""
    return visit.user.role in roles or visit.user.role == "admin"


def visitor(*roles: Role) -> Callable[..., Awaitable[Visit]]:
    allowed = set(roles) | {"admin"}

    async def check(request: Request, svc: Svc) -> Visit:
        token = request.cookies.get(COOKIE)
        visit = await anyio.to_thread.run_sync(resume_token, svc, token) if token else None
        if visit is None:
            raise SignInRequired("please sign in")
        request.state.user = visit.user.username  # read by the audit middleware
        request.state.role = visit.user.role
        request.state.visit = visit  # the error pages show the signed-in header
        if visit.user.role not in allowed:
            raise PermissionDenied(f"this page is for: {', '.join(sorted(allowed))}")
        if request.method not in ("GET", "HEAD") and not same_token(await csrf_token_of(request), visit.csrf):
            raise PermissionDenied("the form's security token is missing or out of date: reload the page, try again")
        return visit

    return check


Anyone = Annotated[Visit, Depends(visitor("agent", "analyst", "sales_lead", "qa"))]
CORD: tuple[Role, ...] = ("agent", "analyst")  # who may pull the Andon cord
REVIEW: tuple[Role, ...] = ("qa",)  # who reviews QA forms
DISPUTE: tuple[Role, ...] = ("agent",)  # who disputes a QA item
READ: tuple[Role, ...] = ("agent", "analyst", "qa")  # who opens conversations and cited sections
Agent = Annotated[Visit, Depends(visitor(*DISPUTE))]
Analyst = Annotated[Visit, Depends(visitor("analyst"))]
Sales = Annotated[Visit, Depends(visitor("sales_lead", "analyst"))]
Qa = Annotated[Visit, Depends(visitor(*REVIEW))]
AdminOnly = Annotated[Visit, Depends(visitor())]
Reader = Annotated[Visit, Depends(visitor(*READ))]
Puller = Annotated[Visit, Depends(visitor(*CORD))]
Worker = Annotated[Visit, Depends(visitor("analyst", "qa"))]  # the work-order queue
