"""The one error tree. Library code raises these; only the edges (HTTP, CLI, flows) translate them."""

from __future__ import annotations


class CxloopError(Exception):
    """Base of every error cxloop raises on purpose."""

    code = "error"
    http_status = 500

    def __init__(self, message: str, *, detail: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class ConfigError(CxloopError):
    """Settings are missing, contradictory or name something unknown."""

    code = "config_error"
    http_status = 500


class ModelUnavailable(CxloopError):
    """A model package or folder is missing or unreadable."""

    code = "model_unavailable"
    http_status = 503


class StoreUnavailable(CxloopError):
    """The database or vector store cannot be reached."""

    code = "store_unavailable"
    http_status = 503


class OrchestratorUnavailable(CxloopError):
    """Prefect's temporary server did not start, or the Prefect server at PREFECT_API_URL does not answer."""

    code = "orchestrator_unavailable"
    http_status = 503


class InvalidInput(CxloopError):
    """Input that cannot be used as given; the message says what and where."""

    code = "invalid_input"
    http_status = 422


class Conflict(CxloopError):
    """The request is valid but the record's state does not allow it now (the detail says what would)."""

    code = "conflict"
    http_status = 409


class NotFound(CxloopError):
    code = "not_found"
    http_status = 404


class AuthError(CxloopError):
    """No key, or a key that is unknown or revoked."""

    code = "unauthorized"
    http_status = 401


class PermissionDenied(CxloopError):
    """A valid key whose role may not use this route."""

    code = "forbidden"
    http_status = 403
