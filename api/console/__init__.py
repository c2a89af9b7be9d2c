"""The web console: server-rendered pages for agents, QA, analysts, sales leads and admins, under /console.

People sign in with a user account (`core/users.py`) and get a session cookie; every form carries the session's
CSRF token. Pages call the same domain functions as the JSON API, and every asset is served from here (no CDN).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    from api.console import signin
    from api.console.pages import admin, agent, analyst, conversations, customers, live, qa, sales, workorders

    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(signin.root)
    for module in (signin, agent, live, conversations, analyst, workorders, qa, sales, customers, admin):
        app.include_router(module.router)
