"""A safe reader for the `src/config.js` files HashLips and nftchef ship: it parses the subset of
JavaScript they are written in and works out literals and constants, never running any code.

What cannot be worked out without running code (a function, a `require(...)`, `process.cwd()`,
`Math.random()`) becomes an `Unsupported` value in place, and `JsConfig.unsupported` lists
each one by its path, so an importer can tell the user instead of dropping it. A statement that
is not a declaration or an assignment (`if`, `for`, …) is not read, and is listed the same way.
"""

import json
import re
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from modules.errors import ConfigError

MAX_NESTING = 100  # levels of brackets and operators; deeper is refused, not a RecursionError
SNIPPET_CHARS = 60  # of an expression quoted in an Unsupported description


@dataclass(frozen=True)
class Unsupported:
    """A value that only running JavaScript could produce; `source` is its exact text (e.g.
    `MODE.multiply`, which an importer may still map to a blend mode)."""

    description: str
    source: str = ""


@dataclass(frozen=True)
class JsConfig:
    """The object a config.js exports, and one "path: description" line per Unsupported in it
    or statement not read."""

    exports: dict[str, Any]
    unsupported: list[str] = field(default_factory=list)


def read_js_config(text: str, source: str) -> JsConfig:
    """Read the exported object of a config.js; a syntax error raises ConfigError with one
    line: `{source}: line {n} column {c}: {what}; {what to do}`."""
    tokens = _Lexer(text, source).tokens()
    parser = _Parser(tokens, text, source)
    try:
        parser.program()
        return _result(parser, source)
    except RecursionError:
        raise ConfigError(f"{source}: nested too deeply to read; simplify the file") from None


def _result(parser: "_Parser", source: str) -> JsConfig:
    exports = parser.exports
    if exports is _NOT_SET:
        msg = f"{source}: nothing is exported; a config.js ends with module.exports = {{ … }}"
        raise ConfigError(msg)
    if not isinstance(exports, dict):
        what = exports.description if isinstance(exports, Unsupported) else _js_type(exports)
        raise ConfigError(f"{source}: module.exports is {what}, not an object; export {{ … }}")
    unsupported: list[str] = []
    frozen = _freeze(exports, "", unsupported, set())
    return JsConfig(exports=frozen, unsupported=unsupported + parser.skipped)


