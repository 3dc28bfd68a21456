"""JSON Schemas of the studio's request bodies: checked on every request (422 with the JSON
path of each problem) and published in the OpenAPI document."""

from functools import cache
from typing import Any, get_args

from jsonschema import Draft202012Validator

from modules.load.chain_settings import CHAINS
from modules.settings import AnimatedFormat, PngCompression

MAX_TOKENS = 1_000_000

GENERATE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["n"],
    "properties": {
        "n": {"type": "integer", "minimum": 1, "maximum": MAX_TOKENS},
        "seed": {"type": ["integer", "null"], "minimum": 0},
        "format": {"enum": ["png", "jpg", "webp"]},
        "animated_format": {"enum": list(get_args(AnimatedFormat))},
        "quality": {"type": "integer", "minimum": 1, "maximum": 100},
        "png_compression": {"enum": list(get_args(PngCompression))},
        "chains": {"type": "array", "items": {"enum": list(CHAINS)}, "uniqueItems": True},
    },
}

NEW_COLLECTION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["traits"],
    "properties": {
        "traits": {"type": "string", "minLength": 1, "maxLength": 4096},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "config": {"type": "object"},
        "ruler": {"type": "object"},
        "config_file": {"type": "string", "minLength": 1, "maxLength": 4096},
        "ruler_file": {"type": "string", "minLength": 1, "maxLength": 4096},
    },
    "not": {
        "anyOf": [
            {"required": ["config", "config_file"]},
            {"required": ["ruler", "ruler_file"]},
        ]
    },
}

DOCUMENT: dict[str, Any] = {"type": "object"}

REROLL: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"keep": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}},
}

BATCH: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["requests"],
    "properties": {
        "requests": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": {
                **GENERATE,
                "required": ["collection_id", "n"],
                "properties": {
                    **GENERATE["properties"],
                    "collection_id": {"type": "integer", "minimum": 1},
                },
            },
        },
        "continue_on_error": {"type": "boolean"},
    },
}

SCHEMAS = {
    "GenerateRequest": GENERATE,
    "NewCollection": NEW_COLLECTION,
    "RerollRequest": REROLL,
    "BatchRequest": BATCH,
    "Document": DOCUMENT,
}


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name])


def request_problems(name: str, body: Any) -> list[dict[str, str]]:
    """Every way `body` breaks schema `name`, sorted by path: [{"path", "message"}]."""
    errors = sorted(_validator(name).iter_errors(body), key=lambda e: e.json_path)
    return [{"path": e.json_path, "message": f"{e.json_path}: {e.message}"} for e in errors]
