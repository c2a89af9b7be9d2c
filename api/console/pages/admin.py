"""The admin's pages: user accounts (create, role, language, disable, reset the password), API keys (create,
shown once; revoke) and the audit log with filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.auth import Svc
from api.console.pages.lists import OptionalDay, midnight, paged
from api.console.render import page, redirect
from api.console.visit import AdminOnly
from core import keys, users
from core.errors import InvalidInput
from core.settings import ROLES, Role
from core.tables import AuditEventRow

router = APIRouter(prefix="/console/admin", include_in_schema=False)


@router.get("/users")
def user_list(request: Request, svc: Svc, visit: AdminOnly) -> Response:
    with svc.sessions() as session:
        found = users.list_users(session)
    return page(request, visit, "users.html.j2", users=found, roles=ROLES)


@router.post("/users")
def create_user(
    svc: Svc,
    _: AdminOnly,
    username: Annotated[str, Form(min_length=2, max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[Role, Form()],
    display_name: Annotated[str, Form(max_length=128)] = "",
    language: Annotated[Literal["zh", "en"], Form()] = "zh",
    agent_id: Annotated[str, Form(max_length=64)] = "",
    team: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    with svc.sessions() as session, session.begin():
        users.create_user(
            session,
            username,
            password,
            role=role,
            display_name=display_name or None,
            language=language,
            agent_id=agent_id or None,
            team=team or None,
        )
    return redirect("/console/admin/users", ok="users.created")


@router.post("/users/{username}")
def change_user(
    username: str,
    svc: Svc,
    visit: AdminOnly,
    role: Annotated[Role, Form()],
    language: Annotated[Literal["zh", "en"], Form()],
    display_name: Annotated[str, Form(max_length=128)] = "",
    agent_id: Annotated[str, Form(max_length=64)] = "",
    team: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[Literal["save", "disable", "enable"], Form()] = "save",
) -> Response:
    if users.normal(username) == visit.user.username and (action == "disable" or role != "admin"):
        raise InvalidInput("you cannot disable your own account or take away your own admin role")
    disabled = {"disable": True, "enable": False}.get(action)
    with svc.sessions() as session, session.begin():
        users.update_user(
            session,
            username,
            role=role,
            language=language,
            display_name=display_name,
            agent_id=agent_id,
            team=team,
            disabled=disabled,
        )
    return redirect("/console/admin/users", ok="users.saved")


@router.post("/users/{username}/password")
def reset_password(username: str, svc: Svc, _: AdminOnly, password: Annotated[str, Form(max_length=1024)]) -> Response:
    with svc.sessions() as session, session.begin():
        users.set_password(session, username, password)
    return redirect("/console/admin/users", ok="users.password_set")


@router.get("/keys")
def key_list(request: Request, svc: Svc, visit: AdminOnly) -> Response:
    with svc.sessions() as session:
        found = keys.list_keys(session)
        return page(request, visit, "keys.html.j2", keys=found, roles=ROLES, issued=None)


@router.post("/keys")
def create_key(
    request: Request,
    svc: Svc,
    visit: AdminOnly,
    name: Annotated[str, Form(min_length=1, max_length=128)],
    role: Annotated[Role, Form()],
) -> Response:
    """The new key is on this response only (never in a redirect, a cookie or a log)."""
    with svc.sessions() as session, session.begin():
        issued = keys.create_key(session, role=role, name=name)
        found = keys.list_keys(session)
        return page(request, visit, "keys.html.j2", keys=found, roles=ROLES, issued=issued, http_status=201)


@router.post("/keys/{key_id}/revoke")
def revoke_key(key_id: str, svc: Svc, _: AdminOnly) -> Response:
    with svc.sessions() as session, session.begin():
        keys.revoke_key(session, key_id)
    return redirect("/console/admin/keys", ok="keys.revoked_ok")


StatusClass = Literal["", "2xx", "3xx", "4xx", "5xx"]


@router.get("/audit")
def audit(
    request: Request,
    svc: Svc,
    visit: AdminOnly,
    user: Annotated[str, Query(max_length=64)] = "",
    role: Annotated[Literal["", "agent", "analyst", "sales_lead", "qa", "admin"], Query()] = "",
    route: Annotated[str, Query(max_length=200)] = "",
    method: Annotated[Literal["", "GET", "POST", "PUT", "DELETE"], Query()] = "",
    status: StatusClass = "",
    since: OptionalDay = None,
    until: OptionalDay = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    size = 50
    query = select(AuditEventRow).order_by(AuditEventRow.id.desc())
    if user:
        query = query.where(AuditEventRow.user == users.normal(user))
    if role:
        query = query.where(AuditEventRow.role == role)
    if route:
        query = query.where(AuditEventRow.route.contains(route, autoescape=True))
    if method:
        query = query.where(AuditEventRow.method == method)
    if status:
        low = int(status[0]) * 100
        query = query.where(AuditEventRow.status >= low, AuditEventRow.status < low + 100)
    if since:
        query = query.where(AuditEventRow.at >= midnight(since))
    if until:
        query = query.where(AuditEventRow.at < midnight(until) + timedelta(days=1))
    with svc.sessions() as session:
        rows = list(session.scalars(query.offset(offset).limit(size + 1)))
    filters = {
        "user": user,
        "role": role,
        "route": route,
        "method": method,
        "status": status,
        "since": since,
        "until": until,
    }
    return page(request, visit, "audit.html.j2", pages=paged(rows, offset, size, filters), f=filters, roles=ROLES)
