"""The grammar's destructuring patterns (`const { MODE } = require(…)`) and binding a value to
them.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from modules.load.js.cursor import describe
from modules.load.js.expressions import Expressions
from modules.load.js.values import FAILED, UNDEFINED, Unsupported, member


@dataclass
class Pattern:
    """A name, or an object/array pattern: (key or index, sub-pattern, default) entries."""

    name: str | None = None
    kind: str = "name"  # name, object, array
    entries: list[tuple[Any, "Pattern | None", Any]] = field(default_factory=list)
    rest: "Pattern | None" = None
    rest_start: int = 0  # where an array pattern's ...rest begins

    def names(self) -> Iterator[str]:
        if self.name is not None:
            yield self.name
        for _, pattern, _ in self.entries:
            if pattern is not None:
                yield from pattern.names()
        if self.rest is not None:
            yield from self.rest.names()


_NO_DEFAULT = object()


class Patterns(Expressions):
    """Destructuring patterns; built on by the statements."""

    def binding_pattern(self) -> Pattern:
        token = self.peek()
        if token.kind == "name":
            self.advance()
            return Pattern(name=token.value)
        if self.at_punct("{"):
            return self.object_pattern()
        if self.at_punct("["):
            return self.array_pattern()
        raise self.error(token, f"expected a name but found {describe(token)}", "name the constant")

    def pattern_default(self) -> Any:
        if not self.at_punct("="):
            return _NO_DEFAULT
        self.advance()
        return self.assignment()

    def object_pattern(self) -> Pattern:
        pattern = Pattern(kind="object")
        self.advance()
        while not self.at_punct("}"):
            if self.at_punct("..."):
                self.advance()
                pattern.rest = self.binding_pattern()
            else:
                key_token = self.peek()
                key = self.property_key()
                target = Pattern(name=key) if key_token.kind == "name" else None
                if self.at_punct(":"):
                    self.advance()
                    target = self.binding_pattern()
                if target is None:
                    raise self.error(self.peek(), "expected ':' after a quoted key", "name it")
                pattern.entries.append((key, target, self.pattern_default()))
            self.separator("}", "the names")
        self.advance()
        return pattern

    def array_pattern(self) -> Pattern:
        pattern = Pattern(kind="array")
        self.advance()
        index = 0
        while not self.at_punct("]"):
            if self.at_punct("..."):
                self.advance()
                pattern.rest, pattern.rest_start = self.binding_pattern(), index
            elif not self.at_punct(","):
                target = self.binding_pattern()
                pattern.entries.append((index, target, self.pattern_default()))
            index += 1
            self.separator("]", "the names")
        self.advance()
        return pattern

    def bind(self, pattern: Pattern, value: Any) -> None:
        if pattern.name is not None:
            self.scope[pattern.name] = value
            return
        for key, target, default in pattern.entries:
            item = value if isinstance(value, Unsupported) else member(value, key)
            if item is UNDEFINED and default is not _NO_DEFAULT:
                item = default
            if item is FAILED:
                item = Unsupported(f"`{key}` of a value that is not an object")
            if target is not None:
                self.bind(target, item)
        if pattern.rest is not None:
            self.bind(pattern.rest, _rest_of(pattern, value))


def _rest_of(pattern: Pattern, value: Any) -> Any:
    """What `...rest` in a destructuring pattern receives."""
    if isinstance(value, Unsupported):
        return value
    taken = {key for key, _, _ in pattern.entries}
    if pattern.kind == "array":
        if isinstance(value, list):
            return list(value[pattern.rest_start :])
        return Unsupported("the rest of a value that is not an array")
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key not in taken}
    return Unsupported("the rest of a value that is not an object")
