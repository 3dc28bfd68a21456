"""JavaScript values as the reader holds them (JSON values, UNDEFINED and Unsupported) and what
the parser works out from them without running code: member access, the operators, assignment
through a path of keys.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unsupported:
    """A value that only running JavaScript could produce; `source` is its exact text (e.g.
    `MODE.multiply`, which an importer may still map to a blend mode)."""

    description: str
    source: str = ""


class _Undefined:
    """JavaScript's `undefined`: dropped from objects and null in arrays, as JSON.stringify does."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()
NOT_SET = object()


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_text(number: float) -> str:
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
    if is_number(value):
        return number_text(value)
    if value is None:
        return "null"
    return "undefined" if value is UNDEFINED else None


def js_type(value: Any) -> str:
    """How a value is named in messages."""
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if is_number(value):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, Unsupported):
        return "unknown"
    return "null" if value is None else "undefined"


def truthy(value: Any) -> bool:
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
    if is_number(value):
        return "number"
    return "undefined" if value is UNDEFINED else "object"


def member(value: Any, key: Any) -> Any:
    """value[key] when JavaScript's answer needs no code; Unsupported otherwise."""
    if isinstance(value, dict):
        name = _js_string(key)
        return value.get(name, UNDEFINED) if name is not None else FAILED
    if isinstance(value, list | str):
        if key == "length":
            return len(value)
        if is_number(key) and key == int(key):
            index = int(key)
            return value[index] if 0 <= index < len(value) else UNDEFINED
    return FAILED


FAILED = Unsupported("")  # a marker: the caller describes the expression that failed


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    """+ - * / % ** on two numbers; FAILED for what JSON cannot hold (NaN, Infinity)."""
    if not (is_number(left) and is_number(right)):
        return FAILED
    if op in ("/", "%") and right == 0:
        return FAILED
    try:
        result = _ARITHMETIC[op](left, right)
    except OverflowError:
        return FAILED
    # JSON holds neither NaN nor Infinity, and JavaScript has no numbers beyond a double's.
    if isinstance(result, complex) or not abs(result) <= sys.float_info.max:
        return FAILED
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
    if is_number(left) and is_number(right):
        return _arithmetic("+", left, right)
    if isinstance(left, str) or isinstance(right, str):
        left_text, right_text = _js_string(left), _js_string(right)
        if left_text is not None and right_text is not None:
            return left_text + right_text
    return FAILED


def _strict_equal(left: Any, right: Any) -> bool:
    if is_number(left) and is_number(right):
        return bool(left == right)
    if type(left) is not type(right):
        return False
    return left is right if isinstance(left, dict | list) else bool(left == right)


def _equality(op: str, left: Any, right: Any) -> Any:
    nullish = (None, UNDEFINED)
    if op in ("==", "!=") and left in nullish and right in nullish:
        equal = True
    elif op in ("==", "!=") and js_type(left) != js_type(right):
        return FAILED  # JavaScript's loose coercions are not worth guessing
    else:
        equal = _strict_equal(left, right)
    return equal if op in ("==", "===") else not equal


def _relation(op: str, left: Any, right: Any) -> Any:
    both_numbers = is_number(left) and is_number(right)
    if not (both_numbers or (isinstance(left, str) and isinstance(right, str))):
        return FAILED
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]


def _logical(op: str, left: Any, right: Any) -> Any:
    if op == "&&":
        return right if truthy(left) else left
    if op == "||":
        return left if truthy(left) else right
    return right if left is None or left is UNDEFINED else left  # ??


def binary_operation(op: str, left: Any, right: Any) -> Any:
    """The value of `left op right`, or FAILED."""
    if isinstance(left, Unsupported):
        return FAILED
    if op in ("&&", "||", "??"):
        return _logical(op, left, right)
    if isinstance(right, Unsupported):
        return FAILED
    if op == "+":
        return _plus(left, right)
    if op in _ARITHMETIC:  # the other four
        return _arithmetic(op, left, right)
    if op in ("==", "!=", "===", "!=="):
        return _equality(op, left, right)
    if op in ("<", ">", "<=", ">="):
        return _relation(op, left, right)
    return FAILED  # bitwise operators, in, instanceof


def unary_operation(op: str, operand: Any) -> Any:
    if isinstance(operand, Unsupported) or op in ("~", "delete", "await"):
        return FAILED
    if op == "!":
        return not truthy(operand)
    if op == "typeof":
        return _typeof(operand)
    if op == "void":
        return UNDEFINED
    return operand if op == "+" and is_number(operand) else _arithmetic("*", operand, -1)


def as_property_key(key: Any) -> str | None:
    return _js_string(key) if not isinstance(key, Unsupported) else None


def read_path(container: Any, keys: list[Any]) -> Any:
    """container[k1]…[kn], for a compound assignment such as `a.b += 1`."""
    for key in keys:
        if isinstance(container, Unsupported):
            return container
        container = member(container, key)
    return container


def store_path(container: Any, keys: list[Any], value: Any) -> None:
    """container[k1]…[kn] = value when every step is a known object; otherwise nothing changes
    that the exports could hold (the container is not one of ours)."""
    for key in keys[:-1]:
        container = member(container, key)
    key = keys[-1]
    if isinstance(container, dict):
        name = as_property_key(key)
        if name is not None and value is UNDEFINED:
            container.pop(name, None)
        elif name is not None:
            container[name] = value
    elif isinstance(container, list) and is_number(key) and key == int(key):
        index = int(key)
        if 0 <= index < len(container):
            container[index] = value
        elif index == len(container):
            container.append(value)
