"""The OpenAPI 3.1 document, built from the same Endpoint records as the routes and the same
JSON Schemas as the request checks, so it cannot drift from what the server does."""

import html
import re
from collections.abc import Sequence
from typing import Any

from modules.serve.api_schemas import SCHEMAS
from modules.serve.endpoints import Endpoint

PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")
ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def openapi_document(endpoints: Sequence[Endpoint], version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        path = PARAMETER.sub(r"{\1}", endpoint.path)
        paths.setdefault(path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Genecator studio", "version": version},
        "paths": paths,
        "components": {"schemas": {**SCHEMAS, "Error": ERROR_SCHEMA}},
    }


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
        for name, _ in PARAMETER.findall(endpoint.path)
    ]
    parameters += [
        {"name": name, "in": "query", "schema": {"type": kind}, "description": text}
        for name, kind, text in endpoint.query
    ]
    responses: dict[str, dict[str, Any]] = {}
    if 201 not in endpoint.responses:
        responses["200"] = {"description": "OK"}
    for status, text in endpoint.responses.items():
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        responses[str(status)] = {
            "description": text,
            **({"content": body} if status >= 400 else {}),
        }
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "operationId": endpoint.handler.__name__,
        "parameters": parameters,
        "responses": responses,
    }
    if endpoint.body:
        schema = {"$ref": f"#/components/schemas/{endpoint.body}"}
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    return operation


def docs_page(document: dict[str, Any]) -> str:
    """A plain HTML page listing every operation (no external script: the studio is offline)."""
    rows = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = ", ".join(operation["responses"])
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code>"
                f"</td><td>{html.escape(operation['summary'])}</td><td>{codes}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Genecator studio API"
        "</title></head><body><h1>Genecator studio API</h1><p>The machine-readable document: "
        "<a href='/openapi.json'>/openapi.json</a></p><table><thead><tr><th>Method</th>"
        "<th>Path</th><th>What</th><th>Responses</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>"
    )