class _Undefined:
    """JavaScript's `undefined`: dropped from objects and null in arrays, as JSON.stringify does."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()
_NOT_SET = object()
_SHORT_CIRCUIT = object()  # the rest of an optional chain after a null or undefined


# ---------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class _Token:
    kind: str  # name, num, str, template, regex, punct, eof
    value: Any
    start: int
    end: int
    newline_before: bool


_PUNCTUATORS = [
    {">>>="},
    {"...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??="},
    {"=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/="},
    {"%=", "&=", "|=", "^=", "**", "<<", ">>"},
    set("{}()[];,<>+-*/%&|^!~?:=.@"),
]
_PUNCTUATOR_LENGTHS = (4, 3, 2, 2, 1)
_ALONE = frozenset("{}()[];,:~@")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*n?|0[oO][0-7](?:_?[0-7])*n?|0[bB][01](?:_?[01])*n?"
    r"|(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)"
    r"(?:[eE][+-]?[0-9](?:_?[0-9])*)?n?"
)
_ASCII_NAME = re.compile(r"[A-Za-z0-9_$]+")
_LINE_BREAKS = "\n\r\u2028\u2029"
_DIGITS = "0123456789"
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
# After these words a '/' starts a regular expression, not a division.
_BEFORE_EXPRESSION = frozenset(
    ("return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case")
    + ("do", "else", "yield", "await")
)


def _is_name_start(char: str) -> bool:
    return char.isalpha() or char in "_$" or (char > "\x7f" and char.isidentifier())


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char in "_$\u200c\u200d" or (char > "\x7f" and char.isidentifier())


class _Lexer:
    """Splits the text into tokens; a template literal's `${…}` parts become token lists."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.lines = _line_starts(text)

    def tokens(self) -> list[_Token]:
        if self.text.startswith("#!"):  # a shebang line, allowed by node
            self.pos = len(self.text.split("\n", 1)[0])
        return self._scan(template_start=None)

    def error(self, offset: int, what: str, fix: str) -> ConfigError:
        return _error(self.source, self.lines, offset, what, fix)

    def _scan(self, template_start: int | None) -> list[_Token]:
        """Tokens up to the end of the text, or of the `${…}` of the template at template_start."""
        tokens: list[_Token] = []
        depth = 0
        inside_template = template_start is not None
        while True:
            newline = self._skip_blank()
            if self.pos >= len(self.text):
                if template_start is not None:
                    what = "unterminated template literal"
                    raise self.error(template_start, what, "close it with `")
                tokens.append(_Token("eof", None, self.pos, self.pos, True))
                return tokens
            if inside_template and depth == 0 and self.text[self.pos] == "}":
                tokens.append(_Token("eof", None, self.pos, self.pos, newline))
                self.pos += 1
                return tokens
            token = self._token(tokens[-1] if tokens else None, newline)
            depth += {"{": 1, "}": -1}.get(token.value, 0) if token.kind == "punct" else 0
            tokens.append(token)

    def _skip_blank(self) -> bool:
        """Skips whitespace and comments; whether a line break was among them (for ASI)."""
        text, newline = self.text, False
        while self.pos < len(text):
            char = text[self.pos]
            if char in _LINE_BREAKS:
                newline = True
                self.pos += 1
            elif char.isspace() or char == "\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                while self.pos < len(text) and text[self.pos] not in _LINE_BREAKS:
                    self.pos += 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.error(self.pos, "unterminated /* comment", "close it with */")
                newline = newline or any(c in _LINE_BREAKS for c in text[self.pos : end])
                self.pos = end + 2
            else:
                break
        return newline

    def _token(self, previous: _Token | None, newline: bool) -> _Token:
        start, char = self.pos, self.text[self.pos]
        following = self.text[start + 1 : start + 2]
        kind: str
        value: Any
        if char in _DIGITS or (char == "." and following in _DIGITS and following):
            kind, value = "num", self._number()
        elif char in "'\"":
            kind, value = "str", self._string(char)
        elif char == "`":
            kind, value = "template", self._template()
        elif _is_name_start(char):
            kind, value = "name", self._name()
        elif char == "/" and _regex_allowed(previous):
            kind, value = "regex", self._regex()
        else:
            kind, value = "punct", self._punctuator()
        return _Token(kind, value, start, self.pos, newline)

    def _number(self) -> int | float:
        match = _NUMBER.match(self.text, self.pos)
        assert match is not None  # _token only calls this on a digit or '.' + digit
        self.pos = match.end()
        if self.pos < len(self.text) and _is_name_char(self.text[self.pos]):
            raise self.error(self.pos, "a letter straight after a number", "put a space or , first")
        literal = match.group().replace("_", "").removesuffix("n")
        prefix = literal[:2].lower()
        if prefix in ("0x", "0o", "0b"):
            return int(literal[2:], {"0x": 16, "0o": 8, "0b": 2}[prefix])
        value = float(literal)
        if value == float("inf"):
            raise self.error(self.pos, "a number too large to read", "write a smaller number")
        return value if any(mark in literal for mark in ".eE") else int(literal)

    def _name(self) -> str:
        start = self.pos
        match = _ASCII_NAME.match(self.text, self.pos)
        self.pos = match.end() if match else self.pos
        while self.pos < len(self.text) and _is_name_char(self.text[self.pos]):
            self.pos += 1  # beyond ASCII, one character at a time
        return self.text[start : self.pos]

    def _punctuator(self) -> str:
        if self.text[self.pos] in _ALONE:  # never the start of a longer punctuator
            self.pos += 1
            return self.text[self.pos - 1]
        for length, options in zip(_PUNCTUATOR_LENGTHS, _PUNCTUATORS, strict=True):
            candidate = self.text[self.pos : self.pos + length]
            if candidate in options and not _is_optional_chain_decimal(candidate, self):
                self.pos += length
                return candidate
        char = self.text[self.pos]
        what = f"unexpected character {char!r}"
        raise self.error(self.pos, what, "config.js must be plain JavaScript")

    def _string(self, quote: str) -> str:
        start, parts = self.pos, list[str]()
        self.pos += 1
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] in "\n\r":
                raise self.error(start, "unterminated string", f"close it with {quote}")
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return self._unpaired_checked(start, "".join(parts))
            if char == "\\":
                parts.append(self._escape())
            else:
                parts.append(char)
                self.pos += 1

    def _template(self) -> list[str | list[_Token]]:
        start = self.pos
        parts: list[str | list[_Token]] = []
        chunk: list[str] = []
        self.pos += 1
        while True:
            if self.pos >= len(self.text):
                raise self.error(start, "unterminated template literal", "close it with `")
            char = self.text[self.pos]
            if char == "`":
                self.pos += 1
                parts.append(self._unpaired_checked(start, "".join(chunk)))
                return parts
            if char == "\\":
                chunk.append(self._escape())
            elif self.text.startswith("${", self.pos):
                parts.append(self._unpaired_checked(start, "".join(chunk)))
                chunk = []
                self.pos += 2
                parts.append(self._scan(template_start=start))
            else:
                # A template keeps its line breaks; \r\n counts as one, as in JavaScript.
                step = 2 if self.text.startswith("\r\n", self.pos) else 1
                chunk.append("\n" if char == "\r" else char)
                self.pos += step

    def _escape(self) -> str:
        """The character(s) of the escape at self.pos (a backslash), moving past it."""
        start = self.pos
        self.pos += 2
        char = self.text[start + 1 : start + 2]
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char == "0" and not self.text[self.pos : self.pos + 1].isdigit():
            return "\0"
        if char in ("x", "u"):
            return self._code_point_escape(start, char)
        if char in _LINE_BREAKS:  # a line continuation
            if self.text.startswith("\r\n", start + 1):
                self.pos += 1
            return ""
        if not char:
            raise self.error(start, "a backslash at the end of the file", "remove it")
        return char

    def _code_point_escape(self, start: int, kind: str) -> str:
        text = self.text
        if kind == "u" and text.startswith("{", self.pos):
            end = text.find("}", self.pos)
            digits, after = (text[self.pos + 1 : end], end + 1) if end > 0 else ("", self.pos)
        else:
            width = 2 if kind == "x" else 4
            digits, after = text[self.pos : self.pos + width], self.pos + width
            digits = digits if len(digits) == width else ""
        if not re.fullmatch(r"[0-9a-fA-F]{1,6}", digits) or int(digits, 16) > 0x10FFFF:
            raise self.error(start, f"invalid \\{kind} escape", "write \\x41, \\u0041 or \\u{41}")
        self.pos = after
        return chr(int(digits, 16))

    def _unpaired_checked(self, start: int, text: str) -> str:
        """Joins \\uD83D\\uDE00-style surrogate pairs; a lone half cannot become UTF-8."""
        try:
            return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            raise self.error(
                start, "an unpaired surrogate escape", "write the whole character"
            ) from None

    def _regex(self) -> str:
        start, in_class = self.pos, False
        self.pos += 1
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] in _LINE_BREAKS:
                raise self.error(start, "unterminated regular expression", "close it with /")
            char = self.text[self.pos]
            self.pos += 2 if char == "\\" else 1
            if char == "[" or char == "]":
                in_class = char == "["
            elif char == "/" and not in_class:
                self._name()  # flags
                return self.text[start : self.pos]


def _regex_allowed(previous: _Token | None) -> bool:
    """Whether a '/' here starts a regular expression (after an operator) or divides."""
    if previous is None:
        return True
    if previous.kind == "name":
        return previous.value in _BEFORE_EXPRESSION
    return previous.kind == "punct" and previous.value not in (")", "]", "}")


