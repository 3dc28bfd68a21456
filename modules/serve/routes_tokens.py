"""A finished collection: the gallery pages, one token with its rank, its image, re-rolls
with locked traits, and the rarity ledger."""

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from modules.errors import GenecatorError
from modules.serve import cli_calls
from modules.serve.endpoints import (
    ApiError,
    Endpoint,
    found,
    int_query,
    json_body,
    refused,
    studio_of,
)
from modules.serve.gallery import CollectionView
from modules.serve.routes_collections import collection_of
from modules.serve.studio import Studio

LOCKED = "another Genecator process is writing it"


def _current(studio: Studio, request: Request) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """The collection, the job whose output the gallery shows (?job=, else the latest
    finished one) and that output folder."""
    collection = collection_of(studio, request)
    wanted = request.query_params.get("job")
    if wanted:
        job = found(studio.store.job(int_query(request, "job", 0, 1, 2**31)), f"job {wanted}")
        if job["collection_id"] != collection["id"]:
            raise ApiError(404, f"job {wanted} is not a job of collection {collection['id']}")
    else:
        job = studio.store.latest_job(collection["id"], ["succeeded"])
        if job is None:
            raise ApiError(404, f"collection {collection['id']} has no finished generation yet")
    return collection, job, studio.output(job)


def _view(studio: Studio, output: Path) -> CollectionView:
    try:
        return studio.view(output)
    except GenecatorError as exc:
        raise refused(exc, 404) from None


def _image_url(cid: int, job_id: int) -> Any:
    return lambda tid: f"/api/collections/{cid}/tokens/{tid}/image?job={job_id}"


def _filters(request: Request) -> list[tuple[str, str]]:
    pairs = []
    for text in request.query_params.getlist("trait"):
        trait_type, colon, value = text.partition(":")
        if not colon:
            raise ApiError(422, f"trait: '{text}' is not TRAIT_TYPE:VALUE")
        pairs.append((trait_type, value))
    return pairs


async def token_page(request: Request) -> Response:
    studio = studio_of(request)
    collection, job, output = _current(studio, request)
    page = int_query(request, "page", 1, 1, 2**31)
    per_page = int_query(request, "per_page", 48, 1, 500)
    view = await run_in_threadpool(_view, studio, output)
    url = _image_url(collection["id"], job["id"])
    document = view.page(page, per_page, _filters(request), url)
    return JSONResponse({**document, "job_id": job["id"]})


async def token_detail(request: Request) -> Response:
    studio = studio_of(request)
    collection, job, output = _current(studio, request)
    view = await run_in_threadpool(_view, studio, output)
    tid = request.path_params["tid"]
    try:
        document = view.token(tid, _image_url(collection["id"], job["id"]))
    except KeyError:
        raise ApiError(404, f"token {tid} is not in collection {collection['id']}") from None
    return JSONResponse({**document, "job_id": job["id"]})


async def token_image(request: Request) -> Response:
    studio = studio_of(request)
    _, _, output = _current(studio, request)
    view = await run_in_threadpool(_view, studio, output)
    tid = request.path_params["tid"]
    try:
        path = view.image_file(tid)
    except (KeyError, GenecatorError):
        raise ApiError(404, f"token {tid} has no image") from None
    # Re-rolls change a token's image under the same URL.
    return FileResponse(path, headers={"Cache-Control": "no-cache"})


async def reroll_token(request: Request) -> Response:
    studio = studio_of(request)
    collection, job, output = _current(studio, request)
    body = await json_body(request, "RerollRequest")
    if studio.store.latest_job(collection["id"], ["queued", "running"]) is not None:
        raise ApiError(409, "a generation of this collection is queued or running; wait for it")
    files = studio.files(collection)
    tid = request.path_params["tid"]
    keep = body.get("keep", [])
    result = await run_in_threadpool(
        cli_calls.reroll, files, studio.workspace.root, output, tid, keep
    )
    if result.exit_code != 0:
        status = 409 if any(LOCKED in line for line in result.errors) else 422
        errors = [{"path": "$", "message": line} for line in result.errors]
        raise ApiError(status, result.errors[0] if result.errors else "the re-roll failed", errors)
    # The output no longer equals a fresh run of its request: it leaves the cache.
    studio.store.update_job(job["id"], rerolls=job["rerolls"] + 1)
    return await token_detail(request)


async def ledger(request: Request) -> Response:
    studio = studio_of(request)
    _, job, output = _current(studio, request)
    view = await run_in_threadpool(_view, studio, output)
    try:
        document = await run_in_threadpool(view.ledger)
    except GenecatorError as exc:
        raise refused(exc, 404) from None
    return JSONResponse({**document, "job_id": job["id"]})


JOB_QUERY = ("job", "integer", "the job whose output to show [the latest finished one]")

ENDPOINTS = (
    Endpoint(
        "GET",
        "/api/collections/{cid:int}/tokens",
        token_page,
        "A page of the gallery, filtered by trait values (AND across trait types)",
        responses={404: "no finished generation"},
        query=(
            ("page", "integer", "page number from 1"),
            ("per_page", "integer", "tokens per page (1..500)"),
            ("trait", "string", "TRAIT_TYPE:VALUE, repeatable"),
            JOB_QUERY,
        ),
    ),
    Endpoint(
        "GET",
        "/api/collections/{cid:int}/tokens/{tid:int}",
        token_detail,
        "One token: metadata, attributes, rarity rank and score",
        responses={404: "no such token"},
        query=(JOB_QUERY,),
    ),
    Endpoint(
        "GET",
        "/api/collections/{cid:int}/tokens/{tid:int}/image",
        token_image,
        "A token's image",
        query=(JOB_QUERY,),
    ),
    Endpoint(
        "POST",
        "/api/collections/{cid:int}/tokens/{tid:int}/reroll",
        reroll_token,
        "Give a token a new combination, keeping the listed traits (genecator reroll)",
        body="RerollRequest",
        responses={200: "the new token", 409: "the collection is busy", 422: "refused"},
        query=(JOB_QUERY,),
    ),
    Endpoint(
        "GET",
        "/api/collections/{cid:int}/ledger",
        ledger,
        "Configured vs achieved share of every option, gaps flagged",
        query=(JOB_QUERY,),
    ),
)
