"""Jobs: start a generation (or answer from the cache), follow it by status and server-sent
events, cancel and resume it, batches, history, statistics and the cache."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from modules.plan.selection import model_from_spec
from modules.run.input_check import InputCheck
from modules.run.planning import too_many_tokens
from modules.serve.collections import fingerprint
from modules.serve.endpoints import ApiError, Endpoint, found, int_query, json_body, studio_of
from modules.serve.store import FINAL, STATUSES
from modules.serve.studio import Studio
from modules.serve.views import job_document, job_urls

EVENT_POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
DEFAULT_RATE = 20.0  # tokens/s assumed before any job has finished here
START_SECONDS = 2.0  # a job process's start-up and planning, roughly


def start_generation(studio: Studio, cid: int, params: dict[str, Any], client: str) -> Response:
    """A queued job for `params`, or the finished job with the same inputs (cached)."""
    collection = found(studio.store.collection(cid), f"collection {cid}")
    if not studio.limiter.allow(client, time.monotonic()):
        raise ApiError(429, "too many generate requests; wait a minute and try again")
    files = studio.files(collection)
    _check_capacity(studio.check(files), params["n"])
    key = fingerprint(files, params)
    cached = studio.store.cached_job(key) if key else None
    if cached is not None and (studio.output(cached) / "collection_stats.json").exists():
        studio.store.count("hits")
        return JSONResponse(_started(studio, cached, cached=True), status_code=200)
    studio.store.count("misses")
    job_id = studio.store.add_job(cid, params, key)
    studio.runner.wake()
    job = found(studio.store.job(job_id), f"job {job_id}")
    return JSONResponse(_started(studio, job, cached=False), status_code=201)


def _check_capacity(check: InputCheck, n: int) -> None:
    """Refuse at once, with the CLI's words, an -n that cannot plan (for collections whose
    capacity the preflight knows whole: without layer sets or 1-of-1s; the job tells the rest)."""
    spec = check.spec
    if not spec.layer_sets and not spec.one_of_ones and n > check.capacity.count:
        detail = too_many_tokens(n, check.capacity, model_from_spec(spec))
        raise ApiError(422, detail, [{"path": "$.n", "message": detail}])


def _started(studio: Studio, job: dict[str, Any], cached: bool) -> dict[str, Any]:
    return {
        "job_id": job["id"],
        "status": job["status"],
        "cached": cached,
        "estimated_duration": 0.0 if cached else estimated_seconds(studio, job["n"]),
        "urls": job_urls(job["id"], job["collection_id"]),
        "job": job_document(studio, job),
    }


def estimated_seconds(studio: Studio, n: int) -> float:
    """From the tokens/s of the jobs that succeeded here, else a typical laptop's rate."""
    rate = _statistics(studio, 0.0)["tokens_per_second"] or DEFAULT_RATE
    return round(START_SECONDS + n / rate, 1)


async def generate(request: Request) -> Response:
    studio = studio_of(request)
    params = await json_body(request, "GenerateRequest")
    cid = request.path_params["cid"]
    return await run_in_threadpool(start_generation, studio, cid, params, _client(request))


async def batch(request: Request) -> Response:
    studio = studio_of(request)
    body = await json_body(request, "BatchRequest")
    results: list[dict[str, Any]] = []
    failed = False
    for index, item in enumerate(body["requests"]):
        if failed and not body.get("continue_on_error", False):
            results.append({"index": index, "status": 0, "body": {"detail": "skipped"}})
            continue
        params = {k: v for k, v in item.items() if k != "collection_id"}
        try:
            response = await run_in_threadpool(
                start_generation, studio, item["collection_id"], params, _client(request)
            )
        except ApiError as exc:
            failed = True
            results.append({"index": index, "status": exc.status, "body": {"detail": exc.detail}})
            continue
        results.append({"index": index, "status": response.status_code, "body": _json(response)})
    return JSONResponse({"results": results})


def _json(response: Response) -> Any:
    return json.loads(bytes(response.body))


def _client(request: Request) -> str:
    return request.client.host if request.client else "local"


def job_of(studio: Studio, request: Request) -> dict[str, Any]:
    jid = request.path_params["jid"]
    job: dict[str, Any] = found(studio.store.job(jid), f"job {jid}")
    return job


async def get_job(request: Request) -> Response:
    studio = studio_of(request)
    return JSONResponse(job_document(studio, job_of(studio, request)))


async def list_jobs(request: Request) -> Response:
    studio = studio_of(request)
    status = request.query_params.get("status") or None
    if status is not None and status not in STATUSES:
        raise ApiError(422, f"status: '{status}' is not one of {', '.join(STATUSES)}")
    limit = int_query(request, "limit", 50, 1, 500)
    offset = int_query(request, "offset", 0, 0, 2**31)
    jobs, total = studio.store.jobs(status, limit, offset)
    documents = [job_document(studio, job) for job in jobs]
    return JSONResponse({"jobs": documents, "total": total, "limit": limit, "offset": offset})


async def cancel_job(request: Request) -> Response:
    studio = studio_of(request)
    job = job_of(studio, request)
    if not studio.runner.cancel(job):
        raise ApiError(409, f"job {job['id']} has already {job['status']}; nothing to cancel")
    return JSONResponse(job_document(studio, job_of(studio, request)), status_code=202)