def _is_optional_chain_decimal(candidate: str, lexer: _Lexer) -> bool:
    """`a?.5:b` is a conditional with .5, not optional chaining."""
    return candidate == "?." and lexer.text[lexer.pos + 2 : lexer.pos + 3].isdigit()


def _line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in re.finditer(r"\r\n|[\n\r\u2028\u2029]", text)]


def _error(source: str, lines: list[int], offset: int, what: str, fix: str) -> ConfigError:
    line = bisect_right(lines, offset)
    column = offset - lines[line - 1] + 1
    return ConfigError(f"{source}: line {line} column {column}: {what}; {fix}")


# ---------------------------------------------------------------------------------------------
# Values


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_text(number: float) -> str:
    """A number as JavaScript writes it into a string: 512, 0.5, 1e+21."""
    if isinstance(number, int):
        return str(number)
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    mantissa, exponent_mark, exponent = repr(number).partition("e")
    if not exponent_mark:
        return mantissa
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"


def _js_string(value: Any) -> str | None:
    """String(value) for a primitive; None for anything else (objects, Unsupported)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _number_text(value)
    if value is None:
        return "null"
    return "undefined" if value is UNDEFINED else None


def _js_type(value: Any) -> str:
    """How a value is named in messages."""
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if _is_number(value):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, Unsupported):
        return "unknown"
    return "null" if value is None else "undefined"


def _truthy(value: Any) -> bool:
    if value is None or value is UNDEFINED:
        return False
    if isinstance(value, dict | list):
        return True
    return bool(value) and value == value  # NaN is falsy


def _typeof(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    return "undefined" if value is UNDEFINED else "object"


def _member(value: Any, key: Any) -> Any:
    """value[key] when JavaScript's answer needs no code; Unsupported otherwise."""
    if isinstance(value, dict):
        name = _js_string(key)
        return value.get(name, UNDEFINED) if name is not None else _FAILED
    if isinstance(value, list | str):
        if key == "length":
            return len(value)
        if _is_number(key) and key == int(key):
            index = int(key)
            return value[index] if 0 <= index < len(value) else UNDEFINED
    return _FAILED


_FAILED = Unsupported("")  # a marker: the caller describes the expression that failed


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    """+ - * / % ** on two numbers; _FAILED for what JSON cannot hold (NaN, Infinity)."""
    if not (_is_number(left) and _is_number(right)):
        return _FAILED
    if op in ("/", "%") and right == 0:
        return _FAILED
    try:
        result = _ARITHMETIC[op](left, right)
    except OverflowError:
        return _FAILED
    # JSON holds neither NaN nor Infinity, and JavaScript has no numbers beyond a double's.
    if isinstance(result, complex) or not abs(result) <= sys.float_info.max:
        return _FAILED
    return result


def _divide(left: float, right: float) -> float:
    if isinstance(left, int) and isinstance(right, int) and left % right == 0:
        return left // right
    return left / right


def _remainder(left: float, right: float) -> float:
    # JavaScript's % keeps the sign of the left side, like math.fmod.
    result = abs(left) % abs(right)
    return -result if left < 0 else result


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
    "%": _remainder,
    "**": lambda a, b: _power(a, b),
}


def _power(base: float, exponent: float) -> float:
    # Through float first: 10 ** 10 ** 10 as Python integers would never finish.
    result = float(base) ** exponent
    exact = isinstance(base, int) and isinstance(exponent, int) and exponent >= 0
    return int(base**exponent) if exact and abs(result) < 2**53 else result


def _plus(left: Any, right: Any) -> Any:
    if _is_number(left) and _is_number(right):
        return _arithmetic("+", left, right)
    if isinstance(left, str) or isinstance(right, str):
        left_text, right_text = _js_string(left), _js_string(right)
        if left_text is not None and right_text is not None:
            return left_text + right_text
    return _FAILED


def _strict_equal(left: Any, right: Any) -> bool:
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if type(left) is not type(right):
        return False
    return left is right if isinstance(left, dict | list) else bool(left == right)


def _equality(op: str, left: Any, right: Any) -> Any:
    nullish = (None, UNDEFINED)
    if op in ("==", "!=") and left in nullish and right in nullish:
        equal = True
    elif op in ("==", "!=") and _js_type(left) != _js_type(right):
        return _FAILED  # JavaScript's loose coercions are not worth guessing
    else:
        equal = _strict_equal(left, right)
    return equal if op in ("==", "===") else not equal


def _relation(op: str, left: Any, right: Any) -> Any:
    both_numbers = _is_number(left) and _is_number(right)
    if not (both_numbers or (isinstance(left, str) and isinstance(right, str))):
        return _FAILED
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]


def _logical(op: str, left: Any, right: Any) -> Any:
    if op == "&&":
        return right if _truthy(left) else left
    if op == "||":
        return left if _truthy(left) else right
    return right if left is None or left is UNDEFINED else left  # ??


def _binary(op: str, left: Any, right: Any) -> Any:
    """The value of `left op right`, or _FAILED."""
    if isinstance(left, Unsupported):
        return _FAILED
    if op in ("&&", "||", "??"):
        return _logical(op, left, right)
    if isinstance(right, Unsupported):
        return _FAILED
    if op == "+":
        return _plus(left, right)
    if op in _ARITHMETIC:  # the other four
        return _arithmetic(op, left, right)
    if op in ("==", "!=", "===", "!=="):
        return _equality(op, left, right)
    if op in ("<", ">", "<=", ">="):
        return _relation(op, left, right)
    return _FAILED  # bitwise operators, in, instanceof


def _unary(op: str, operand: Any) -> Any:
    if isinstance(operand, Unsupported) or op in ("~", "delete", "await"):
        return _FAILED
    if op == "!":
        return not _truthy(operand)
    if op == "typeof":
        return _typeof(operand)
    if op == "void":
        return UNDEFINED
    return operand if op == "+" and _is_number(operand) else _arithmetic("*", operand, -1)


