"""Domain errors and their mapping to RFC 9457 problem details."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime
from typing import Any

import structlog
from asyncpg.exceptions import UniqueViolationError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from service.lib import i18n, labels
from service.lib.middleware import loggable_path

log = structlog.get_logger("samling.errors")
PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Label:
    """A code inside a detail (a status, a meal): the API shows the code as it is, a
    page shows its label from `service.lib.labels` in the language of the moment."""

    __slots__ = ("code", "table")

    def __init__(self, table: dict[str, str], code: str) -> None:
        self.table = table
        self.code = code

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return repr(self.code)


def _shown(value: Any, api: bool) -> Any:
    """A parameter as the API (English, codes) or a page (translated) shows it."""
    if isinstance(value, Label):
        return value.code if api else labels.label(value.table, value.code)
    if isinstance(value, datetime):
        if api:
            with i18n.use("en"):
                return i18n.datetime_text(value)
        return i18n.datetime_text(value)
    return value


def _fill(template: str, params: dict[str, Any], api: bool) -> str:
    if not params:
        return template
    return template.format(**{k: _shown(v, api) for k, v in params.items()})


class DomainError(Exception):
    """A rule said no. Services raise it; the API turns it into problem+json.

    `detail` is an English msgid, with `{name}` placeholders filled from `params`: the API
    answers it in English, pages show `message()`, the same text from the catalogs in the
    language of the request (`make messages` extracts these constructors' first argument).
    A parameter may be a `Label` (a code: the API shows the code, a page its label) or a
    datetime (written out in the language of the text, in Oslo time).
    """

    status_code = 400

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        self.template = detail
        self.params = params or {}
        self.detail = _fill(detail, self.params, api=True)
        super().__init__(self.detail)
        self.field = field
        self.extra = extra

    def message(self) -> str:
        """The detail in the language of the moment."""
        try:
            return _fill(i18n.gettext(self.template), self.params, api=False)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return _fill(self.template, self.params, api=False)


class BadInput(DomainError):
    status_code = 400


class Invalid(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


def request_id(request: Request[Any, Any, Any]) -> str:
    rid = request.scope.get("state", {}).get("request_id")
    return rid or uuid.uuid4().hex


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": loggable_path(request.url.path),
        "request_id": request_id(request),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def _validation_detail(exc: ValidationException) -> tuple[str, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    if isinstance(exc.extra, list):
        errors = [e for e in exc.extra if isinstance(e, dict)]
    if errors:
        parts = []
        for e in errors:
            key = e.get("key")
            msg = e.get("message", "invalid value")
            parts.append(f"{key}: {msg}" if key else str(msg))
        return "Invalid input: " + "; ".join(parts), errors
    return exc.detail or "Invalid input", errors


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    response = problem(request, exc.status_code, exc.detail, field=exc.field, **exc.extra)
    if "retry_after" in exc.extra:
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
    return response


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ValidationException):
        detail, errors = _validation_detail(exc)
        return problem(request, 400, detail, errors=errors or None)
    status = exc.status_code
    detail = exc.detail or TITLES.get(status, "Error")
    if status == 404 and detail == "Not Found":
        detail = f"Nothing is found at {request.url.path}"
    if status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    headers = dict(exc.headers or {})
    response = problem(request, status, detail)
    response.headers.update(headers)
    return response


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    rid = request_id(request)
    # A fresh logger each time: rare, and it follows the logging set-up of the moment.
    structlog.get_logger("samling.errors").error(
        "unhandled error", request_id=rid, path=loggable_path(request.url.path), exc_info=exc
    )
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        f"Something went wrong on our side. Quote request id {rid} when reporting it.",
    )


CONCURRENT = "This conflicts with a change made at the same moment; reload and try again"


def handle_unique_violation(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A unique index refused a row: two requests raced for the same thing."""
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" not in str(exc):
        return handle_unexpected(request, exc)
    log.warning("unique violation", request_id=request_id(request), error=str(exc))
    return problem(request, 409, CONCURRENT)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    UniqueViolationError: handle_unique_violation,
    sqlite3.IntegrityError: handle_unique_violation,
    Exception: handle_unexpected,
}
