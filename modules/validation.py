"""JSON reading and schema validation that point at the exact file and field."""

import difflib
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from modules.errors import ConfigError, GenecatorError


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A '; did you mean …?' hint for a misspelt name, or '' when nothing is close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def read_json(path: Path, error: type[GenecatorError] = ConfigError) -> Any:
    """Parse a JSON file, turning unreadable or malformed files into one clear error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    text = resources.files("modules.schemas").joinpath(schema_name).read_text("utf-8")
    return Draft202012Validator(json.loads(text))


def schema_problems(document: Any, schema_name: str, label: str) -> list[str]:
    """Every schema violation of `document`, one line each, sorted by JSON path."""
    errors = _validator(schema_name).iter_errors(document)
    ordered = sorted(errors, key=lambda err: (err.json_path, err.message))
    return [f"{label}: {err.json_path}: {_describe(err)}" for err in ordered]


def _describe(error: ValidationError) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        unknown = sorted(key for key in error.instance if key not in known)
        return "; ".join(f"unknown key '{key}'{did_you_mean(key, known)}" for key in unknown)
    return error.message