async def resume_job(request: Request) -> Response:
    studio = studio_of(request)
    job = job_of(studio, request)
    if not job_document(studio, job)["resumable"]:
        raise ApiError(409, f"job {job['id']} is {job['status']}, not resumable")
    if not studio.store.requeue(job["id"], ("cancelled", "interrupted", "failed")):
        raise ApiError(409, f"job {job['id']} changed meanwhile; look at it again")
    studio.runner.wake()
    return JSONResponse(job_document(studio, job_of(studio, request)), status_code=202)


async def job_events(request: Request) -> Response:
    studio = studio_of(request)
    job = job_of(studio, request)
    last = request.headers.get("last-event-id", "0")
    after = int(last) if last.isdigit() else 0
    return StreamingResponse(
        _event_stream(studio, job["id"], after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _event_stream(studio: Studio, job_id: int, after: int) -> AsyncIterator[str]:
    """Every stored event after `after`, as it comes, then `end` once the job has finished."""
    quiet_since = time.monotonic()
    while True:
        events = await run_in_threadpool(studio.store.events_after, job_id, after)
        for event in events:
            after = event.seq
            yield f"id: {event.seq}\nevent: {event.kind}\ndata: {json.dumps(event.data)}\n\n"
        job = await run_in_threadpool(studio.store.job, job_id)
        if job is None or (job["status"] in FINAL and not events):
            status = job["status"] if job else "unknown"
            yield f"event: end\ndata: {json.dumps({'status': status})}\n\n"
            return
        if events:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
            quiet_since = time.monotonic()
            yield ": still running\n\n"  # keeps proxies and the browser from timing out
        await asyncio.sleep(EVENT_POLL_SECONDS)


async def statistics(request: Request) -> Response:
    studio = studio_of(request)
    days = int_query(request, "days", 30, 1, 3650)
    document = _statistics(studio, time.time() - days * 86400)
    return JSONResponse({"days": days, **document})


def _statistics(studio: Studio, since: float) -> dict[str, Any]:
    jobs = studio.store.jobs_since(since)
    by_status = dict.fromkeys(STATUSES, 0)
    for job in jobs:
        by_status[job["status"]] += 1
    finished = [job for job in jobs if job["status"] in FINAL]
    succeeded = [job for job in jobs if job["status"] == "succeeded" and job["seconds"] > 0]
    seconds = sum(job["seconds"] for job in succeeded)
    return {
        "jobs": len(jobs),
        "by_status": by_status,
        "mean_duration_seconds": seconds / len(succeeded) if succeeded else None,
        "tokens_per_second": sum(job["done"] for job in succeeded) / seconds if seconds else None,
        "success_rate": by_status["succeeded"] / len(finished) if finished else None,
    }


async def cache_stats(request: Request) -> Response:
    studio = studio_of(request)
    counters = studio.store.counters()
    return JSONResponse(
        {
            "entries": studio.store.cache_entries(),
            "hits": counters.get("hits", 0),
            "misses": counters.get("misses", 0),
        }
    )


async def clear_cache(request: Request) -> Response:
    studio = studio_of(request)
    removed = studio.store.forget_fingerprints()
    studio.store.reset_counters()
    return JSONResponse({"removed": removed})


ENDPOINTS = (
    Endpoint(
        "POST",
        "/api/collections/{cid:int}/generate",
        generate,
        "Start a generation; a request equal to a finished one returns that job (cached)",
        body="GenerateRequest",
        responses={
            201: "queued",
            200: "cached",
            404: "no such collection",
            422: "invalid request",
            429: "rate limited",
        },
    ),
    Endpoint(
        "POST",
        "/api/batch",
        batch,
        "Several generate requests; stops at the first refusal unless continue_on_error",
        body="BatchRequest",
    ),
    Endpoint(
        "GET",
        "/api/jobs",
        list_jobs,
        "Job history, newest first",
        query=(
            ("status", "string", "only jobs in this status"),
            ("limit", "integer", "at most this many (1..500)"),
            ("offset", "integer", "skip this many"),
        ),
    ),
    Endpoint("GET", "/api/jobs/{jid:int}", get_job, "A job", responses={404: "no such job"}),
    Endpoint(
        "GET",
        "/api/jobs/{jid:int}/events",
        job_events,
        "Server-sent events: status, progress, warning, report, then end",
    ),
    Endpoint(
        "POST",
        "/api/jobs/{jid:int}/cancel",
        cancel_job,
        "Stop a job cleanly (resumable)",
        responses={202: "stopping", 409: "already finished"},
    ),
    Endpoint(
        "POST",
        "/api/jobs/{jid:int}/resume",
        resume_job,
        "Queue a stopped job again; it goes on from its checkpoint",
        responses={202: "queued", 409: "not resumable"},
    ),
    Endpoint(
        "GET",
        "/api/statistics",
        statistics,
        "Jobs by status, mean duration, tokens/s and success rate",
        query=(("days", "integer", "over the last this many days"),),
    ),
    Endpoint("GET", "/api/cache/stats", cache_stats, "Cache entries, hits and misses"),
    Endpoint("DELETE", "/api/cache", clear_cache, "Forget every cached generation"),
)
