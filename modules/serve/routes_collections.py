"""Collections: create (a workspace folder or an uploaded zip), read, edit config and rules
with the CLI's checks, option images, dry runs."""

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from modules.errors import GenecatorError
from modules.load.validation import read_json
from modules.serve import cli_calls
from modules.serve.collections import (
    CONFIG,
    RULER,
    create_collection_folder,
    documents_beside,
    replace_document,
)
from modules.serve.endpoints import (
    ApiError,
    Endpoint,
    found,
    int_query,
    json_body,
    refused,
    studio_of,
)
from modules.serve.gallery import option_image
from modules.serve.studio import Studio
from modules.serve.uploads import UploadTooLarge, extract_zip, save_upload, too_large
from modules.serve.views import collection_document

MAX_DRY_RUN = 1_000_000


def collection_of(studio: Studio, request: Request) -> dict[str, Any]:
    cid = request.path_params["cid"]
    collection: dict[str, Any] = found(studio.store.collection(cid), f"collection {cid}")
    return collection


async def list_folders(request: Request) -> Response:
    studio = studio_of(request)
    return JSONResponse({"folders": await run_in_threadpool(_folders, studio)})


def _folders(studio: Studio) -> list[dict[str, Any]]:
    """The workspace's traits folders, each with the configs and rule files beside it."""
    folders = studio.workspace.trait_folders()
    for folder in folders:
        beside = documents_beside(studio.workspace.root / folder["path"])
        for kind, paths in beside.items():
            folder[kind] = [studio.workspace.relative(path) for path in paths]
    return folders


async def create_collection(request: Request) -> Response:
    studio = studio_of(request)
    body = await json_body(request, "NewCollection")
    try:
        traits = studio.workspace.trait_folder(body["traits"])
    except GenecatorError as exc:
        raise refused(exc, path="$.traits") from None
    name = body.get("name") or traits.name
    config = _document_file(studio, body, "config")
    ruler = _document_file(studio, body, "ruler")
    return await _register(studio, name, traits, config, ruler)


