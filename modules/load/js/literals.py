"""The grammar's primary expressions: literals, names, template literals, arrays and objects,
and the functions and classes it passes over (each an Unsupported).
"""

from collections.abc import Callable
from typing import Any

from modules.load.js.cursor import Cursor, describe
from modules.load.js.tokens import Token
from modules.load.js.values import UNDEFINED, Unsupported, as_property_key, is_number, number_text

LITERAL_NAMES: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "undefined": UNDEFINED,
}


class Literals(Cursor):
    """Literals and names; built on by the expressions."""

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
        what = f"expected a value but found {describe(token)}"
        raise self.error(token, what, "check for a missing value or an extra comma")

    def literal(self) -> Any:
        return self.advance().value

    def regex(self) -> Unsupported:
        start = self.i
        self.advance()
        return self.failed(start, "the regular expression")

    def name_value(self) -> Any:
        token = self.peek()
        if token.value in LITERAL_NAMES:
            self.advance()
            return LITERAL_NAMES[token.value]
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
            if not (isinstance(value, str) or is_number(value)):
                return self.failed(start, "the template literal")
            pieces.append(value if isinstance(value, str) else number_text(value))
        return "".join(pieces)

    def sub_expression(self, tokens: list[Token]) -> Any:
        """The value of a template literal's ${…}, parsed from its own token list."""
        saved = self.tokens, self.i
        self.tokens, self.i = tokens, 0
        try:
            value = self.expression()
            if self.peek().kind != "eof":
                what = f"expected '}}' but found {describe(self.peek())}"
                raise self.error(self.peek(), what, "close ${ … } after one expression")
            return value
        finally:
            self.tokens, self.i = saved

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
                what = f"expected ',' or '}}' but found {describe(self.peek())}"
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
        what = f"expected ':' after the key {key!r} but found {describe(self.peek())}"
        raise self.error(self.peek(), what, "write key: value")

    def property_key(self) -> str:
        token = self.peek()
        if token.kind in ("name", "str"):
            self.advance()
            return str(token.value)
        if token.kind == "num":
            self.advance()
            return number_text(token.value)
        if self.at_punct("["):
            start = self.i
            self.advance()
            key = as_property_key(self.assignment())
            self.expect("]", "close the brackets")
            return key if key is not None else f"[{self.span(start)[1:-1]}]"
        raise self.error(token, f"expected a key but found {describe(token)}", "name the property")

    def expect_block(self) -> None:
        if not self.at_punct("{"):
            raise self.error(
                self.peek(),
                f"expected '{{' but found {describe(self.peek())}",
                "give the function a body",
            )
        self.skip_balanced()

    # -- functions and classes (passed over) -----------------------------------------------------

    def arrow_ahead(self) -> bool:
        offset = 1 if self.at("async") and not self.at_punct("=>", ahead=1) else 0
        token = self.peek(offset)
        if token.kind == "name" and token.value not in LITERAL_NAMES:
            return self.at_punct("=>", ahead=offset + 1)
        if token.kind == "punct" and token.value == "(":
            closing = self.matching(self.i + offset)
            return closing is not None and self.tokens[closing + 1].value == "=>"
        return False

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
                f"expected '(' but found {describe(self.peek())}",
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


_PRIMARY_HANDLERS: dict[str, Callable[[Literals], Any]] = {
    "num": Literals.literal,
    "str": Literals.literal,
    "template": Literals.template_value,
    "regex": Literals.regex,
}
