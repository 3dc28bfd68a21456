"""The studio's ASGI application: the API routes, the OpenAPI page, the static front end, the
access guard, errors as JSON without tracebacks, and the job runner's lifetime."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata, resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from modules.serve import routes_collections, routes_jobs, routes_tokens
from modules.serve.endpoints import ApiError, error_response
from modules.serve.openapi import docs_page, openapi_document
from modules.serve.security import AccessGuard
from modules.serve.studio import Studio

logger = logging.getLogger(__name__)

ENDPOINTS = routes_collections.ENDPOINTS + routes_jobs.ENDPOINTS + routes_tokens.ENDPOINTS
STATIC = Path(str(resources.files("modules.serve") / "static"))


def create_app(studio: Studio, run_jobs: bool = True) -> Starlette:
    """The application for `studio`; with `run_jobs` it starts and stops the job runner."""
    document = openapi_document(ENDPOINTS, metadata.version("genecator"))

    async def openapi(_: Request) -> Response:
        return JSONResponse(document)

    async def docs(_: Request) -> Response:
        return HTMLResponse(docs_page(document))

    async def index(_: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if run_jobs:
            studio.runner.start()
        try:
            yield
        finally:
            if run_jobs:
                studio.runner.stop()

    routes: list[BaseRoute] = [
        Route(e.path, e.handler, methods=[e.method], name=e.handler.__name__) for e in ENDPOINTS
    ]
    routes += [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        Route("/", index, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    guard = Middleware(AccessGuard, token=studio.options.token, loopback=studio.options.loopback)
    app = Starlette(
        routes=routes,
        middleware=[guard],
        lifespan=lifespan,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    app.state.studio = studio
    return app


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # The edge of the server: the traceback goes to the server's log, never to the client.
    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": "internal error; the studio's terminal shows the details"}, status_code=500
    )
