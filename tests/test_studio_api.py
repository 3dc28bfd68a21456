"""The studio's API through an HTTP test client, on the bundled sample art: every endpoint,
its refusals (422/404/409/413/429), SSE streams read to the end, and jobs whose output is
byte for byte the CLI's."""

import io
import json
import math
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from starlette.testclient import TestClient

from modules.analysis.collection_reader import read_collection
from modules.analysis.rarity import rank_rarity
from modules.run.input_check import check_inputs
from modules.serve.app import ENDPOINTS, create_app
from modules.serve.studio import StudioOptions, build_studio
from modules.serve.uploads import UploadLimits
from tests.conftest import REPO
from tests.studio_helpers import cli_collection, folder_hashes, parse_sse, sample_workspace

N, SEED = 30, 5
LONG = 2000  # a job that cannot finish before it is cancelled
SAMPLE = check_inputs(REPO / "config.sample.json", REPO / "ruler.sample.json", REPO / "traits")
CAPACITY = {"count": SAMPLE.capacity.count, "exact": SAMPLE.capacity.exact}


def studio_client(workspace: Path, **options: Any) -> TestClient:
    studio = build_studio(StudioOptions(workspace, workers=1, **options))
    return TestClient(create_app(studio), base_url="http://127.0.0.1")


def follow(client: TestClient, job_id: int) -> list[dict[str, Any]]:
    """Every event of a job, read from its stream until `end`."""
    with client.stream("GET", f"/api/jobs/{job_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_sse(response.iter_lines())


def cancel(client: TestClient, job_id: int) -> str:
    """Cancel a job and wait until it has stopped: its final status."""
    assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 202
    return str(follow(client, job_id)[-1]["data"]["status"])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_workspace(tmp_path_factory.mktemp("studio"))


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[TestClient]:
    with studio_client(workspace) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def collection(client: TestClient) -> dict[str, Any]:
    body = {"traits": "traits", "name": "Critters", "config_file": "config.sample.json"}
    response = client.post("/api/collections", json={**body, "ruler_file": "ruler.sample.json"})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def finished(client: TestClient, collection: dict[str, Any]) -> dict[str, Any]:
    """A generation of N tokens with SEED, run to the end: (answer, events)."""
    response = client.post(
        f"/api/collections/{collection['id']}/generate", json={"n": N, "seed": SEED}
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    return {"answer": answer, "events": follow(client, answer["job_id"])}


def collection_folder(workspace: Path, cid: int, client: TestClient) -> Path:
    studio = client.app.state.studio  # type: ignore[attr-defined]
    return studio.files(studio.store.collection(cid)).folder


def test_folders_and_a_new_collection_show_the_sample_layers(
    client: TestClient, collection: dict[str, Any]
) -> None:
    assert client.get("/api/folders").json()["folders"] == [
        {
            "path": "traits",
            "layers": 6,
            "images": 37,
            "configs": ["config.sample.json"],
            "rulers": ["ruler.sample.json"],
        }
    ]
    config = json.loads((REPO / "config.sample.json").read_text())
    assert [layer["name"] for layer in collection["layers"]] == config["trait_order"]
    eyes = next(layer for layer in collection["layers"] if layer["name"] == "Eyes")
    assert len(eyes["options"]) == len(config["traits"]["Eyes"]["options"])
    assert collection["capacity"] == CAPACITY
    listed = client.get("/api/collections").json()["collections"]
    assert [c["name"] for c in listed] == ["Critters"]
    assert (
        client.get(f"/api/collections/{collection['id']}").json()["layers"] == collection["layers"]
    )


def test_an_option_image_is_the_trait_file(client: TestClient, collection: dict[str, Any]) -> None:
    option = collection["layers"][0]["options"][1]
    image = client.get(option["image_url"])
    assert image.status_code == 200
    name = option["name"]
    files = sorted((REPO / "traits" / collection["layers"][0]["name"]).glob(f"{name}*"))
    assert image.content == files[0].read_bytes()
    missing = client.get(f"/api/collections/{collection['id']}/layers/0/options/99/image")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({"traits": 5, "extra": 1}, ["$", "$.traits"]),
        ({}, ["$"]),
        ({"traits": "../outside"}, ["$.traits"]),
        ({"traits": "traits/Body"}, ["$.traits"]),
    ],
)
def test_a_bad_collection_request_is_422_with_the_paths(
    client: TestClient, body: dict[str, Any], paths: list[str]
) -> None:
    response = client.post("/api/collections", json=body)
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == paths


