"""The condition language: a small, safe expression language over declared fact fields.

Conditions are parsed with :func:`ast.parse` (parsing only: nothing is evaluated), and
only a whitelist of node types is accepted::

    budget.mode == "budgeted" and budget.amount < fit.min_deal + requirement.module_count * 50000
    prospect.industry_class in ["core", "other_manufacturing"]
    known(close.months) and not decision.makers_known
    person.quadrant == "devil" and person.is_gatekeeper

Every name is a declared field (``erpsales.policy._fields``) or a policy parameter
(``params.<name>``), checked when the policy loads. Semantics, identical on both backends:

* a comparison that involves an unknown value is false — and so is its negation, because
  ``not`` is pushed down to the comparisons (``not x < 5`` means ``x >= 5``);
* ``known(x)`` / ``unknown(x)`` test for a value explicitly;
* a bare boolean field ``f`` means ``f == true``; ``not f`` means ``f == false``;
* integers only (money is integer RMB), with ``+ - *``; strings compare with ``==``, ``!=``, ``in``.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from erpsales.errors import PolicyError, PolicySyntaxError, UnknownFieldError
from erpsales.policy._fields import FieldSpec

__all__ = [
    "AnyOf",
    "Arith",
    "Compare",
    "Cond",
    "Const",
    "Field",
    "Group",
    "Known",
    "Operand",
    "fields_of",
    "parse_condition",
]

CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]
Scalar = int | bool | str


@dataclass(frozen=True, slots=True)
class Field:
    """A reference to a declared fact field."""

    spec: FieldSpec


@dataclass(frozen=True, slots=True)
class Const:
    """A literal (or a resolved ``params.*`` value)."""

    value: Scalar


@dataclass(frozen=True, slots=True)
class Arith:
    """Integer arithmetic ``left op right``."""

    op: Literal["+", "-", "*"]
    left: Operand
    right: Operand


Operand = Field | Const | Arith


@dataclass(frozen=True, slots=True)
class Compare:
    """``field op operand``; false when any value involved is unknown."""

    op: CompareOp
    left: Field
    right: Operand


@dataclass(frozen=True, slots=True)
class Known:
    """``known(field)`` (``known=True``) or ``unknown(field)``."""

    field: Field
    known: bool


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``field in [values]`` or, negated, ``field not in [values]`` (false when unknown)."""

    field: Field
    values: tuple[Scalar, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class Group:
    """A conjunction (``all_of=True``) or disjunction of conditions; ``Group((), True)`` is true."""

    items: tuple[Cond, ...]
    all_of: bool


Cond = Compare | Known | AnyOf | Group

_OPS: dict[type[ast.cmpop], CompareOp] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_INVERSE: dict[CompareOp, CompareOp] = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    ">=": "<",
    ">": "<=",
    "<=": ">",
}
_SWAPPED: dict[CompareOp, CompareOp] = {
    "==": "==",
    "!=": "!=",
    "<": ">",
    ">": "<",
    "<=": ">=",
    ">=": "<=",
}
_ARITH: dict[type[ast.operator], Literal["+", "-", "*"]] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
}
_INT64 = 2**63 - 1


@dataclass(frozen=True, slots=True)
class _Context:
    text: str
    fields: Mapping[str, FieldSpec]
    params: Mapping[str, Any]
    rule_id: str | None
    all_fields: Mapping[str, FieldSpec]

    def fail(self, node: ast.AST | None, message: str, **kw: Any) -> PolicyError:
        col = getattr(node, "col_offset", None)
        where = (
            f" at column {col + 1} of {self.text!r}" if col is not None else f" in {self.text!r}"
        )
        cls = kw.pop("cls", PolicySyntaxError)
        error: PolicyError = cls(message + where, rule_id=self.rule_id, **kw)
        return error


