"""The grammar's expressions: assignments, the conditional, binary and unary operators, calls
and member chains, each worked out as it is parsed.
"""

from typing import Any

from modules.load.js.literals import LITERAL_NAMES, Literals
from modules.load.js.values import (
    NOT_SET,
    UNDEFINED,
    Unsupported,
    binary_operation,
    member,
    read_path,
    store_path,
    truthy,
    unary_operation,
)

_SHORT_CIRCUIT = object()  # the rest of an optional chain after a null or undefined
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


class Expressions(Literals):
    """Expressions, each worked out as it is parsed; built on by the patterns."""

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
        if self.peek().kind != "name" or self.peek().value in LITERAL_NAMES:
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
            current = self.exports if root is NOT_SET else read_path(root, keys)
            value = self.settle(binary_operation(op[:-1], current, value), start)
        if root is NOT_SET:
            self.exports = value
        elif root is self.scope and len(keys) == 1:
            self.scope[keys[0]] = value
        else:
            store_path(root, keys, value)
        return value

    def assignment_root(self, path: list[Any]) -> tuple[Any, list[Any]]:
        """Where an assignment lands: (NOT_SET, []) for module.exports itself."""
        if path[:2] == ["module", "exports"] or (
            path[0] == "exports" and "exports" not in self.scope
        ):
            keys = path[2:] if path[0] == "module" else path[1:]
            if not keys:
                return NOT_SET, []
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
        return if_true if truthy(condition) else if_false

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
            left = self.settle(binary_operation(op, left, right), start)
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
            return self.settle(unary_operation(token.value, operand), start)
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
        return self.settle(member(value, key), start)

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
