"""The agent's live call page: stream a recording (or the microphone) and watch the transcript and suggestions.

The page speaks the `/v1/calls/live` protocol (api/routes/live.py) on `/console/live/socket`, signed in by the
session cookie (the cookie's path is /console) instead of an API key; the socket takes only its own origin, so
another site cannot open it with the agent's cookie.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import Response

from api.console.render import page
from api.console.visit import COOKIE, Agent, resume_token
from api.routes.andon import product_catalog
from api.routes.live import Caller, refuse, serve_call
from api.services import Services

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/live")
def live_page(request: Request, visit: Agent) -> Response:
    svc: Services = request.app.state.services
    return page(
        request,
        visit,
        "live.html.j2",
        products=product_catalog(svc).products,
        max_calls=svc.settings.live.max_calls,
    )


@router.websocket("/live/socket")
async def live_socket(ws: WebSocket) -> None:
    svc: Services = ws.app.state.services
    origin = ws.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != ws.headers.get("host"):
        await refuse(ws, 1008, "forbidden", "this socket takes the console's own pages only")
        return
    token = ws.cookies.get(COOKIE)
    visit = await anyio.to_thread.run_sync(resume_token, svc, token) if token else None
    if visit is None:
        await refuse(ws, 1008, "sign_in_required", "please sign in")
        return
    if visit.user.role not in ("agent", "admin"):
        await refuse(ws, 1008, "forbidden", "the live call page is for: admin, agent")
        return
    await serve_call(ws, svc, Caller(role=visit.user.role, user=visit.user.username))