def _property_key(key: Any) -> str | None:
    return _js_string(key) if not isinstance(key, Unsupported) else None


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


# ---------------------------------------------------------------------------------------------
# Destructuring patterns (`const { MODE } = require(…)`)


@dataclass
class _Pattern:
    """A name, or an object/array pattern: (key or index, sub-pattern, default) entries."""

    name: str | None = None
    kind: str = "name"  # name, object, array
    entries: list[tuple[Any, "_Pattern | None", Any]] = field(default_factory=list)
    rest: "_Pattern | None" = None
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


# ---------------------------------------------------------------------------------------------
# Parser and evaluator

_BINARY_PRECEDENCE = {
    "??": 1, "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6,
    "==": 7, "!=": 7, "===": 7, "!==": 7,
    "<": 8, ">": 8, "<=": 8, ">=": 8, "instanceof": 8, "in": 8,
    "<<": 9, ">>": 9, ">>>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "%": 11, "**": 12,
}  # fmt: skip
_ASSIGNMENT_OPERATORS = frozenset(
    ("=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^=")
    + ("&&=", "||=", "??=")
)
_UNARY_OPERATORS = frozenset({"!", "-", "+", "~"})
_UNARY_WORDS = frozenset({"typeof", "void", "delete", "await"})
_SKIPPED_STATEMENTS = frozenset(
    ("if", "for", "while", "do", "switch", "try", "throw", "return", "with", "break")
    + ("continue", "debugger")
)
_CONTINUES_STATEMENT = frozenset({"else", "catch", "finally", "while"})
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_KIND_NAMES = {"name": "a name", "str": "a quoted string"}
_LITERAL_NAMES: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "undefined": UNDEFINED,
}


