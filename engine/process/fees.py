"""Fees as a procedure declares them (D26): fixed or computed from the filing form by a restricted expression,
the moment they fall due, and the condition on the form that exempts them.

Declared as process properties (docs/bpmn-conventions.md):

* ``fee.<key>`` = ``<amount>;<moment>;<name>``: the amount in đồng (digits), or ``=`` and an expression over the
  filing form's top-level fields (``=50000 * so_lao_dong``); the moment ``at_filing``, ``at_intake`` or
  ``before_result`` (also ``filing``, ``intake``); the fee's name as the receipt prints it.
* ``feeExempt.<key>`` = a condition on the filing form's fields; true exempts the applicant from the fee.

Expressions run in the project's restricted environment (engine.process.scripting), never plain ``eval``, and
are checked when the procedure is deployed: syntax, names that are no field of the filing form, and a moment
or amount that makes no sense are refused with a message naming the fee.
"""
from __future__ import annotations

import ast
import copy
import decimal
from decimal import Decimal

from engine.core.errors import Invalid
from engine.law import payment as law
from engine.process import fee_arithmetic, scripting
from engine.process.scriptlimits import ScriptRefused

SPELLING = {"filing": "at_filing", "intake": "at_intake", "before_result": "before_result"}  # api.md's ``when``
MAX_AMOUNT = 10**12  # đồng: a computed fee beyond this is a mistake in the expression, not a fee
# The names an expression may use besides the form's fields: the restricted environment's own builtins.
ALLOWED_NAMES = {n for n in scripting.RestrictedEnvironment().globals.get("__builtins__", {}) if not n.startswith("_")}


class FeeError(ValueError):
    """A fee could not be computed from this form (the expression failed or gave no amount)."""


