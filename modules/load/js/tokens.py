"""The tokenizer: splits a config.js into tokens (a template literal's `${…}` parts become token
lists of their own), and the `{source}: line {n} column {c}: …` error both it and the parser raise.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from modules.errors import ConfigError


@dataclass(frozen=True)
class Token:
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


class Lexer:
    """Splits the text into tokens; a template literal's `${…}` parts become token lists."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.lines = line_starts(text)

    def tokens(self) -> list[Token]:
        if self.text.startswith("#!"):  # a shebang line, allowed by node
            self.pos = len(self.text.split("\n", 1)[0])
        return self._scan(template_start=None)

    def error(self, offset: int, what: str, fix: str) -> ConfigError:
        return error_at(self.source, self.lines, offset, what, fix)

    def _scan(self, template_start: int | None) -> list[Token]:
        """Tokens up to the end of the text, or of the `${…}` of the template at template_start."""
        tokens: list[Token] = []
        depth = 0
        inside_template = template_start is not None
        while True:
            newline = self._skip_blank()
            if self.pos >= len(self.text):
                if template_start is not None:
                    what = "unterminated template literal"
                    raise self.error(template_start, what, "close it with `")
                tokens.append(Token("eof", None, self.pos, self.pos, True))
                return tokens
            if inside_template and depth == 0 and self.text[self.pos] == "}":
                tokens.append(Token("eof", None, self.pos, self.pos, newline))
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

    def _token(self, previous: Token | None, newline: bool) -> Token:
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
        return Token(kind, value, start, self.pos, newline)

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

    def _template(self) -> list[str | list[Token]]:
        start = self.pos
        parts: list[str | list[Token]] = []
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


def _regex_allowed(previous: Token | None) -> bool:
    """Whether a '/' here starts a regular expression (after an operator) or divides."""
    if previous is None:
        return True
    if previous.kind == "name":
        return previous.value in _BEFORE_EXPRESSION
    return previous.kind == "punct" and previous.value not in (")", "]", "}")


def _is_optional_chain_decimal(candidate: str, lexer: Lexer) -> bool:
    """`a?.5:b` is a conditional with .5, not optional chaining."""
    return candidate == "?." and lexer.text[lexer.pos + 2 : lexer.pos + 3].isdigit()


def line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in re.finditer(r"\r\n|[\n\r\u2028\u2029]", text)]


def error_at(source: str, lines: list[int], offset: int, what: str, fix: str) -> ConfigError:
    line = bisect_right(lines, offset)
    column = offset - lines[line - 1] + 1
    return ConfigError(f"{source}: line {line} column {column}: {what}; {fix}")