def _document_file(studio: Studio, body: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The request's `kind` document: given inline, or read from a workspace file."""
    if f"{kind}_file" not in body:
        return body.get(kind)
    field = f"$.{kind}_file"
    try:
        document = read_json(studio.workspace.inside(body[f"{kind}_file"]))
    except GenecatorError as exc:
        raise refused(exc, path=field) from None
    if not isinstance(document, dict):
        raise ApiError(422, f"{body[f'{kind}_file']}: does not hold a JSON object")
    return document


async def upload_collection(request: Request) -> Response:
    studio = studio_of(request)
    limits = studio.options.upload
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_bytes:  # before it is all in memory
            raise refused(too_large(limits), 413)
        chunks.append(chunk)
    uploads = studio.workspace.state_dir / "uploads"
    dest = uploads / uuid.uuid4().hex[:12]
    try:
        with tempfile.TemporaryDirectory(dir=uploads) as scratch:
            archive = Path(scratch) / "upload.zip"
            await run_in_threadpool(save_upload, chunks, archive, limits)
            traits = await run_in_threadpool(extract_zip, archive, dest, limits)
    except UploadTooLarge as exc:
        raise refused(exc, 413) from None
    except GenecatorError as exc:
        raise refused(exc) from None
    name = request.query_params.get("name") or "upload"
    return await _register(studio, name, traits, None, None)


async def _register(
    studio: Studio,
    name: str,
    traits: Path,
    config: dict[str, Any] | None,
    ruler: dict[str, Any] | None,
) -> Response:
    parent = studio.workspace.state_dir / "collections"
    try:
        folder, _ = await run_in_threadpool(create_collection_folder, parent, traits, config, ruler)
    except GenecatorError as exc:
        raise refused(exc) from None
    cid = studio.store.add_collection(name, studio.workspace.relative(traits), folder.name)
    collection = found(studio.store.collection(cid), f"collection {cid}")
    document = await run_in_threadpool(collection_document, studio, collection)
    return JSONResponse(document, status_code=201)


async def list_collections(request: Request) -> Response:
    studio = studio_of(request)
    documents = [
        {"id": c["id"], "name": c["name"], "traits": c["traits"], "created_at": c["created"]}
        for c in studio.store.collections()
    ]
    return JSONResponse({"collections": documents})


async def get_collection(request: Request) -> Response:
    studio = studio_of(request)
    collection = collection_of(studio, request)
    try:
        document = await run_in_threadpool(collection_document, studio, collection)
    except GenecatorError as exc:
        raise refused(exc) from None
    return JSONResponse(document)


async def get_config(request: Request) -> Response:
    return await _document(request, CONFIG)


async def get_ruler(request: Request) -> Response:
    return await _document(request, RULER)


async def _document(request: Request, name: str) -> Response:
    studio = studio_of(request)
    path = studio.files(collection_of(studio, request)).folder / name
    if not path.exists():
        return JSONResponse({"rules": []})  # a collection without rules
    return JSONResponse(json.loads(path.read_text(encoding="utf-8")))


async def put_config(request: Request) -> Response:
    return await _replace(request, CONFIG)


async def put_ruler(request: Request) -> Response:
    return await _replace(request, RULER)


async def _replace(request: Request, name: str) -> Response:
    studio = studio_of(request)
    collection = collection_of(studio, request)
    document = await json_body(request, "Document")
    try:
        await run_in_threadpool(replace_document, studio.files(collection), name, document)
        return JSONResponse(await run_in_threadpool(collection_document, studio, collection))
    except GenecatorError as exc:
        raise refused(exc) from None


async def get_option_image(request: Request) -> Response:
    studio = studio_of(request)
    collection = collection_of(studio, request)
    spec = (await run_in_threadpool(studio.check, studio.files(collection))).spec
    layer, option = request.path_params["layer"], request.path_params["option"]
    try:
        path = option_image(spec, layer, option)
    except IndexError as exc:
        raise ApiError(404, str(exc)) from None
    return FileResponse(path)


async def get_dry_run(request: Request) -> Response:
    studio = studio_of(request)
    files = studio.files(collection_of(studio, request))
    n = int_query(request, "n", 100, 1, MAX_DRY_RUN)
    seed = request.query_params.get("seed")
    seed_value = int_query(request, "seed", 0, 0, 2**63) if seed else None
    result = await run_in_threadpool(cli_calls.dry_run, files, studio.workspace.root, n, seed_value)
    if result.exit_code != 0 or result.report is None:
        errors = [{"path": "$", "message": line} for line in result.errors]
        raise ApiError(422, result.errors[0] if result.errors else "the dry run failed", errors)
    report = result.report
    distribution = [
        {
            "trait_type": row["trait_type"],
            "value": row["value"],
            "configured_percent": row["configured_percent"],
            "planned_percent": row["achieved_percent"],
            "count": row["count"],
        }
        for row in report["shares"]
    ]
    return JSONResponse(
        {
            "n": n,
            "seed": report["seed"],
            "capacity": report["capacity"],
            "distribution": distribution,
            "lines": report["lines"],
        }
    )


ENDPOINTS = (
    Endpoint("GET", "/api/folders", list_folders, "Trait folders in the workspace"),
    Endpoint(
        "POST",
        "/api/collections",
        create_collection,
        "Create a collection from a workspace traits folder (config scanned unless given)",
        body="NewCollection",
        responses={201: "the collection", 422: "invalid folder, config or rules"},
    ),
    Endpoint(
        "POST",
        "/api/collections/upload",
        upload_collection,
        "Create a collection from an uploaded zip of a traits folder (body: application/zip)",
        responses={201: "the collection", 413: "too large", 422: "not a usable archive"},
        query=(("name", "string", "the collection's name"),),
    ),
    Endpoint("GET", "/api/collections", list_collections, "Every collection"),
    Endpoint(
        "GET",
        "/api/collections/{cid:int}",
        get_collection,
        "A collection: layers, options, weights, capacity, warnings",
        responses={404: "no such collection"},
    ),
    Endpoint("GET", "/api/collections/{cid:int}/config", get_config, "The config.json document"),
    Endpoint(
        "PUT",
        "/api/collections/{cid:int}/config",
        put_config,
        "Replace config.json (checked as the CLI checks it)",
        body="Document",
        responses={422: "the problems, with their JSON paths"},
    ),
    Endpoint("GET", "/api/collections/{cid:int}/ruler", get_ruler, "The ruler.json document"),
    Endpoint(
        "PUT",
        "/api/collections/{cid:int}/ruler",
        put_ruler,
        "Replace ruler.json (checked as the CLI checks it)",
        body="Document",
        responses={422: "the problems, with their JSON paths"},
    ),
    Endpoint(
        "GET",
        "/api/collections/{cid:int}/layers/{layer:int}/options/{option:int}/image",
        get_option_image,
        "An option's image",
        responses={404: "no such option"},
    ),
    Endpoint(
        "GET",
        "/api/collections/{cid:int}/dry-run",
        get_dry_run,
        "Plan without writing: capacity and the expected distribution",
        responses={422: "the plan is impossible (the CLI's message)"},
        query=(("n", "integer", "tokens to plan"), ("seed", "integer", "seed [drawn]")),
    ),
)
