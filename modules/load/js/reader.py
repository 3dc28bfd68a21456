"""The entry point: read_js_config reads the object a config.js exports, never running any code.

What cannot be worked out without running code (a function, a `require(...)`, `process.cwd()`,
`Math.random()`) becomes an `Unsupported` value in place, and `JsConfig.unsupported` lists
each one by its path, so an importer can tell the user instead of dropping it. A statement that
is not a declaration or an assignment (`if`, `for`, …) is not read, and is listed the same way.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from modules.errors import ConfigError
from modules.load.js.parser import Parser
from modules.load.js.tokens import Lexer
from modules.load.js.values import NOT_SET, UNDEFINED, Unsupported, js_type


@dataclass(frozen=True)
class JsConfig:
    """The object a config.js exports, and one "path: description" line per Unsupported in it
    or statement not read."""

    exports: dict[str, Any]
    unsupported: list[str] = field(default_factory=list)


def read_js_config(text: str, source: str) -> JsConfig:
    """Read the exported object of a config.js; a syntax error raises ConfigError with one
    line: `{source}: line {n} column {c}: {what}; {what to do}`."""
    tokens = Lexer(text, source).tokens()
    parser = Parser(tokens, text, source)
    try:
        parser.program()
        return _result(parser, source)
    except RecursionError:
        raise ConfigError(f"{source}: nested too deeply to read; simplify the file") from None


def _result(parser: Parser, source: str) -> JsConfig:
    exports = parser.exports
    if exports is NOT_SET:
        msg = f"{source}: nothing is exported; a config.js ends with module.exports = {{ … }}"
        raise ConfigError(msg)
    if not isinstance(exports, dict):
        what = exports.description if isinstance(exports, Unsupported) else js_type(exports)
        raise ConfigError(f"{source}: module.exports is {what}, not an object; export {{ … }}")
    unsupported: list[str] = []
    frozen = _freeze(exports, "", unsupported, set())
    return JsConfig(exports=frozen, unsupported=unsupported + parser.skipped)


def _freeze(value: Any, path: str, unsupported: list[str], open_: set[int]) -> Any:
    """A fresh copy for the caller (no shared or circular references); lists each Unsupported."""
    if isinstance(value, Unsupported):
        unsupported.append(f"{path or '(root)'}: {value.description}")
        return value
    if not isinstance(value, dict | list):
        return None if value is UNDEFINED else value
    if id(value) in open_:
        return _freeze(Unsupported("a reference to itself"), path, unsupported, open_)
    open_.add(id(value))
    if isinstance(value, list):
        frozen: Any = [
            _freeze(item, f"{path}[{i}]", unsupported, open_) for i, item in enumerate(value)
        ]
    else:
        frozen = {
            key: _freeze(item, _key_path(path, key), unsupported, open_)
            for key, item in value.items()
            if item is not UNDEFINED
        }
    open_.discard(id(value))
    return frozen


def _key_path(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_$][\w$]*", key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"