class FieldMissing(FeeError):
    """The expression names a field the form does not have (an optional field left out): ``field``."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _names(text: str) -> set[str]:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _check_expression(text: str, fields: set[str] | None, what: str) -> list[str]:
    problems = [f"{what}: {p}" for p in scripting.check_expression(text)]
    if not problems and fields is not None:
        unknown = sorted(n for n in _names(text) if n not in fields and n not in ALLOWED_NAMES)
        if unknown:
            problems.append(f"{what}: không phải trường của tờ khai hay hàm được phép: {', '.join(unknown)}")
    return problems


def read(props: dict[str, str], filing_schema: dict | None) -> tuple[list[dict], list[str]]:
    """The fees a process declares and the problems of the declaration (Vietnamese, naming the fee)."""
    fields = set((filing_schema or {}).get("properties", {})) if filing_schema else None
    fees, problems = [], []
    exemptions = {k[len("feeExempt."):]: v for k, v in props.items() if k.startswith("feeExempt.")}
    # feeLocal.<key> = true: the province sets the amount (lệ phí of the provincial council); each offering agency
    # may give its own (engine.cases.offers), the declared amount applies where it does not
    local = {k[len("feeLocal."):] for k, v in props.items() if k.startswith("feeLocal.") and v.strip() == "true"}
    for key, raw in props.items():
        if not key.startswith("fee."):
            continue
        name = key[4:]
        parts = raw.split(";", 2)
        moment = law.moment_of(parts[1].strip()) if len(parts) == 3 else None
        if len(parts) != 3 or moment is None or not parts[2].strip():
            problems.append(f"phí {key}: cần dạng '<số tiền hoặc =biểu thức>;at_filing|at_intake|before_result;<tên>'")
            continue
        amount_text = parts[0].strip()
        fee = {"key": name, "name": parts[2].strip(), "amount": None, "when": SPELLING[moment], "moment": moment}
        if amount_text.isdigit() and amount_text.isascii():
            fee["amount"] = int(amount_text)
            if fee["amount"] > MAX_AMOUNT:
                problems.append(f"phí {key}: số tiền quá lớn")
        elif amount_text.startswith("=") and amount_text[1:].strip():
            fee["expression"] = amount_text[1:].strip()
            problems += _check_expression(fee["expression"], fields, f"phí {key}: biểu thức số tiền")
        else:
            problems.append(f"phí {key}: số tiền phải là số đồng (chữ số) hoặc '=' và một biểu thức, "
                            f"không phải {amount_text!r}")
        if name in local:
            fee["local"] = True
            local.discard(name)
        if name in exemptions:
            fee["exempt_if"] = exemptions.pop(name).strip()
            problems += _check_expression(fee["exempt_if"], fields, f"feeExempt.{name}: điều kiện miễn")
        fees.append(fee)
    for name in exemptions:
        problems.append(f"feeExempt.{name}: không có phí fee.{name} để miễn")
    for name in sorted(local):
        problems.append(f"feeLocal.{name}: không có phí fee.{name}")
    return fees, problems


def _evaluate(text: str, form: dict, time_limit: float):
    env = scripting.RestrictedEnvironment(fee_arithmetic.HELPERS, time_limit=time_limit)
    context = fee_arithmetic.form(copy.deepcopy(form)) if isinstance(form, dict) else {}
    for name in fee_arithmetic.HELPERS:  # a field of that name must not replace them
        context.pop(name, None)
    try:
        with decimal.localcontext() as exact:
            exact.prec, exact.traps[decimal.InvalidOperation], exact.traps[decimal.Overflow] = 40, True, True
            return env.evaluate(fee_arithmetic.text(text), context)
    except ScriptRefused as exc:
        raise FeeError(str(exc)) from None
    except NameError as exc:  # a field the form lacks (check_form tells the citizen at filing)
        field = getattr(exc, "name", None)
        raise FieldMissing(f"tờ khai không có trường {field or '?'}", field) from None
    except Exception as exc:  # a division by zero, an overflow: the declaration's fault, said in words
        raise FeeError(_REASONS.get(type(exc).__name__, "biểu thức không tính được với tờ khai này")
                       + f" ({type(exc).__name__})") from None


# What an officer reads when a fee cannot be computed (never a Python exception's text)
_REASONS = {"ZeroDivisionError": "phép chia cho 0", "DivisionByZero": "phép chia cho 0",
            "DivisionUndefined": "phép chia 0 cho 0", "Overflow": "số quá lớn",
            "InvalidOperation": "phép tính không xác định", "OverflowError": "số quá lớn",
            "TypeError": "giá trị của tờ khai không dùng được trong phép tính",
            "ValueError": "giá trị của tờ khai không dùng được trong phép tính"}


def exempt(fee: dict, form: dict, time_limit: float = 1.0) -> bool:
    """Whether the form meets the fee's exemption condition. A condition on a field the applicant left out is not
    met: an exemption is claimed by declaring the fact that grants it (an unticked "hộ nghèo" box is no claim), so
    the form is never refused for want of it (``check_form`` asks only for the fields an amount is computed from)."""
    if not fee.get("exempt_if"):
        return False
    try:
        return bool(_evaluate(fee["exempt_if"], form, time_limit))
    except FieldMissing:
        return False


def amount(fee: dict, form: dict, time_limit: float = 1.0) -> int:
    """The fee in đồng for this form: the fixed amount, or the expression's value computed exactly (decimal
    arithmetic) and rounded half-up to the đồng: a Vietnamese fee is paid in whole đồng, and a percentage of a
    capital (``=von_kinh_doanh * 0.5 / 100``) rarely is one. A negative, infinite, non-numeric or absurd (beyond
    MAX_AMOUNT) value is refused, naming the fee."""
    if fee.get("amount") is not None:
        return int(fee["amount"])
    value = _evaluate(fee["expression"], form, time_limit)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise FeeError(f"biểu thức phí {fee['key']} không cho ra một số tiền: {str(value)[:60]!r}")
    exact = Decimal(fee_arithmetic.exact(value))
    if not exact.is_finite() or exact < 0 or exact > MAX_AMOUNT:
        raise FeeError(f"biểu thức phí {fee['key']} cho ra số tiền không hợp lệ: {str(value)[:60]}")
    return int(exact.quantize(Decimal(1), rounding=decimal.ROUND_HALF_UP))


def cost(fee: dict, form: dict, time_limit: float = 1.0) -> int:
    """What the fee costs this applicant: nothing when the form meets its exemption, else its ``amount``."""
    return 0 if exempt(fee, form, time_limit) else amount(fee, form, time_limit)


def missing_fields(declared: list[dict], form, filing_schema: dict | None = None,
                   time_limit: float = 1.0) -> dict[str, str]:
    """{field: why} for the fields ``form`` lacks that a fee of ``declared`` (as the office charges them:
    engine.cases.local_fees) is computed from: each fee is computed with the form, as it will be at its moment, so
    a fixed amount, an applicant the fee exempts, or a branch of the expression that does not read the field asks
    nothing. Other failures are the declaration's, told at the fee's moment (``amount``)."""
    if not isinstance(form, dict):
        return {}
    fields = (filing_schema or {}).get("properties") or {}
    missing: dict[str, str] = {}
    for fee in declared:
        if fee.get("amount") is not None or not fee.get("expression") or exempt(fee, form, time_limit):
            continue
        try:
            amount(fee, form, time_limit)
        except FieldMissing as exc:
            name = exc.field or "?"
            schema = fields.get(name)
            title = schema.get("title") if isinstance(schema, dict) else None
            missing.setdefault(name, f"Cần khai {title or name} để tính lệ phí {fee['name']}")
        except FeeError:
            continue
    return missing


def check_form(declared: list[dict], filing_schema: dict | None, form, what: str = "Tờ khai") -> None:
    """Refuse (422, naming each field) a form that lacks a field a fee is computed from (``missing_fields``), when
    the citizen can still add it (filing, a supplement answer), not at the fee's moment, when the leader could
    only refuse the dossier."""
    errors = missing_fields(declared, form, filing_schema)
    if errors:
        raise Invalid(f"{what} chưa hợp lệ: " + "; ".join(errors.values()), code="invalid_form", fields=errors)


def of_moment(info: dict, moment: str) -> list[dict]:
    return [f for f in info.get("fees", ()) if (f.get("moment") or law.moment_of(f.get("when", ""))) == moment]
