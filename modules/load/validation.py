"""JSON reading and schema validation that point at the exact file and field."""

import difflib
import json
import math
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from modules.errors import ConfigError, GenecatorError

MAX_SHOWN = 80  # characters of a wrong value quoted in a schema message
# Configs, rules, config.js and token metadata are far smaller; a bigger file is a mistake
# that would cost several times its size in memory to parse.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Refused(ValueError):
    """Raised by the JSON parser hooks; read_json turns it into the caller's error class."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A '; did you mean …?' hint for a misspelt name, or '' when nothing is close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def nfc(name: str) -> str:
    """The composed Unicode form, so 'é' typed in a config and 'e' + accent from a macOS
    file name are the same name."""
    return unicodedata.normalize("NFC", name)


def is_plain_name(name: str) -> bool:
    """Whether `name` is a single file or folder name: not empty, '.' or '..', without a path
    separator or control characters (so it cannot leave the folder it is looked up in)."""
    return (
        name not in ("", ".", "..")
        and "/" not in name
        and os.sep not in name
        and not any(unicodedata.category(char) == "Cc" for char in name)
    )


def file_kind(mode: int) -> str:
    """What stands at a path, for a refusal: "a folder", "a pipe", "a file"…"""
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    return "a socket" if stat.S_ISSOCK(mode) else "a device"


def read_text_file(
    path: Path, error: type[GenecatorError], max_bytes: int | None = MAX_DOCUMENT_BYTES
) -> str:
    """A UTF-8 text file's contents (a BOM is dropped), refused before it is read when it is
    not a regular file (a pipe would block) or larger than `max_bytes`."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise error(
                f"{path}: is {file_kind(status.st_mode)}, not a file; give the path of the file"
            )
        if max_bytes is not None and status.st_size > max_bytes:
            raise error(
                f"{path}: {status.st_size / 2**20:.0f} MiB is more than the {max_bytes >> 20} "
                "MiB such a file may be, so it is not read; check it is the right file"
            )
        # utf-8-sig: editors on Windows save a BOM, which is harmless.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        msg = f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        raise error(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read it ({exc.strerror or exc}); check the path and its permissions"
        raise error(msg) from None


def read_json(
    path: Path,
    error: type[GenecatorError] = ConfigError,
    max_bytes: int | None = MAX_DOCUMENT_BYTES,
) -> Any:
    """Parse a JSON file strictly (no NaN/Infinity, no duplicate keys, no unpaired
    surrogates; a UTF-8 BOM is fine), turning every way it can be unusable into one error."""
    text = read_text_file(path, error, max_bytes)
    if not text.strip():
        raise error(f"{path}: file is empty; it must hold a JSON object")
    try:
        document = parse_json(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:  # _Refused, and ints longer than Python's digit limit
        raise error(f"{path}: {_value_problem(exc)}") from None
    except RecursionError:
        raise error(f"{path}: nested too deeply to be a Genecator file") from None
    # Decoded UTF-8 holds no surrogates; only a \uD800-\uDFFF escape can bring one in.
    bad = first_unpaired_surrogate(document) if SURROGATE_ESCAPE.search(text) else None
    if bad is not None:
        raise error(
            f"{path}: {bad}: contains an unpaired UTF-16 surrogate (a \\ud800-\\udfff escape "
            "on its own), which no file can store; remove it"
        )
    return document


def parse_json(text: str) -> Any:
    """json.loads, refusing what the standard module would silently accept."""
    return json.loads(
        text,
        object_pairs_hook=_unique_keys,
        parse_constant=_no_constant,
        parse_float=_finite_float,
    )


def _value_problem(exc: ValueError) -> str:
    if isinstance(exc, _Refused):
        return str(exc)
    return "a number has too many digits (over 4300); use a shorter one"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; a hand-edited config means one of them.
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            msg = f"key '{key}' appears twice in one object; keep only one"
            raise _Refused(msg)
        seen.add(key)
    return dict(pairs)


def _no_constant(name: str) -> float:
    msg = f"{name} is not a JSON number; use a number"
    raise _Refused(msg)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        msg = f"{text} is too large for a number; use a smaller one"
        raise _Refused(msg)
    return value


def first_unpaired_surrogate(document: Any) -> str | None:
    """JSON path of the first string (value or key) holding an unpaired surrogate."""
    for where, text in _strings(document):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return where
    return None


def _strings(document: Any) -> Iterator[tuple[str, str]]:
    """Every string in `document` with its JSON path; iterative, so depth cannot overflow."""
    stack = [("$", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield where, key
                stack.append((f"{where}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))


def _is_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema counts 3.0 as an integer; Genecator wants ints (image sizes, weights).
    return isinstance(instance, int) and not isinstance(instance, bool)


_StrictValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    text = resources.files("modules.load.schemas").joinpath(schema_name).read_text("utf-8")
    return _StrictValidator(json.loads(text))


def schema_problems(document: Any, schema_name: str, label: str) -> list[str]:
    """Every schema violation of `document`, one line each, sorted by JSON path."""
    errors = _validator(schema_name).iter_errors(document)
    ordered = sorted(errors, key=lambda err: (err.json_path, err.message))
    return [f"{label}: {err.json_path}: {_describe(err)}" for err in ordered]


def _describe(error: ValidationError) -> str:
    if (
        error.validator == "additionalProperties"
        and isinstance(error.instance, dict)
        and isinstance(error.schema, Mapping)
    ):
        known = error.schema.get("properties", {})
        unknown = sorted(key for key in error.instance if key not in known)
        return "; ".join(f"unknown key '{key}'{did_you_mean(key, known)}" for key in unknown)
    if error.validator == "type" and (error.instance is None or isinstance(error.instance, bool)):
        return f"{json.dumps(error.instance)} is not of type {error.validator_value!r}"
    return _shortened(error.message, repr(error.instance))


def _shortened(message: str, shown: str) -> str:
    """jsonschema starts messages with the value; keep a long one from flooding the line."""
    if len(shown) > MAX_SHOWN and message.startswith(shown):
        return shown[: MAX_SHOWN - 3] + "..." + message[len(shown) :]
    return message
