"""API-key authentication and role checks, as FastAPI dependencies.

Keys come in `Authorization: Bearer <key>` or `X-API-Key: <key>`. `admin` may use every route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from api.services import Services
from core.errors import AuthError, PermissionDenied
from core.keys import Principal, verify_key
from core.settings import Role


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


Svc = Annotated[Services, Depends(services)]  # the app's runtime, in a route's signature: `svc: Svc`


def db_session(svc: Svc) -> Iterator[Session]:
    with svc.sessions() as session, session.begin():
        yield session


def presented_key(request: HTTPConnection) -> str | None:
    """The key of a request or a WebSocket handshake."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


DbSession = Annotated[Session, Depends(db_session)]  # one transaction per request
# committed before the response is sent, so a background task after it sees the writes (the webhook outbox)
CommittedSession = Annotated[Session, Depends(db_session, scope="function")]


def principal(request: Request, svc: Svc) -> Principal:
    presented = presented_key(request)
    if presented is None:
        raise AuthError("missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
    with svc.sessions() as session:
        who = verify_key(session, presented)
    # read by the audit middleware: who called, never the secret
    request.state.api_key_id = who.key_id
    request.state.role = who.role
    return who


def require_role(*roles: Role) -> Callable[..., Principal]:
    allowed = set(roles) | {"admin"}

    def check(who: Principal = Depends(principal)) -> Principal:
        if who.role not in allowed:
            raise PermissionDenied(f"role '{who.role}' may not use this route; allowed: {', '.join(sorted(allowed))}")
        return who

    return check


any_role = require_role("agent", "analyst", "sales_lead")
AnyRole = Annotated[Principal, Depends(any_role)]
