"""The app behind a real uvicorn server in a thread of this process, on a free loopback port: for the browser and
live-call tests and `bench/live.py`, which need a real socket but one process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import httpx
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    app: FastAPI, *, lifespan: Literal["auto", "on", "off"] = "auto", patience_s: float = 1800.0
) -> Iterator[str]:
    """Yields the server's base URL once /healthz answers. `lifespan="off"` for an app whose lifespan already runs
    elsewhere (it would close the app's services)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    hung = time.monotonic() + patience_s
    while time.monotonic() < hung:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=120)
