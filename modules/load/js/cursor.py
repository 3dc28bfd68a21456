"""The parser's base: its state (scope, exports, nesting depth), moving over the tokens, and the
helpers every part of the grammar shares (errors, spans, Unsupported descriptions, brackets).
The grammar builds on it: literals, then expressions, patterns and the statements of parser.py.
"""

from bisect import bisect_right
from typing import TYPE_CHECKING, Any

from modules.errors import ConfigError
from modules.load.js.tokens import Token, error_at, line_starts
from modules.load.js.values import FAILED, NOT_SET, Unsupported, number_text

MAX_NESTING = 100  # levels of brackets and operators; deeper is refused, not a RecursionError
SNIPPET_CHARS = 60  # of an expression quoted in an Unsupported description
CLOSERS = {"(": ")", "[": "]", "{": "}"}
_KIND_NAMES = {"name": "a name", "str": "a quoted string"}


class Cursor:
    """The parser's state and its moves over the tokens; the grammar classes build on it."""

    def __init__(self, tokens: list[Token], text: str, source: str) -> None:
        self.tokens = tokens
        self.i = 0
        self.text = text
        self.source = source
        self.lines = line_starts(text)
        self.scope: dict[str, Any] = {}
        self.exports: Any = NOT_SET
        self.skipped: list[str] = []
        self.depth = 0

    if TYPE_CHECKING:  # the grammar's entry points, defined by the classes built on this one

        def expression(self) -> Any: ...

        def assignment(self) -> Any: ...

        def call_or_member(self) -> Any: ...

    # -- token helpers ------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        index = self.i + ahead
        return self.tokens[index] if index < len(self.tokens) else self.tokens[-1]

    def advance(self) -> Token:
        token = self.peek()
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return token

    def at(self, *values: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind in ("punct", "name") and token.value in values

    def at_punct(self, *values: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "punct" and token.value in values

    def expect(self, value: str, fix: str) -> Token:
        if not self.at_punct(value):
            raise self.error(
                self.peek(), f"expected '{value}' but found {describe(self.peek())}", fix
            )
        return self.advance()

    def error(self, token: Token, what: str, fix: str) -> ConfigError:
        return error_at(self.source, self.lines, token.start, what, fix)

    def line_of(self, token: Token) -> int:
        return bisect_right(self.lines, token.start)

    def span(self, start: int) -> str:
        """The source text from token `start` to the last token consumed."""
        last = self.tokens[max(self.i - 1, start)]
        return self.text[self.tokens[start].start : last.end]

    def failed(self, start: int, what: str = "the expression") -> Unsupported:
        source = self.span(start)
        snippet = " ".join(source.split())
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1] + "…"
        quoted = snippet if snippet.startswith("`") else f"`{snippet}`"
        return Unsupported(f"{what} {quoted}", source)

    def settle(self, value: Any, start: int, what: str = "the expression") -> Any:
        """Replaces the FAILED marker by an Unsupported describing the expression."""
        return self.failed(start, what) if value is FAILED else value

    def nested(self) -> "_Nesting":
        return _Nesting(self)

    # -- shared by the grammar ----------------------------------------------------------------

    def ensure_exports(self) -> None:
        if not isinstance(self.exports, dict):
            self.exports = {}

    def expect_kind(self, kind: str, fix: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            what = f"expected {_KIND_NAMES[kind]} but found {describe(token)}"
            raise self.error(token, what, fix)
        return self.advance()

    def separator(self, closer: str, what: str) -> None:
        """The ',' between two items of a list ending in `closer`, unless it ends here."""
        if self.at_punct(","):
            self.advance()
        elif not self.at_punct(closer):
            found = describe(self.peek())
            fix = f"separate {what} with commas or close the list with '{closer}'"
            raise self.error(self.peek(), f"expected ',' or '{closer}' but found {found}", fix)

    def matching(self, index: int) -> int | None:
        """The index of the bracket closing the one at `index`, None if it is never closed."""
        depth = 0
        for position in range(index, len(self.tokens)):
            token = self.tokens[position]
            if token.kind == "punct" and token.value in CLOSERS:
                depth += 1
            elif token.kind == "punct" and token.value in CLOSERS.values():
                depth -= 1
                if depth == 0:
                    return position
        return None

    def skip_balanced(self) -> None:
        """Passes over a bracketed group, the current token being its opening bracket."""
        opener = self.advance()
        stack = [opener]
        while stack:
            token = self.advance()
            if token.kind == "eof":
                line = self.line_of(stack[-1])
                close = CLOSERS[stack[-1].value]
                raise self.error(
                    token, f"'{stack[-1].value}' from line {line} is never closed", f"add '{close}'"
                )
            if token.kind != "punct":
                continue
            if token.value in CLOSERS:
                stack.append(token)
            elif token.value in CLOSERS.values():
                if CLOSERS[stack[-1].value] != token.value:
                    fix = f"close '{stack[-1].value}' from line {self.line_of(stack[-1])} first"
                    raise self.error(token, f"unexpected '{token.value}'", fix)
                stack.pop()


class _Nesting:
    """Counts how deep the parser is, so a pathological file fails with a message."""

    def __init__(self, parser: Cursor) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_NESTING:
            token = self.parser.peek()
            what = f"nested more than {MAX_NESTING} levels deep"
            raise self.parser.error(token, what, "simplify the expression")

    def __exit__(self, *exc_info: object) -> None:
        self.parser.depth -= 1


def describe(token: Token) -> str:
    """A token as a message names it."""
    if token.kind == "eof":
        return "the end of the file"
    if token.kind == "str":
        return "a string"
    if token.kind == "template":
        return "a template literal"
    if token.kind == "num":
        return f"the number {number_text(token.value)}"
    return f"'{token.value}'"