def parse_condition(
    text: str,
    fields: Mapping[str, FieldSpec],
    *,
    params: Mapping[str, Any] | None = None,
    rule_id: str | None = None,
    all_fields: Mapping[str, FieldSpec] | None = None,
) -> Cond:
    """Parse and type-check ``text`` against the declared ``fields``.

    Args:
        text: The condition.
        fields: The fields this condition may name (by scope and phase).
        params: The policy's ``params`` table, for ``params.<name>`` references.
        rule_id: The rule, for error messages.
        all_fields: Every declared field, to explain why a known field is not allowed here.

    Returns:
        The condition in negation normal form.

    Raises:
        PolicySyntaxError: The text is not a valid condition.
        UnknownFieldError: It names a field or parameter that does not exist here.
    """
    ctx = _Context(text, fields, params or {}, rule_id, all_fields or fields)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1
        raise PolicySyntaxError(
            f"not a valid condition ({exc.msg}) at column {col + 1} of {text!r}", rule_id=rule_id
        ) from None
    return _cond(tree.body, ctx)


def _cond(node: ast.expr, ctx: _Context) -> Cond:
    if isinstance(node, ast.BoolOp):
        items = tuple(_cond(v, ctx) for v in node.values)
        return Group(items, isinstance(node.op, ast.And))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _negate(_cond(node.operand, ctx))
    if isinstance(node, ast.Compare):
        return _compare(node, ctx)
    if isinstance(node, ast.Call):
        return _call(node, ctx)
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return Group((), node.value)
    if isinstance(node, ast.Name) and node.id in ("true", "false"):
        return Group((), node.id == "true")
    if isinstance(node, ast.Name | ast.Attribute):
        ref = _reference(node, ctx)
        if isinstance(ref, Field) and ref.spec.type == "bool":
            return Compare("==", ref, Const(True))
        what = (
            f"field {ref.spec.name!r} is {ref.spec.type}" if isinstance(ref, Field) else "a value"
        )
        raise ctx.fail(node, f"{what}, not a condition; compare it with something")
    raise ctx.fail(node, f"{type(node).__name__.lower()} is not allowed in a condition")


def _negate(cond: Cond) -> Cond:
    if isinstance(cond, Compare):
        return Compare(_INVERSE[cond.op], cond.left, cond.right)
    if isinstance(cond, Known):
        return Known(cond.field, not cond.known)
    if isinstance(cond, AnyOf):
        return AnyOf(cond.field, cond.values, not cond.negated)
    return Group(tuple(_negate(c) for c in cond.items), not cond.all_of)


def _call(node: ast.Call, ctx: _Context) -> Cond:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in ("known", "unknown"):
        raise ctx.fail(node, "the only functions are known(field) and unknown(field)")
    if len(node.args) != 1 or node.keywords:
        raise ctx.fail(node, f"{name}() takes exactly one field")
    ref = _reference(node.args[0], ctx)
    if not isinstance(ref, Field):
        raise ctx.fail(node.args[0], f"{name}() takes a field, not a value")
    return Known(ref, name == "known")


def _compare(node: ast.Compare, ctx: _Context) -> Cond:
    parts: list[Cond] = []
    left_node = node.left
    for op_node, right_node in zip(node.ops, node.comparators, strict=True):
        if isinstance(op_node, ast.In | ast.NotIn):
            parts.append(_membership(left_node, right_node, isinstance(op_node, ast.NotIn), ctx))
        elif type(op_node) in _OPS:
            parts.append(_binary(_OPS[type(op_node)], left_node, right_node, node, ctx))
        else:
            raise ctx.fail(node, "use ==, !=, <, <=, >, >=, in or not in")
        left_node = right_node
    return parts[0] if len(parts) == 1 else Group(tuple(parts), True)


def _membership(left: ast.expr, right: ast.expr, negated: bool, ctx: _Context) -> Cond:
    ref = _reference(left, ctx)
    if not isinstance(ref, Field):
        raise ctx.fail(left, "the left side of 'in' must be a field")
    if isinstance(right, ast.List | ast.Tuple | ast.Set):
        values = tuple(_literal(e, ctx) for e in right.elts)
    else:
        listed = _reference(right, ctx)
        if not isinstance(listed, Const) or not isinstance(listed.value, tuple | list):
            raise ctx.fail(right, "the right side of 'in' must be a list of values")
        values = tuple(listed.value)
    if not values:
        raise ctx.fail(right, "the list after 'in' is empty")
    for item in values:
        _check_value(ref.spec, item, right, ctx)
    return AnyOf(ref, tuple(dict.fromkeys(values)), negated)


