"""HTTP edge: FastAPI app factory, auth, audit and routes. Thin wrappers over library functions."""

from api.app import create_app

__all__ = ["create_app"]
