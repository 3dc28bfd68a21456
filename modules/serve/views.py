"""The JSON documents the API answers with: a job and a collection, with their URLs."""

from typing import Any

from modules.serve.gallery import layer_catalog
from modules.serve.studio import Studio

RESUMABLE = ("cancelled", "interrupted", "failed")
CHECKPOINT = "rng_state.json"


def job_urls(job_id: int, collection_id: int) -> dict[str, str]:
    return {
        "job": f"/api/jobs/{job_id}",
        "events": f"/api/jobs/{job_id}/events",
        "collection": f"/api/collections/{collection_id}",
    }


def job_document(studio: Studio, job: dict[str, Any]) -> dict[str, Any]:
    """A job as the API shows it; resumable when it stopped with a checkpoint to go on from."""
    resumable = job["status"] in RESUMABLE and (studio.output(job) / CHECKPOINT).exists()
    return {
        "id": job["id"],
        "collection_id": job["collection_id"],
        "kind": "resume" if job["resume"] else "generate",
        "status": job["status"],
        "n": job["n"],
        "seed": job["seed"],
        "params": job["params"],
        "done": job["done"],
        "total": job["n"],
        "rate": job["rate"],
        "eta_seconds": job["eta"],
        "created_at": job["created"],
        "started_at": job["started"],
        "finished_at": job["finished"],
        "duration_seconds": job["seconds"],
        "exit_code": job["exit_code"],
        "message": job["message"],
        "resumable": resumable,
        "rerolls": job["rerolls"],
        "urls": job_urls(job["id"], job["collection_id"]),
    }


def collection_document(studio: Studio, collection: dict[str, Any]) -> dict[str, Any]:
    """A collection with its layers, capacity and warnings (the preflight's, cached)."""
    cid = collection["id"]
    check = studio.check(studio.files(collection))
    current = studio.store.latest_job(cid, ["succeeded"])
    base = f"/api/collections/{cid}"
    return {
        "id": cid,
        "name": collection["name"],
        "traits": collection["traits"],
        "created_at": collection["created"],
        "layers": layer_catalog(
            check.spec, lambda layer, option: f"{base}/layers/{layer}/options/{option}/image"
        ),
        "capacity": {"count": check.capacity.count, "exact": check.capacity.exact},
        "warnings": check.warnings,
        "current_job": job_document(studio, current) if current else None,
        "urls": {
            "self": base,
            "config": f"{base}/config",
            "ruler": f"{base}/ruler",
            "dry_run": f"{base}/dry-run",
            "generate": f"{base}/generate",
            "tokens": f"{base}/tokens",
            "ledger": f"{base}/ledger",
        },
    }
