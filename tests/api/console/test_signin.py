"""Sign-in, the session cookie, CSRF, expiry, sign-out, roles and the audit trail of the console."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from core.db import transaction
from core.tables import AndonAlertRow, AuditEventRow, WebSessionRow
from core.users import LOCK_AFTER, create_user, update_user
from tests.api.console.conftest import PASSWORDS, USERS, csrf_of, sign_in


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(web: TestClient) -> None:
    for path in ("/console/dashboard", "/console/admin/users", "/console/conversations/chat:ZH-1"):
        r = web.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/console/signin?next="), path
    assert web.get("/", follow_redirects=False).headers["location"] == "/console/"
    form = web.get("/console/signin?next=/console/andon")
    assert form.status_code == 200 and 'name="password"' in form.text and "登录" in form.text  # zh by default
    r = web.post(
        "/console/signin",
        data={
            "username": USERS["analyst"]["username"],
            "password": PASSWORDS["analyst"],
            "csrf": csrf_of(form.text),
            "next": "/console/andon",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/andon"


def test_the_cookie_is_httponly_samesite_and_secure_over_tls(console_app: FastAPI) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        web = TestClient(console_app, base_url=base)
        form = web.get("/console/signin", headers={"accept-language": "en-US,en;q=0.9"})
        assert "Sign in" in form.text
        r = web.post(
            "/console/signin",
            data={
                "username": "XiaoLi",
                "password": PASSWORDS["agent"],  # any case
                "csrf": csrf_of(form.text),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/console/assist"
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("cxloop_session="))
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=lax", "path=/console"} <= flags
        assert ("secure" in flags) is secure


def test_wrong_passwords_are_refused_alike_and_lock_the_account(web: TestClient, console_app: FastAPI) -> None:
    with transaction(console_app.state.services.sessions) as s:
        create_user(s, "locky", "locky-pass-2026", role="agent")
    form = web.get("/console/signin")
    for name in ("nobody", "locky"):
        r = web.post(
            "/console/signin", data={"username": name, "password": "wrong-password", "csrf": csrf_of(form.text)}
        )
        assert r.status_code == 401 and "用户名或密码错误" in r.text
        form = r
    for _ in range(LOCK_AFTER):
        form = web.post("/console/signin", data={"username": "locky", "password": "x" * 12, "csrf": csrf_of(form.text)})
    right = {"username": "locky", "password": "locky-pass-2026", "csrf": csrf_of(form.text)}
    assert web.post("/console/signin", data=right).status_code == 401  # locked until an admin resets it


def test_forms_without_the_csrf_token_are_refused(web: TestClient, console_app: FastAPI) -> None:
    form = web.get("/console/signin")
    data = {"username": USERS["analyst"]["username"], "password": PASSWORDS["analyst"]}
    assert web.post("/console/signin", data=data).status_code == 403  # no token
    web.cookies.delete("cxloop_signin_csrf")
    assert web.post("/console/signin", data={**data, "csrf": csrf_of(form.text)}).status_code == 403  # no cookie
    token = sign_in(web, "analyst")
    with console_app.state.services.sessions() as s:
        alert_id = s.scalars(select(AndonAlertRow.id)).first()
    for bad in ({}, {"csrf": "forged"}):
        r = web.post(f"/console/andon/{alert_id}/acknowledge", data=bad)
        assert r.status_code == 403 and "security token" in r.text
    assert web.post("/console/signout", data={}).status_code == 403
    assert web.get("/console/dashboard").status_code == 200  # still signed in
    assert token


def test_an_open_redirect_is_not_followed(web: TestClient) -> None:
    form = web.get("/console/signin")
    for evil in ("https://evil.example/x", "//evil.example", "/\\evil.example"):
        r = web.post(
            "/console/signin",
            data={
                "username": USERS["qa"]["username"],
                "password": PASSWORDS["qa"],
                "csrf": csrf_of(form.text),
                "next": evil,
            },
            follow_redirects=False,
        )
        assert r.headers["location"] == "/console/qa", evil
        form = web.get("/console/signin")


def test_sign_out_idle_and_absolute_expiry_end_the_session(web: TestClient, console_app: FastAPI) -> None:
    sessions = console_app.state.services.sessions
    token = sign_in(web, "sales_lead")
    cookie = web.cookies["cxloop_session"]
    assert web.post("/console/signout", data={"csrf": token}, follow_redirects=False).status_code == 303
    web.cookies.set("cxloop_session", cookie, path="/console")  # an old cookie does not come back to life
    assert web.get("/console/digest", follow_redirects=False).status_code == 303

    web.cookies.clear()
    for column in ("last_seen_at", "expires_at"):
        sign_in(web, "sales_lead")
        assert web.get("/console/digest", follow_redirects=False).status_code == 200
        settings = console_app.state.settings.console
        back = timedelta(minutes=settings.idle_minutes + 1) if column == "last_seen_at" else timedelta(seconds=1)
        with transaction(sessions) as s:
            row = s.get(WebSessionRow, hashlib.sha256(web.cookies["cxloop_session"].encode()).hexdigest())
            assert row is not None and row.ended_at is None
            moved = getattr(row, column) - back if column == "last_seen_at" else row.created_at - back
            s.execute(update(WebSessionRow).where(WebSessionRow.token_hash == row.token_hash).values({column: moved}))
        assert web.get("/console/digest", follow_redirects=False).status_code == 303, column


def test_disabling_a_user_ends_their_session(web: TestClient, console_app: FastAPI) -> None:
    with transaction(console_app.state.services.sessions) as s:
        create_user(s, "temp.agent", "temp-pass-2026", role="agent")
    form = web.get("/console/signin")
    web.post(
        "/console/signin", data={"username": "temp.agent", "password": "temp-pass-2026", "csrf": csrf_of(form.text)}
    )
    assert web.get("/console/assist").status_code == 200
    with transaction(console_app.state.services.sessions) as s:
        update_user(s, "temp.agent", disabled=True)
    assert web.get("/console/assist", follow_redirects=False).status_code == 303


def test_each_role_is_kept_to_its_pages(console_app: FastAPI) -> None:
    allowed = {
        "agent": ["/console/assist", "/console/mine", "/console/conversations/chat:ZH-1"],
        "analyst": ["/console/dashboard", "/console/andon", "/console/workorders", "/console/gaps", "/console/digest"],
        "qa": ["/console/qa", "/console/workorders", "/console/conversations"],
        "sales_lead": ["/console/digest"],
    }
    forbidden = {
        "agent": ["/console/dashboard", "/console/andon", "/console/admin/users", "/console/digest"],
        "analyst": ["/console/assist", "/console/admin/audit", "/console/qa"],
        "qa": ["/console/andon", "/console/admin/keys", "/console/digest"],
        "sales_lead": ["/console/conversations", "/console/workorders", "/console/andon", "/console/admin/users"],
    }
    for role in allowed:
        web = TestClient(console_app)
        sign_in(web, role)
        for path in allowed[role]:
            assert web.get(path).status_code == 200, (role, path)
        for path in forbidden[role]:
            r = web.get(path)
            assert r.status_code == 403 and "<html" in r.text and "error-page" in r.text, (role, path)
    admin = TestClient(console_app)
    sign_in(admin, "admin")
    for path in {p for paths in allowed.values() for p in paths} | {"/console/admin/users", "/console/admin/audit"}:
        assert admin.get(path).status_code == 200, path


def test_the_audit_log_records_who_did_what(web: TestClient, console_app: FastAPI) -> None:
    token = sign_in(web, "qa")
    web.get("/console/qa")
    web.post("/console/language", data={"lang": "zh", "csrf": token})
    services = console_app.state.services
    services.writer.drain()
    with services.sessions() as s:
        rows = list(s.scalars(select(AuditEventRow).where(AuditEventRow.user == "qa.chen")))
    routes = {(r.method, r.route, r.status, r.role) for r in rows}
    assert ("GET", "/console/qa", 200, "qa") in routes
    assert ("POST", "/console/language", 303, "qa") in routes
    assert any(r.route == "/console/signin" and r.method == "POST" for r in rows)
    with transaction(services.sessions) as s:
        update_user(s, "qa.chen", language="en")  # as it was, for the other tests
