"""The grammar's statements, and the whole parser: declarations, imports and exports are read;
any other statement (`if`, `for`, …) is passed over and listed as not read.
"""

from collections.abc import Callable
from typing import Any

from modules.load.js.cursor import describe
from modules.load.js.patterns import Patterns
from modules.load.js.values import UNDEFINED, Unsupported

_SKIPPED_STATEMENTS = frozenset(
    ("if", "for", "while", "do", "switch", "try", "throw", "return", "with", "break")
    + ("continue", "debugger")
)
_CONTINUES_STATEMENT = frozenset({"else", "catch", "finally", "while"})


class Parser(Patterns):
    """Recursive descent over the tokens, working out each value as it is parsed."""

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
            what = f"expected ';' or a new line but found {describe(token)}"
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


_STATEMENT_HANDLERS: dict[str, Callable[[Parser], None]] = {
    "const": Parser.declaration,
    "let": Parser.declaration,
    "var": Parser.declaration,
    "function": Parser.function_declaration,
    "async": Parser.async_statement,
    "class": Parser.class_declaration,
    "import": Parser.import_statement,
    "export": Parser.export_statement,
}