def _binary(
    op: CompareOp, left_node: ast.expr, right_node: ast.expr, node: ast.AST, ctx: _Context
) -> Cond:
    left = _operand(left_node, ctx)
    right = _operand(right_node, ctx)
    if not isinstance(left, Field):
        if isinstance(right, Field):
            left, right, op = right, left, _SWAPPED[op]
        else:
            raise ctx.fail(node, "one side of a comparison must be a single field")
    assert isinstance(left, Field)
    spec = left.spec
    if spec.type == "int":
        if _type_of(right, ctx, node) != "int":
            raise ctx.fail(node, f"field {spec.name!r} is an integer; compare it with an integer")
    else:
        if isinstance(right, Arith):
            raise ctx.fail(node, f"arithmetic needs integers; {spec.name!r} is {spec.type}")
        if op not in ("==", "!="):
            raise ctx.fail(node, f"field {spec.name!r} is {spec.type}: use == or != (or in)")
        if _type_of(right, ctx, node) != spec.type:
            raise ctx.fail(
                node, f"field {spec.name!r} is {spec.type}; compare it with a {spec.type}"
            )
        if isinstance(right, Const):
            _check_value(spec, right.value, right_node, ctx)
    return Compare(op, left, right)


def _type_of(operand: Operand, ctx: _Context, node: ast.AST) -> str:
    if isinstance(operand, Field):
        return operand.spec.type
    if isinstance(operand, Arith):
        return "int"
    value = operand.value
    return "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str"


def _check_value(spec: FieldSpec, value: Any, node: ast.AST, ctx: _Context) -> None:
    expected = {"int": int, "bool": bool, "str": str}[spec.type]
    if type(value) is not expected:
        raise ctx.fail(node, f"{value!r} is not a {spec.type}, the type of field {spec.name!r}")
    if spec.values is not None and value not in spec.values:
        close = difflib.get_close_matches(str(value), spec.values, n=1)
        raise ctx.fail(
            node,
            f"{value!r} is not a value of field {spec.name!r}; expected one of {list(spec.values)}",
            cls=UnknownFieldError,
            field=spec.name,
            suggestion=close[0] if close else None,
        )


def _operand(node: ast.expr, ctx: _Context) -> Operand:
    if isinstance(node, ast.BinOp):
        op = _ARITH.get(type(node.op))
        if op is None:
            raise ctx.fail(node, "only +, - and * are allowed (amounts are integers)")
        left, right = _operand(node.left, ctx), _operand(node.right, ctx)
        for side in (left, right):
            if _type_of(side, ctx, node) != "int":
                raise ctx.fail(node, "arithmetic needs integers")
        if isinstance(left, Const) and isinstance(right, Const):
            assert isinstance(left.value, int)
            assert isinstance(right.value, int)
            folded = {"+": left.value + right.value, "-": left.value - right.value}.get(
                op, left.value * right.value
            )
            return Const(_int64(folded, node, ctx))
        arith = Arith(op, left, right)
        if _magnitude(arith) > _INT64 // 2:
            raise ctx.fail(
                node,
                "this arithmetic could exceed 64-bit integers for large values of its fields; "
                "use smaller constants",
            )
        return arith
    if isinstance(node, ast.Name | ast.Attribute):
        ref = _reference(node, ctx)
        if isinstance(ref, Const) and isinstance(ref.value, list | tuple):
            raise ctx.fail(node, "a list parameter can only follow 'in'")
        return ref
    if isinstance(node, ast.Call):
        raise ctx.fail(node, "functions cannot be used as values; known() and unknown() are tests")
    if isinstance(node, ast.Subscript):
        raise ctx.fail(node, "indexing is not allowed; every field is a single value")
    return Const(_literal(node, ctx))


