"""What every route shares: the Endpoint record (the route and its OpenAPI entry in one),
ApiError and its JSON body, request-body checks, and Genecator's problems as 422s."""

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from modules.errors import GenecatorError
from modules.serve.api_schemas import request_problems
from modules.serve.studio import Studio

# "config.json: $.traits.Eyes.options[2].rarity: 7 is greater…" -> the path part
PROBLEM_PATH = re.compile(r"^[^:]*: (\$[^:\s]*): ")

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint:
    """One API operation: method, path, handler and what its OpenAPI entry says."""

    method: str
    path: str
    handler: Handler
    summary: str
    body: str | None = None  # the name of its request schema in api_schemas.SCHEMAS
    responses: Mapping[int, str] = field(default_factory=dict)
    query: tuple[tuple[str, str, str], ...] = ()  # (name, JSON type, description)


class ApiError(Exception):
    """A request the API refuses: the status and the one-line detail (plus field errors)."""

    def __init__(self, status: int, detail: str, errors: list[dict[str, str]] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


def error_response(exc: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"detail": exc.detail}
    if exc.errors is not None:
        body["errors"] = exc.errors
    headers = {"Retry-After": "60"} if exc.status == 429 else None
    return JSONResponse(body, status_code=exc.status, headers=headers)


def refused(exc: GenecatorError, status: int = 422, path: str = "$") -> ApiError:
    """Genecator's problems, one per line exactly as the CLI prints them, each with the JSON
    path it names (else `path`)."""
    errors = []
    for problem in exc.problems:
        match = PROBLEM_PATH.match(problem)
        errors.append({"path": match.group(1) if match else path, "message": problem})
    return ApiError(status, exc.problems[0] if len(exc.problems) == 1 else "invalid input", errors)


async def json_body(request: Request, schema: str) -> Any:
    """The request's JSON body, checked against `schema`."""
    raw = await request.body()
    try:
        body = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(422, f"the request body is not JSON: {exc}") from None
    problems = request_problems(schema, body)
    if problems:
        detail = problems[0]["message"] if len(problems) == 1 else "invalid request body"
        raise ApiError(422, detail, problems)
    return body


def studio_of(request: Request) -> Studio:
    studio: Studio = request.app.state.studio
    return studio


def int_query(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within [low, high]."""
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(422, f"{name}: '{text}' is not a whole number") from None
    if not low <= value <= high:
        raise ApiError(422, f"{name}: {value} is outside {low}..{high}")
    return value


def found(value: Any, what: str) -> Any:
    """`value`, or a 404 naming `what` when it is None."""
    if value is None:
        raise ApiError(404, f"{what} does not exist")
    return value