def test_a_body_that_is_not_json_is_422(client: TestClient) -> None:
    response = client.post("/api/collections", content=b"{not json")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("the request body is not JSON")


def test_config_errors_are_the_clis_own_lines_with_their_paths(
    client: TestClient, collection: dict[str, Any], workspace: Path, tmp_path: Path
) -> None:
    url = f"/api/collections/{collection['id']}/config"
    config = client.get(url).json()
    config["traits"]["Eyes"]["options"][2]["rarity"] = 7
    config["traits"]["Body"]["options"][0]["rarity"] = 0
    response = client.put(url, json=config)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["path"] for e in errors] == [
        "$.traits.Body.options[0].rarity",
        "$.traits.Eyes.options[2].rarity",
    ]
    (tmp_path / "config.json").write_text(json.dumps(config))
    ruler = str(REPO / "ruler.sample.json")
    traits = str(workspace / "traits")
    validate = subprocess.run(
        [
            sys.executable,
            "-m",
            "modules.cli",
            "validate",
            "-c",
            "config.json",
            "-r",
            ruler,
            "-t",
            traits,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert [f"Error: {e['message']}" for e in errors] == [
        line for line in validate.stderr.splitlines() if line.startswith("Error: ")
    ]
    # Refused means unchanged.
    assert client.get(url).json()["traits"]["Eyes"]["options"][2]["rarity"] != 7


def test_rules_are_checked_and_change_the_capacity(
    client: TestClient, collection: dict[str, Any], tmp_path: Path
) -> None:
    url = f"/api/collections/{collection['id']}/ruler"
    sample = client.get(url).json()
    assert sample == json.loads((REPO / "ruler.sample.json").read_text())
    wrong = {"rules": [{**sample["rules"][0], "if": {"trait_type": "Eyez", "value": ["*"]}}]}
    refused = client.put(url, json=wrong)
    assert refused.status_code == 422
    assert "did you mean 'Eyes'?" in refused.json()["detail"]
    cut = {"if": {"trait_type": "Body", "value": ["Robot"]}}
    cut["then"] = {"trait_type": "Eyes", "excluded_values": ["Laser", "Wink"]}
    fewer = {"rules": [*sample["rules"], cut]}
    changed = client.put(url, json=fewer)
    assert changed.status_code == 200
    (tmp_path / "ruler.json").write_text(json.dumps(fewer))
    expected = check_inputs(REPO / "config.sample.json", tmp_path / "ruler.json", REPO / "traits")
    assert changed.json()["capacity"]["count"] == expected.capacity.count < CAPACITY["count"]
    assert client.put(url, json=sample).json()["capacity"] == CAPACITY


def test_a_dry_run_plans_n_tokens_and_an_impossible_one_is_422(
    client: TestClient, collection: dict[str, Any]
) -> None:
    url = f"/api/collections/{collection['id']}/dry-run"
    plan = client.get(url, params={"n": 40, "seed": 3}).json()
    assert plan["seed"] == 3
    assert plan["capacity"] == CAPACITY
    eyes = [row["count"] for row in plan["distribution"] if row["trait_type"] == "Eyes"]
    assert sum(eyes) == 40
    assert plan["lines"][0].startswith("Planned 40 tokens with seed 3")
    too_many = client.get(url, params={"n": CAPACITY["count"] + 1})
    assert too_many.status_code == 422
    assert str(CAPACITY["count"]) in too_many.json()["detail"]
    assert client.get(url, params={"n": "ten"}).status_code == 422
    generate = f"/api/collections/{collection['id']}/generate"
    refused = client.post(generate, json={"n": CAPACITY["count"] + 1})
    assert refused.status_code == 422
    assert refused.json()["detail"] == too_many.json()["detail"]
    assert refused.json()["errors"][0]["path"] == "$.n"


def test_a_generation_streams_to_the_end_and_equals_the_cli(
    client: TestClient,
    collection: dict[str, Any],
    finished: dict[str, Any],
    workspace: Path,
    tmp_path: Path,
) -> None:
    answer, events = finished["answer"], finished["events"]
    assert answer["status"] == "queued"
    assert answer["cached"] is False
    assert answer["estimated_duration"] > 0
    assert answer["urls"]["events"] == f"/api/jobs/{answer['job_id']}/events"
    kinds = [event["event"] for event in events]
    assert kinds[0] == "status"
    assert kinds[-1] == "end"
    statuses = [e["data"]["status"] for e in events if e["event"] == "status"]
    assert statuses == ["queued", "running", "succeeded"]
    done = [e["data"]["done"] for e in events if e["event"] == "progress"]
    assert done == sorted(done)
    assert done[-1] == N
    report = next(e["data"] for e in events if e["event"] == "report")
    assert report["exit_code"] == 0
    assert report["seed"] == SEED
    job = client.get(answer["urls"]["job"]).json()
    assert (job["status"], job["done"], job["exit_code"]) == ("succeeded", N, 0)
    folder = collection_folder(workspace, collection["id"], client)
    studio_output = folder / "jobs" / str(answer["job_id"]) / "output"
    cli_output = cli_collection(
        folder, workspace / "traits", tmp_path / "cli", "-n", str(N), "--seed", str(SEED)
    )
    assert folder_hashes(studio_output) == folder_hashes(cli_output)


def test_the_same_request_is_answered_from_the_cache(
    client: TestClient, collection: dict[str, Any], finished: dict[str, Any]
) -> None:
    url = f"/api/collections/{collection['id']}/generate"
    before = client.get("/api/cache/stats").json()
    again = client.post(url, json={"n": N, "seed": SEED})
    assert again.status_code == 200
    assert again.json()["cached"] is True
    assert again.json()["job_id"] == finished["answer"]["job_id"]
    after = client.get("/api/cache/stats").json()
    assert after["hits"] == before["hits"] + 1
    assert after["entries"] >= 1
    # A request that differs in one option is not the same generation.
    other = client.post(url, json={"n": LONG, "seed": SEED, "format": "jpg"})
    assert other.status_code == 201
    assert cancel(client, other.json()["job_id"]) == "cancelled"
    assert client.delete("/api/cache").json()["removed"] >= 1
    assert client.get("/api/cache/stats").json() == {"entries": 0, "hits": 0, "misses": 0}


def test_the_gallery_pages_filters_and_ranks(
    client: TestClient, collection: dict[str, Any], finished: dict[str, Any], workspace: Path
) -> None:
    url = f"/api/collections/{collection['id']}/tokens"
    page = client.get(url, params={"per_page": 12, "page": 3}).json()
    assert (page["total"], page["pages"], page["page"]) == (N, 3, 3)
    assert [token["id"] for token in page["tokens"]] == list(range(25, N + 1))
    eyes = page["traits"]["Eyes"][0]
    narrowed = client.get(url, params={"trait": f"Eyes:{eyes}", "per_page": 100}).json()
    folder = collection_folder(workspace, collection["id"], client)
    output = folder / "jobs" / str(finished["answer"]["job_id"]) / "output"
    tokens = read_collection(output)
    expected = [t.token_id for t in tokens if t.traits.get("Eyes") == eyes]
    assert [token["id"] for token in narrowed["tokens"]] == expected
    ranks = {r.token_id: r.rank for r in rank_rarity(tokens).tokens}
    detail = client.get(f"{url}/7").json()
    assert detail["rank"] == ranks[7]
    assert detail["attributes"] == tokens[6].metadata["attributes"]
    image = client.get(detail["image_url"])
    assert image.content == (output / "image" / "7.png").read_bytes()
    assert client.get(f"{url}/999").status_code == 404
    assert client.get(url, params={"trait": "Eyes"}).status_code == 422


def test_the_ledger_lists_every_value(
    client: TestClient, collection: dict[str, Any], finished: dict[str, Any]
) -> None:
    ledger = client.get(f"/api/collections/{collection['id']}/ledger").json()
    options = sum(len(layer["options"]) for layer in collection["layers"])
    assert len(ledger["rows"]) >= options
    assert ledger["flagged"] == sum(row["flagged"] for row in ledger["rows"])
    assert sum(row["count"] for row in ledger["rows"] if row["trait_type"] == "Eyes") == N


def test_a_reroll_keeps_the_locked_traits_and_leaves_the_cache(
    client: TestClient, collection: dict[str, Any], finished: dict[str, Any]
) -> None:
    url = f"/api/collections/{collection['id']}/tokens/4"
    before = client.get(url).json()
    after = client.post(f"{url}/reroll", json={"keep": ["Eyes", "Body"]})
    assert after.status_code == 200, after.text
    traits_before = {a["trait_type"]: a["value"] for a in before["attributes"]}
    traits_after = {a["trait_type"]: a["value"] for a in after.json()["attributes"]}
    assert traits_after["Eyes"] == traits_before["Eyes"]
    assert traits_after["Body"] == traits_before["Body"]
    assert traits_after != traits_before
    unknown = client.post(f"{url}/reroll", json={"keep": ["Eyez"]})
    assert unknown.status_code == 422
    assert "Eyez" in unknown.json()["detail"]
    again = client.post(
        f"/api/collections/{collection['id']}/generate", json={"n": N, "seed": SEED}
    )
    assert again.json()["cached"] is False  # a re-rolled output is not a fresh run's
    assert client.post(f"{url}/reroll", json={}).status_code == 409  # that job is queued
    assert cancel(client, again.json()["job_id"]) in ("cancelled", "succeeded")


def test_missing_things_are_404(client: TestClient, collection: dict[str, Any]) -> None:
    for url in (
        "/api/collections/999",
        "/api/collections/999/tokens",
        "/api/jobs/999",
        "/api/jobs/999/events",
        "/api/nothing-here",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "detail" in response.json()


def test_a_collection_without_a_generation_has_no_gallery(client: TestClient) -> None:
    created = client.post("/api/collections", json={"traits": "traits", "name": "Empty"})
    response = client.get(f"/api/collections/{created.json()['id']}/tokens")
    assert response.status_code == 404
    assert "no finished generation" in response.json()["detail"]


def test_cancel_and_resume_refuse_what_cannot_be_done(
    client: TestClient, finished: dict[str, Any]
) -> None:
    job_id = finished["answer"]["job_id"]
    assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 409
    assert client.post(f"/api/jobs/{job_id}/resume").status_code == 409


def test_history_filters_and_statistics(client: TestClient, finished: dict[str, Any]) -> None:
    everything = client.get("/api/jobs").json()
    assert everything["total"] == len(everything["jobs"]) >= 2
    succeeded = client.get("/api/jobs", params={"status": "succeeded"}).json()
    assert {job["status"] for job in succeeded["jobs"]} == {"succeeded"}
    second = client.get("/api/jobs", params={"limit": 1, "offset": 1}).json()
    assert second["jobs"][0]["id"] == everything["jobs"][1]["id"]
    assert client.get("/api/jobs", params={"status": "sleeping"}).status_code == 422
    stats = client.get("/api/statistics", params={"days": 7}).json()
    assert stats["by_status"]["succeeded"] == succeeded["total"]
    assert stats["jobs"] == everything["total"]
    assert 0 < stats["success_rate"] <= 1
    assert stats["tokens_per_second"] > 0


def test_a_batch_stops_at_the_first_refusal_unless_told_to_go_on(
    client: TestClient, collection: dict[str, Any], finished: dict[str, Any]
) -> None:
    requests = [
        {"collection_id": 999, "n": 5, "seed": 1},
        {"collection_id": collection["id"], "n": LONG, "seed": SEED, "format": "webp"},
    ]
    stopped = client.post("/api/batch", json={"requests": requests}).json()["results"]
    assert [r["status"] for r in stopped] == [404, 0]
    went_on = client.post("/api/batch", json={"requests": requests, "continue_on_error": True})
    results = went_on.json()["results"]
    assert [r["status"] for r in results] == [404, 201]
    assert cancel(client, results[1]["body"]["job_id"]) == "cancelled"
    bad = client.post("/api/batch", json={"requests": [{"n": 0}]})
    assert [e["path"] for e in bad.json()["errors"]] == ["$.requests[0]", "$.requests[0].n"]


def test_generate_is_rate_limited(tmp_path: Path) -> None:
    with studio_client(sample_workspace(tmp_path / "ws"), generate_rate=2) as limited:
        cid = limited.post("/api/collections", json={"traits": "traits"}).json()["id"]
        answers = [
            limited.post(f"/api/collections/{cid}/generate", json={"n": LONG, "seed": s})
            for s in range(3)
        ]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[2].headers["retry-after"] == "60"
        for answer in answers[:2]:
            cancel(limited, answer.json()["job_id"])


def test_uploads_are_unpacked_safely(tmp_path: Path) -> None:
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as archive:
        for path in sorted((REPO / "traits").rglob("*.png")):
            archive.write(path, f"art/{path.relative_to(REPO / 'traits')}")
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../evil.png", b"x")
    limits = UploadLimits(max_bytes=len(good.getvalue()) + 10)
    with studio_client(sample_workspace(tmp_path / "ws"), upload=limits) as uploads:
        created = uploads.post("/api/collections/upload?name=Zipped", content=good.getvalue())
        assert created.status_code == 201, created.text
        layers = created.json()["layers"]
        product = math.prod(len(layer["options"]) for layer in layers)
        assert created.json()["capacity"]["count"] == product
        refused = uploads.post("/api/collections/upload", content=evil.getvalue())
        assert refused.status_code == 422
        assert "zip-slip" in refused.json()["detail"]
        big = uploads.post("/api/collections/upload", content=good.getvalue() + b"0" * 20)
        assert big.status_code == 413


def test_a_token_guards_every_request_and_the_host_must_be_local(tmp_path: Path) -> None:
    with studio_client(sample_workspace(tmp_path / "ws"), token="s3cret") as guarded:
        assert guarded.get("/api/folders").status_code == 401
        assert (
            guarded.get("/api/folders", headers={"Authorization": "Bearer s3cret"}).status_code
            == 200
        )
        assert guarded.get("/api/folders", params={"token": "s3cret"}).status_code == 200
        assert (
            guarded.get("/api/folders", headers={"Authorization": "Bearer wrong"}).status_code
            == 401
        )
        page = guarded.get("/", params={"token": "s3cret"})
        assert page.status_code == 200
        assert "genecator_token=s3cret" in page.headers["set-cookie"]
        guarded.cookies.set("genecator_token", "s3cret")
        assert guarded.get("/api/folders").status_code == 200
    with studio_client(sample_workspace(tmp_path / "ws2")) as local:
        assert local.get("/api/folders", headers={"Host": "evil.example:8000"}).status_code == 403
        assert local.get("/api/folders", headers={"Host": "localhost:8000"}).status_code == 200


def test_an_unexpected_failure_is_a_500_without_a_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    studio = client.app.state.studio  # type: ignore[attr-defined]

    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(studio.store, "collections", broken)
    # As a real server answers: the handler's exception does not reach the client.
    served = TestClient(client.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    response = served.get("/api/collections")
    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert "disk on fire" not in response.text


def test_the_openapi_document_lists_every_route_and_its_schemas(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    listed = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    routes = {(e.method, e.path.replace(":int", "")) for e in ENDPOINTS}
    assert listed == routes
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    docs = client.get("/docs").text
    assert all(path in docs for _, path in routes)
    assert client.get("/").status_code == 200