def _literal(node: ast.expr, ctx: _Context) -> Scalar:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand, ctx)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ctx.fail(node, "only integers can be negative")
        return _int64(-value, node, ctx)
    if isinstance(node, ast.Name) and node.id in ("true", "false"):
        return node.id == "true"
    if isinstance(node, ast.Name | ast.Attribute):
        ref = _reference(node, ctx)
        if isinstance(ref, Const) and not isinstance(ref.value, list | tuple):
            return ref.value
        raise ctx.fail(node, "a list must hold values, not fields")
    if isinstance(node, ast.Constant):
        literal = node.value
        if isinstance(literal, str) and (literal.startswith("$") or "\x00" in literal):
            raise ctx.fail(node, "a string may not start with '$' or contain NUL")
        if isinstance(literal, bool | str):
            return literal
        if isinstance(literal, int):
            return _int64(literal, node, ctx)
        if isinstance(literal, float):
            raise ctx.fail(node, f"{literal!r} is not an integer; amounts and counts are integers")
    raise ctx.fail(node, "expected a number, a string, true or false")


def _int64(value: int, node: ast.AST, ctx: _Context) -> int:
    if not -_INT64 <= value <= _INT64:
        raise ctx.fail(node, f"{value} is out of the 64-bit integer range")
    return value


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _reference(node: ast.expr, ctx: _Context) -> Field | Const:
    name = _dotted(node)
    if name is None:
        raise ctx.fail(node, "expected a field name such as budget.amount")
    if name.startswith("params."):
        key = name.removeprefix("params.")
        if key not in ctx.params:
            close = difflib.get_close_matches(key, list(ctx.params), n=1)
            raise ctx.fail(
                node,
                f"unknown parameter {name!r}",
                cls=UnknownFieldError,
                field=name,
                suggestion=f"params.{close[0]}" if close else None,
            )
        value = ctx.params[key]
        if isinstance(value, float) or (
            isinstance(value, int) and not isinstance(value, bool) and abs(value) > _INT64
        ):
            raise ctx.fail(node, f"parameter {name!r} must be an integer, a string or a boolean")
        return Const(tuple(value) if isinstance(value, list) else value)  # type: ignore[arg-type]
    spec = ctx.fields.get(name)
    if spec is None:
        if name in ctx.all_fields:
            other = ctx.all_fields[name]
            if other.scope == "stakeholder":
                why = "a per-person field; use it in a rule with scope = 'stakeholder'"
            elif other.phase == 2:
                why = "part of the fit/grading verdict, which grade rules cannot use"
            else:
                why = "a prospect field; a stakeholder rule sees only person.* fields"
            raise ctx.fail(node, f"field {name!r} is {why}", cls=UnknownFieldError, field=name)
        close = difflib.get_close_matches(name, list(ctx.fields), n=1, cutoff=0.6)
        raise ctx.fail(
            node,
            f"unknown field {name!r}",
            cls=UnknownFieldError,
            field=name,
            suggestion=close[0] if close else None,
        )
    return Field(spec)


def _magnitude(op: Operand) -> int:
    """The largest absolute value ``op`` can take (amounts are at most 10¹⁴ RMB)."""
    if isinstance(op, Const):
        return abs(op.value) if isinstance(op.value, int) else 1
    if isinstance(op, Field):
        name = op.spec.name
        if name.endswith((".revenue", ".profit", ".amount", ".min_deal")):
            return 10**14
        return 10**9  # counts, days, months, years, scores
    left, right = _magnitude(op.left), _magnitude(op.right)
    return left * right if op.op == "*" else left + right


def fields_of(cond: Cond | Operand) -> Iterator[FieldSpec]:
    """Yield every field a condition reads, in order of appearance (with repeats)."""
    if isinstance(cond, Field):
        yield cond.spec
    elif isinstance(cond, Arith):
        yield from fields_of(cond.left)
        yield from fields_of(cond.right)
    elif isinstance(cond, Compare):
        yield cond.left.spec
        yield from fields_of(cond.right)
    elif isinstance(cond, Known | AnyOf):
        yield cond.field.spec
    elif isinstance(cond, Group):
        for item in cond.items:
            yield from fields_of(item)