class _Parser:
    """Recursive descent over the tokens, working out each value as it is parsed."""

    def __init__(self, tokens: list[_Token], text: str, source: str) -> None:
        self.tokens = tokens
        self.i = 0
        self.text = text
        self.source = source
        self.lines = _line_starts(text)
        self.scope: dict[str, Any] = {}
        self.exports: Any = _NOT_SET
        self.skipped: list[str] = []
        self.depth = 0

    # -- token helpers ------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> _Token:
        index = self.i + ahead
        return self.tokens[index] if index < len(self.tokens) else self.tokens[-1]

    def advance(self) -> _Token:
        token = self.peek()
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return token

    def at(self, *values: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind in ("punct", "name") and token.value in values

    def at_punct(self, *values: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "punct" and token.value in values

    def expect(self, value: str, fix: str) -> _Token:
        if not self.at_punct(value):
            raise self.error(
                self.peek(), f"expected '{value}' but found {_describe(self.peek())}", fix
            )
        return self.advance()

    def error(self, token: _Token, what: str, fix: str) -> ConfigError:
        return _error(self.source, self.lines, token.start, what, fix)

    def line_of(self, token: _Token) -> int:
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
        """Replaces the _FAILED marker by an Unsupported describing the expression."""
        return self.failed(start, what) if value is _FAILED else value

    def nested(self) -> "_Nesting":
        return _Nesting(self)

    # -- statements ---------------------------------------------------------------------------

    def program(self) -> None:
        while self.peek().kind != "eof":
            self.statement()

    def statement(self) -> None:
        token = self.peek()
        if self.at_punct(";"):
            self.advance()
        elif self.at_punct("{"):
            self.skip_statement("a block")
        elif token.kind == "name" and token.value in _STATEMENT_HANDLERS:
            _STATEMENT_HANDLERS[token.value](self)
        elif token.kind == "name" and token.value in _SKIPPED_STATEMENTS:
            article = "an" if token.value[0] in "aeiou" else "a"
            self.skip_statement(f"{article} `{token.value}` statement")
        elif self.at_punct(")", "]", "}"):
            raise self.error(token, f"unmatched '{token.value}'", "remove it")
        else:
            self.expression()
            self.end_statement()

    def end_statement(self) -> None:
        """A ';', or a line break / '}' / end of file standing in for one (ASI)."""
        token = self.peek()
        if self.at_punct(";"):
            self.advance()
        elif not (token.newline_before or token.kind == "eof" or self.at_punct("}")):
            what = f"expected ';' or a new line but found {_describe(token)}"
            raise self.error(token, what, "check for a missing comma or operator before it")

    def skip_statement(self, what: str) -> None:
        """Passes over a statement this reader does not follow, and lists it: up to its ';',
        the end of its last block, or a line break after a body without braces."""
        self.skipped.append(f"line {self.line_of(self.peek())}: {what}, not read")
        header, body = False, 0  # a keyword's '(…)' is its header; the rest is its body
        while self.peek().kind != "eof":
            token = self.peek()
            continues = self.at(*_CONTINUES_STATEMENT)
            if self.at_punct(";"):
                self.advance()
                return
            if body and token.newline_before and not continues:
                return
            if token.kind == "name" and (token.value in _SKIPPED_STATEMENTS or continues):
                header, body = True, 0
                self.advance()
            elif self.at_punct("{"):
                self.skip_balanced()
                if not self.at(*_CONTINUES_STATEMENT):
                    return
            else:
                self.skip_token_or_group(header)
                header, body = False, body + (0 if header else 1)

    def skip_token_or_group(self, header: bool) -> None:
        if self.at_punct("(", "["):
            self.skip_balanced()
        elif self.at_punct(")", "]", "}"):
            raise self.error(self.peek(), f"unmatched '{self.peek().value}'", "remove it")
        else:
            self.advance()

    def skip_balanced(self) -> None:
        """Passes over a bracketed group, the current token being its opening bracket."""
        opener = self.advance()
        stack = [opener]
        while stack:
            token = self.advance()
            if token.kind == "eof":
                line = self.line_of(stack[-1])
                close = _CLOSERS[stack[-1].value]
                raise self.error(
                    token, f"'{stack[-1].value}' from line {line} is never closed", f"add '{close}'"
                )
            if token.kind != "punct":
                continue
            if token.value in _CLOSERS:
                stack.append(token)
            elif token.value in _CLOSERS.values():
                if _CLOSERS[stack[-1].value] != token.value:
                    fix = f"close '{stack[-1].value}' from line {self.line_of(stack[-1])} first"
                    raise self.error(token, f"unexpected '{token.value}'", fix)
                stack.pop()

    def declaration(self) -> None:
        self.advance()  # const, let or var
        while True:
            pattern = self.binding_pattern()
            value: Any = UNDEFINED
            if self.at_punct("="):
                self.advance()
                value = self.assignment()
            self.bind(pattern, value)
            if not self.at_punct(","):
                break
            self.advance()
        self.end_statement()

    def function_declaration(self) -> None:
        start = self.i
        if self.at("async"):
            self.advance()
        self.function_expression()
        name = self.tokens[start + (2 if self.tokens[start].value == "async" else 1)]
        if name.kind == "name":
            self.scope[name.value] = Unsupported("a function", self.span(start))

    def async_statement(self) -> None:
        if self.at("function", ahead=1) and not self.peek(1).newline_before:
            self.function_declaration()
        else:
            self.expression()
            self.end_statement()

    def class_declaration(self) -> None:
        start = self.i
        name = self.peek(1)
        self.class_expression()
        if name.kind == "name" and name.value != "extends":
            self.scope[name.value] = Unsupported("a class", self.span(start))

    def import_statement(self) -> None:
        """ES module imports: every imported name is Unsupported, like require()."""
        start = self.i
        self.advance()
        names: list[str] = []
        while self.peek().kind not in ("str", "eof"):
            token = self.advance()
            if token.kind == "name" and token.value not in ("as", "from", "type"):
                names.append(token.value)
            if token.value == "as" and self.tokens[self.i - 2].kind == "name" and names:
                names.pop()  # `a as b` binds b
        self.expect_kind("str", "name the module in quotes")
        for name in names:
            self.scope[name] = Unsupported("an import", self.span(start))
        self.end_statement()

    def export_statement(self) -> None:
        self.advance()
        if self.at("default"):
            self.advance()
            self.exports = self.assignment()
            self.end_statement()
        elif self.at_punct("{"):
            self.export_list()
        else:
            before = set(self.scope)
            names = self.declared_names_of_next_statement()
            self.statement()
            self.ensure_exports()
            for name in set(names) | (set(self.scope) - before):
                self.exports[name] = self.scope.get(name, UNDEFINED)

    def declared_names_of_next_statement(self) -> list[str]:
        if not self.at("const", "let", "var"):
            return []
        saved, self.i = self.i, self.i + 1
        pattern = self.binding_pattern()
        self.i = saved
        return list(pattern.names())

    def export_list(self) -> None:
        """`export { a, b as c }`, the ES module form of module.exports = { … }."""
        self.advance()
        pairs: list[tuple[str, str]] = []
        while not self.at_punct("}"):
            local = self.expect_kind("name", "list the names to export").value
            exported = local
            if self.at("as"):
                self.advance()
                exported = self.expect_kind("name", "give the exported name").value
            pairs.append((local, exported))
            self.separator("}", "the names")
        self.advance()
        self.ensure_exports()
        for local, exported in pairs:
            self.exports[exported] = self.lookup(local)
        self.end_statement()

    def ensure_exports(self) -> None:
        if not isinstance(self.exports, dict):
            self.exports = {}

    def expect_kind(self, kind: str, fix: str) -> _Token:
        token = self.peek()
        if token.kind != kind:
            what = f"expected {_KIND_NAMES[kind]} but found {_describe(token)}"
            raise self.error(token, what, fix)
        return self.advance()

    # -- patterns -----------------------------------------------------------------------------

    def binding_pattern(self) -> _Pattern:
        token = self.peek()
        if token.kind == "name":
            self.advance()
            return _Pattern(name=token.value)
        if self.at_punct("{"):
            return self.object_pattern()
        if self.at_punct("["):
            return self.array_pattern()
        raise self.error(
            token, f"expected a name but found {_describe(token)}", "name the constant"
        )

    def pattern_default(self) -> Any:
        if not self.at_punct("="):
            return _NO_DEFAULT
        self.advance()
        return self.assignment()

    def object_pattern(self) -> _Pattern:
        pattern = _Pattern(kind="object")
        self.advance()
        while not self.at_punct("}"):
            if self.at_punct("..."):
                self.advance()
                pattern.rest = self.binding_pattern()
            else:
                key_token = self.peek()
                key = self.property_key()
                target = _Pattern(name=key) if key_token.kind == "name" else None
                if self.at_punct(":"):
                    self.advance()
                    target = self.binding_pattern()
                if target is None:
                    raise self.error(self.peek(), "expected ':' after a quoted key", "name it")
                pattern.entries.append((key, target, self.pattern_default()))
            self.separator("}", "the names")
        self.advance()
        return pattern

    def array_pattern(self) -> _Pattern:
        pattern = _Pattern(kind="array")
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

    def bind(self, pattern: _Pattern, value: Any) -> None:
        if pattern.name is not None:
            self.scope[pattern.name] = value
            return
        for key, target, default in pattern.entries:
            item = value if isinstance(value, Unsupported) else _member(value, key)
            if item is UNDEFINED and default is not _NO_DEFAULT:
                item = default
            if item is _FAILED:
                item = Unsupported(f"`{key}` of a value that is not an object")
            if target is not None:
                self.bind(target, item)
        if pattern.rest is not None:
            self.bind(pattern.rest, _rest_of(pattern, value))

    # -- expressions --------------------------------------------------------------------------

    def expression(self) -> Any:
        value = self.assignment()
        while self.at_punct(","):
            self.advance()
            value = self.assignment()
        return value

    def assignment(self) -> Any:
        with self.nested():
            if self.arrow_ahead():
                return self.arrow_function()
            target = self.assignment_target()
            if target is not None:
                return self.assign(*target)
            return self.conditional()

    def assignment_target(self) -> tuple[list[Any], str, int] | None:
        """A `name(.key|[expr])*` followed by an assignment operator, or None (nothing read)."""
        if not self.assignment_ahead():
            return None
        start = self.i
        path: list[Any] = [self.advance().value]
        while self.at_punct(".", "["):
            if self.advance().value == ".":
                path.append(self.advance().value)
            else:
                path.append(self.expression())
                self.expect("]", "close the brackets")
        return path, self.advance().value, start

    def assignment_ahead(self) -> bool:
        """Whether an assignment starts here, looking ahead without working anything out (so
        nested brackets are read once, not once per level)."""
        if self.peek().kind != "name" or self.peek().value in _LITERAL_NAMES:
            return False
        index = self.i + 1
        while True:
            token = self.tokens[index]
            if token.kind != "punct":
                return False
            if token.value == "." and self.tokens[index + 1].kind == "name":
                index += 2
            elif token.value == "[":
                closing = self.matching(index)
                if closing is None:
                    return False
                index = closing + 1
            else:
                return token.value in _ASSIGNMENT_OPERATORS

    def assign(self, path: list[Any], op: str, start: int) -> Any:
        value = self.assignment()
        root, keys = self.assignment_root(path)
        if op != "=":
            current = self.exports if root is _NOT_SET else _read(root, keys)
            value = self.settle(_binary(op[:-1], current, value), start)
        if root is _NOT_SET:
            self.exports = value
        elif root is self.scope and len(keys) == 1:
            self.scope[keys[0]] = value
        else:
            _store(root, keys, value)
        return value

    def assignment_root(self, path: list[Any]) -> tuple[Any, list[Any]]:
        """Where an assignment lands: (_NOT_SET, []) for module.exports itself."""
        if path[:2] == ["module", "exports"] or (
            path[0] == "exports" and "exports" not in self.scope
        ):
            keys = path[2:] if path[0] == "module" else path[1:]
            if not keys:
                return _NOT_SET, []
            self.ensure_exports()
            return self.exports, keys
        return self.scope, path

    def conditional(self) -> Any:
        start = self.i
        condition = self.binary(1)
        if not self.at_punct("?"):
            return condition
        self.advance()
        if_true = self.assignment()
        self.expect(":", "a ? b : c needs its ':'")
        if_false = self.assignment()
        if isinstance(condition, Unsupported):
            return self.failed(start)
        return if_true if _truthy(condition) else if_false

    def binary_operator(self) -> str | None:
        token = self.peek()
        if token.kind == "punct" and token.value in _BINARY_PRECEDENCE:
            return str(token.value)
        return token.value if token.kind == "name" and token.value in ("in", "instanceof") else None

    def binary(self, lowest: int) -> Any:
        """Precedence climbing over the binary operators of at least `lowest` precedence."""
        start = self.i
        left = self.unary()
        while (op := self.binary_operator()) is not None and _BINARY_PRECEDENCE[op] >= lowest:
            self.advance()
            precedence = _BINARY_PRECEDENCE[op]
            with self.nested():
                right = self.binary(precedence if op == "**" else precedence + 1)
            left = self.settle(_binary(op, left, right), start)
        return left

    def unary(self) -> Any:
        token = self.peek()
        start = self.i
        if self.at_punct("++", "--"):
            self.advance()
            operand_start = self.i
            with self.nested():
                self.unary()
            return self.clobber(operand_start, start)
        if (token.kind == "punct" and token.value in _UNARY_OPERATORS) or (
            token.kind == "name" and token.value in _UNARY_WORDS
        ):
            self.advance()
            with self.nested():
                operand = self.unary()
            return self.settle(_unary(token.value, operand), start)
        return self.postfix()

    def postfix(self) -> Any:
        start = self.i
        value = self.call_or_member()
        if self.at_punct("++", "--") and not self.peek().newline_before:
            self.advance()
            return self.clobber(start, start)
        return value

    def clobber(self, operand_start: int, start: int) -> Unsupported:
        """`x++` changes x in a way this reader does not follow: x becomes Unsupported."""
        value = self.failed(start)
        operand = self.tokens[operand_start]
        if operand.kind == "name" and self.i - operand_start == 2:
            self.scope[operand.value] = value
        return value

    def call_or_member(self) -> Any:
        start = self.i
        if self.at("new"):
            return self.new_expression()
        value = self.primary()
        while True:
            if self.at_punct(".", "?.", "["):
                value = self.member_link(value, start)
            elif self.at_punct("("):
                self.arguments()
                value = value if value is _SHORT_CIRCUIT else self.call_value(start)
            elif self.peek().kind == "template":
                self.advance()  # a tagged template runs a function
                value = self.failed(start, "the call")
            else:
                return UNDEFINED if value is _SHORT_CIRCUIT else value

    def member_link(self, value: Any, start: int) -> Any:
        """One `.key`, `?.key`, `[key]`, `?.[key]` or `?.(…)` of a chain. Once a `?.` meets
        null or undefined the rest of the chain is only parsed: it is all undefined."""
        optional = self.at_punct("?.")
        if self.advance().value == "[" or (optional and self.at_punct("[")):
            if optional:
                self.advance()
            key = self.expression()
            self.expect("]", "close the brackets")
        elif optional and self.at_punct("("):
            self.arguments()
            key = None
        else:
            key = self.expect_kind("name", "name the property after '.'").value
        if value is _SHORT_CIRCUIT or (optional and (value is None or value is UNDEFINED)):
            return _SHORT_CIRCUIT
        if key is None:  # ?.(…) on a value that is there: a call
            return self.call_value(start)
        return self.member_value(value, key, start)

    def member_value(self, value: Any, key: Any, start: int) -> Any:
        if isinstance(value, Unsupported) or isinstance(key, Unsupported):
            return self.failed(start)
        return self.settle(_member(value, key), start)

    def call_value(self, start: int) -> Unsupported:
        """What a call just parsed (its arguments too) stands for."""
        callee = self.tokens[start]
        is_require = callee.value == "require" and self.tokens[start + 1].value == "("
        if is_require and "require" not in self.scope:
            return Unsupported("a require() call", self.span(start))
        return self.failed(start, "the call")

    def arguments(self) -> None:
        self.advance()
        while not self.at_punct(")"):
            if self.at_punct("..."):
                self.advance()
            self.assignment()
            self.separator(")", "the arguments")
        self.advance()

    def new_expression(self) -> Unsupported:
        start = self.i
        self.advance()
        with self.nested():
            if self.at("new"):
                self.new_expression()
            else:
                self.primary()
            while self.at_punct(".", "["):
                if self.advance().value == ".":
                    self.expect_kind("name", "name the property after '.'")
                else:
                    self.expression()
                    self.expect("]", "close the brackets")
        if self.at_punct("("):
            self.arguments()
        return self.failed(start)

    def primary(self) -> Any:
        token = self.peek()
        handler = _PRIMARY_HANDLERS.get(token.kind)
        if handler is not None:
            return handler(self)
        if token.kind == "name":
            return self.name_value()
        if self.at_punct("("):
            self.advance()
            value = self.expression()
            self.expect(")", "close the parenthesis")
            return value
        if self.at_punct("["):
            return self.array_literal()
        if self.at_punct("{"):
            return self.object_literal()
        what = f"expected a value but found {_describe(token)}"
        raise self.error(token, what, "check for a missing value or an extra comma")

    def literal(self) -> Any:
        return self.advance().value

    def regex(self) -> Unsupported:
        start = self.i
        self.advance()
        return self.failed(start, "the regular expression")

    def name_value(self) -> Any:
        token = self.peek()
        if token.value in _LITERAL_NAMES:
            self.advance()
            return _LITERAL_NAMES[token.value]
        if token.value == "function":
            return self.function_expression()
        if token.value == "class":
            return self.class_expression()
        if token.value == "async" and self.at("function", ahead=1):
            self.advance()
            return self.function_expression()
        self.advance()
        return self.lookup(token.value)

    def lookup(self, name: str) -> Any:
        if name in self.scope:
            return self.scope[name]
        return Unsupported(f"the name `{name}`, which this file does not define", name)

    def template_value(self) -> Any:
        start = self.i
        parts = self.advance().value
        pieces: list[str] = []
        for part in parts:
            value = part if isinstance(part, str) else self.sub_expression(part)
            if not (isinstance(value, str) or _is_number(value)):
                return self.failed(start, "the template literal")
            pieces.append(value if isinstance(value, str) else _number_text(value))
        return "".join(pieces)

    def sub_expression(self, tokens: list[_Token]) -> Any:
        """The value of a template literal's ${…}, parsed from its own token list."""
        saved = self.tokens, self.i
        self.tokens, self.i = tokens, 0
        try:
            value = self.expression()
            if self.peek().kind != "eof":
                what = f"expected '}}' but found {_describe(self.peek())}"
                raise self.error(self.peek(), what, "close ${ … } after one expression")
            return value
        finally:
            self.tokens, self.i = saved

    # -- literals -----------------------------------------------------------------------------

    def array_literal(self) -> list[Any]:
        self.advance()
        items: list[Any] = []
        while not self.at_punct("]"):
            if self.at_punct(","):
                items.append(UNDEFINED)  # a hole reads as undefined; null once frozen
                self.advance()
                continue
            if self.at_punct("..."):
                start = self.i
                self.advance()
                items.extend(self.spread_items(self.assignment(), start))
            else:
                items.append(self.assignment())
            self.separator("]", "the items")
        self.advance()
        return items

    def separator(self, closer: str, what: str) -> None:
        """The ',' between two items of a list ending in `closer`, unless it ends here."""
        if self.at_punct(","):
            self.advance()
        elif not self.at_punct(closer):
            found = _describe(self.peek())
            fix = f"separate {what} with commas or close the list with '{closer}'"
            raise self.error(self.peek(), f"expected ',' or '{closer}' but found {found}", fix)

    def spread_items(self, value: Any, start: int) -> list[Any]:
        if isinstance(value, list):
            return list(value)
        if isinstance(value, str):
            return list(value)
        return [self.failed(start, "the spread")]

    def object_literal(self) -> dict[str, Any]:
        self.advance()
        result: dict[str, Any] = {}
        while not self.at_punct("}"):
            if self.at_punct("..."):
                self.spread_into(result)
            else:
                key, value = self.property()
                result.pop(key, None)  # a repeated key moves to the end, as in JavaScript
                result[key] = value
            if self.at_punct(","):
                self.advance()
            elif not self.at_punct("}"):
                fix = "separate the properties with commas"
                if self.peek().newline_before:
                    fix = "add a comma at the end of the line before"
                what = f"expected ',' or '}}' but found {_describe(self.peek())}"
                raise self.error(self.peek(), what, fix)
        self.advance()
        return result

    def spread_into(self, result: dict[str, Any]) -> None:
        start = self.i
        self.advance()
        value = self.assignment()
        if isinstance(value, dict):
            result.update(value)
        elif isinstance(value, list):
            result.update({str(i): item for i, item in enumerate(value)})
        elif isinstance(value, Unsupported):
            # Kept under a key of its own so the importer sees that keys may be missing.
            result[self.span(start)] = self.failed(start, "the spread")

    def property(self) -> tuple[str, Any]:
        """One `key: value`, shorthand `key`, or method of an object literal."""
        start = self.i
        modifier = self.at("get", "set", "async") and not self.at_punct(
            ",", ":", "(", "}", "=", ahead=1
        )
        if modifier:
            self.advance()
        if self.at_punct("*"):
            self.advance()
        key_token = self.peek()
        key = self.property_key()
        if self.at_punct("("):
            self.skip_balanced()
            self.expect_block()
            return key, Unsupported("a function", self.span(start))
        if self.at_punct(":") and not modifier:
            self.advance()
            return key, self.assignment()
        if key_token.kind == "name" and self.at_punct(",", "}"):
            return key, self.lookup(key)
        what = f"expected ':' after the key {key!r} but found {_describe(self.peek())}"
        raise self.error(self.peek(), what, "write key: value")

    def property_key(self) -> str:
        token = self.peek()
        if token.kind in ("name", "str"):
            self.advance()
            return str(token.value)
        if token.kind == "num":
            self.advance()
            return _number_text(token.value)
        if self.at_punct("["):
            start = self.i
            self.advance()
            key = _property_key(self.assignment())
            self.expect("]", "close the brackets")
            return key if key is not None else f"[{self.span(start)[1:-1]}]"
        raise self.error(token, f"expected a key but found {_describe(token)}", "name the property")

    def expect_block(self) -> None:
        if not self.at_punct("{"):
            raise self.error(
                self.peek(),
                f"expected '{{' but found {_describe(self.peek())}",
                "give the function a body",
            )
        self.skip_balanced()

    # -- functions and classes (passed over) -----------------------------------------------------

    def arrow_ahead(self) -> bool:
        offset = 1 if self.at("async") and not self.at_punct("=>", ahead=1) else 0
        token = self.peek(offset)
        if token.kind == "name" and token.value not in _LITERAL_NAMES:
            return self.at_punct("=>", ahead=offset + 1)
        if token.kind == "punct" and token.value == "(":
            closing = self.matching(self.i + offset)
            return closing is not None and self.tokens[closing + 1].value == "=>"
        return False

    def matching(self, index: int) -> int | None:
        """The index of the bracket closing the one at `index`, None if it is never closed."""
        depth = 0
        for position in range(index, len(self.tokens)):
            token = self.tokens[position]
            if token.kind == "punct" and token.value in _CLOSERS:
                depth += 1
            elif token.kind == "punct" and token.value in _CLOSERS.values():
                depth -= 1
                if depth == 0:
                    return position
        return None

    def arrow_function(self) -> Unsupported:
        start = self.i
        if self.at("async") and not self.at_punct("=>", ahead=1):
            self.advance()
        if self.at_punct("("):
            self.skip_balanced()
        else:
            self.advance()
        self.expect("=>", "an arrow function needs =>")
        if self.at_punct("{"):
            self.skip_balanced()
        else:
            self.assignment()  # parsed so its end is found; its value is never used
        return Unsupported("a function", self.span(start))

    def function_expression(self) -> Unsupported:
        start = self.i
        self.advance()  # function
        if self.at_punct("*"):
            self.advance()
        if self.peek().kind == "name":
            self.advance()
        if not self.at_punct("("):
            raise self.error(
                self.peek(),
                f"expected '(' but found {_describe(self.peek())}",
                "list the parameters",
            )
        self.skip_balanced()
        self.expect_block()
        return Unsupported("a function", self.span(start))

    def class_expression(self) -> Unsupported:
        start = self.i
        self.advance()  # class
        if self.peek().kind == "name" and self.peek().value != "extends":
            self.advance()
        if self.at("extends"):
            self.advance()
            with self.nested():
                self.call_or_member()
        self.expect_block()
        return Unsupported("a class", self.span(start))


class _Nesting:
    """Counts how deep the parser is, so a pathological file fails with a message."""

    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_NESTING:
            token = self.parser.peek()
            what = f"nested more than {MAX_NESTING} levels deep"
            raise self.parser.error(token, what, "simplify the expression")

    def __exit__(self, *exc_info: object) -> None:
        self.parser.depth -= 1


def _rest_of(pattern: _Pattern, value: Any) -> Any:
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


def _read(container: Any, keys: list[Any]) -> Any:
    """container[k1]…[kn], for a compound assignment such as `a.b += 1`."""
    for key in keys:
        if isinstance(container, Unsupported):
            return container
        container = _member(container, key)
    return container


def _store(container: Any, keys: list[Any], value: Any) -> None:
    """container[k1]…[kn] = value when every step is a known object; otherwise nothing changes
    that the exports could hold (the container is not one of ours)."""
    for key in keys[:-1]:
        container = _member(container, key)
    key = keys[-1]
    if isinstance(container, dict):
        name = _property_key(key)
        if name is not None and value is UNDEFINED:
            container.pop(name, None)
        elif name is not None:
            container[name] = value
    elif isinstance(container, list) and _is_number(key) and key == int(key):
        index = int(key)
        if 0 <= index < len(container):
            container[index] = value
        elif index == len(container):
            container.append(value)


def _describe(token: _Token) -> str:
    """A token as a message names it."""
    if token.kind == "eof":
        return "the end of the file"
    if token.kind == "str":
        return "a string"
    if token.kind == "template":
        return "a template literal"
    if token.kind == "num":
        return f"the number {_number_text(token.value)}"
    return f"'{token.value}'"


_STATEMENT_HANDLERS: dict[str, Callable[[_Parser], None]] = {
    "const": _Parser.declaration,
    "let": _Parser.declaration,
    "var": _Parser.declaration,
    "function": _Parser.function_declaration,
    "async": _Parser.async_statement,
    "class": _Parser.class_declaration,
    "import": _Parser.import_statement,
    "export": _Parser.export_statement,
}
_PRIMARY_HANDLERS: dict[str, Callable[[_Parser], Any]] = {
    "num": _Parser.literal,
    "str": _Parser.literal,
    "template": _Parser.template_value,
    "regex": _Parser.regex,
}
