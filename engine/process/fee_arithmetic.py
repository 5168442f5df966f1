"""Exact arithmetic for fee expressions (D26): a fee is a sum of money, and binary floats made 7 % of 50.000.000 đ
3500000.0000000005 đ. An expression runs with decimals where floats would be: its decimal literals, the form's
decimal values and every arithmetic operation whose operands are numbers (a float met on the way, from
``float()`` or ``2 ** -1``, is taken as the decimal it prints as), so that no operation mixes a float with a
decimal (Python refuses that). ``float()`` gives that decimal and ``round()`` rounds half-up, as the amount
itself is rounded (engine.process.fees.amount). The operators keep their size guards (engine.process.scriptlimits:
the restricted policy rewrites ``**`` and ``*`` into guards; here they are calls the policy no longer sees, so the
helper applies the same guards itself)."""
from __future__ import annotations

import ast
import operator
from decimal import ROUND_HALF_UP, Decimal

from engine.process import scriptlimits

_OP = "tthc_exact_op_"
_LITERAL = "tthc_exact_"
_OPERATIONS = {ast.Add: ("add", scriptlimits.guarded_add), ast.Sub: ("sub", operator.sub),
               ast.Mult: ("mul", scriptlimits.guarded_mul), ast.Div: ("div", operator.truediv),
               ast.FloorDiv: ("floordiv", operator.floordiv), ast.Mod: ("mod", scriptlimits.guarded_mod),
               ast.Pow: ("pow", scriptlimits.guarded_pow)}
_BY_NAME = {name: function for name, function in _OPERATIONS.values()}


def exact(value):
    """A float as the decimal it prints as (its shortest repr), any other value unchanged."""
    return Decimal(repr(value)) if isinstance(value, float) else value


def _number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _operation(name: str, a, b):
    """``a <op> b``, numbers as decimals: int / int is a decimal, not a float; a float result is made exact."""
    if _number(a) and _number(b):
        a, b = exact(a), exact(b)
        if name == "div":
            return Decimal(a) / Decimal(b)
        return exact(_BY_NAME[name](a, b))
    return _BY_NAME[name](a, b)


def _float(value=0):
    """``float(x)`` in a fee: the decimal ``x`` is (a text or a number), never a binary float."""
    if isinstance(value, str):
        return Decimal(value.strip())
    return Decimal(exact(value)) if _number(value) else Decimal(value)


def _round(number, ndigits=None):
    """``round()`` half-up, as amounts are rounded (2.5 is 3, not Python's 2), guarded as the builtin is."""
    whole = ndigits is None or (isinstance(ndigits, int) and not isinstance(ndigits, bool))
    if not _number(number) or not whole or (ndigits is not None and abs(ndigits) > scriptlimits.MAX_ROUND_DIGITS):
        return scriptlimits.guarded_round(number, ndigits)  # as the builtin does (or refuses, with its message)
    value = Decimal(exact(number))
    if ndigits is None:
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    rounded = value.quantize(Decimal(1).scaleb(-ndigits), rounding=ROUND_HALF_UP)  # -3: to the thousand
    return int(rounded) if isinstance(number, int) else rounded


HELPERS = {_OP: _operation, _LITERAL: Decimal, "float": _float, "round": _round}


class _Exact(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, float):
            call = ast.Call(func=ast.Name(id=_LITERAL, ctx=ast.Load()), args=[ast.Constant(repr(node.value))],
                            keywords=[])
            return ast.copy_location(call, node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.generic_visit(node)
        operation = _OPERATIONS.get(type(node.op))
        if operation is None:  # bit operations: integers only, guarded by the policy as they are
            return node
        call = ast.Call(func=ast.Name(id=_OP, ctx=ast.Load()),
                        args=[ast.Constant(operation[0]), node.left, node.right], keywords=[])
        return ast.copy_location(call, node)


def text(expression: str) -> str:
    """``expression`` with exact arithmetic (unchanged when it does not parse: the evaluation says why)."""
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError):
        return expression
    return ast.unparse(ast.fix_missing_locations(_Exact().visit(tree)))


def form(value):
    """The form's values with its floats as decimals."""
    if isinstance(value, dict):
        return {k: form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [form(v) for v in value]
    return exact(value)
