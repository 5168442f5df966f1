"""Bounds on the work and memory of one BPMN script, condition or timer expression.

Why: the time limit of ``scripting`` stops Python-level loops only. A single C-level operation runs to its end
before any check can stop it (``pow(7, 4*10**6)`` held a request 5.4 s; ``'a' * (5*10**7)`` put 50 MB into a
dossier's workflow state). So the restricted AST rewrites the operators that can make huge values (``*``,
``**``, ``<<``, ``+``, ``%``, f-string fields, ``str()``) into calls of the guards below, which look at the
operand sizes *before* computing; the growing methods of strings, bytes and lists are wrapped the same way;
``pow``, ``sum``, ``repr``, ``hash`` and ``round`` are replaced. What is left (many moderately large values
made in a loop) is caught by a memory growth check in the tracer and by a cap on how much a script may add to
the task data. Shared references count each time they appear: ``[y] * 1000`` is as big as its text would be.

The limits are constants, not settings: no procedure needs more, and nothing here can be switched off.
"""
from __future__ import annotations

import functools
import math
import numbers
import operator
import re
from typing import Any

try:
    import resource
except ImportError:  # pragma: no cover - not on Linux/BSD: the memory check is skipped
    resource = None

__all__ = ['BUILTIN_GUARDS', 'CALL_GUARDS', 'MAX_DATA_BYTES', 'MAX_INT_BITS', 'MAX_LENGTH', 'MAX_MEMORY_GROWTH',
           'OPERATOR_GUARDS', 'ScriptRefused', 'ScriptTimeout', 'check_data_growth', 'check_deep', 'check_memory',
           'data_size', 'guarded_getattr', 'memory_peak']

MAX_INT_BITS = 100_000          # about 30,000 decimal digits: far beyond any fee or count
MAX_POW_MOD_BITS = 4_096        # exponent and modulus of a three-argument pow()
MAX_LENGTH = 1_000_000          # characters, bytes or items of one value made by one operation
MAX_DATA_BYTES = 1 << 20        # what one script may add to the task data (serialized size, estimated)
MAX_MEMORY_GROWTH = 256 << 20   # growth of the process's peak memory while one script runs
MAX_DEPTH = 64                  # nesting of task data (JSON never needs more; a cycle would need infinity)


class ScriptRefused(Exception):
    """A script/expression was refused at compile time or broke a rule at run time."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class ScriptTimeout(ScriptRefused):
    """A script/expression ran longer than the time limit."""


def _refuse(message: str) -> None:
    raise ScriptRefused(f'{message} (vượt giới hạn của kịch bản)')


_SEQUENCES = (str, bytes, bytearray, list, tuple)


def _check_length(length: int, what: str = 'chuỗi hoặc danh sách') -> None:
    if length > MAX_LENGTH:
        _refuse(f'{what} quá dài: {length:,} phần tử, tối đa {MAX_LENGTH:,}')


def _check_bits(bits: int | float) -> None:
    if bits > MAX_INT_BITS:
        _refuse(f'số nguyên quá lớn: khoảng {int(bits):,} bit, tối đa {MAX_INT_BITS:,}')


def _is_int(value: Any) -> bool:
    return isinstance(value, int)


def guarded_mul(a: Any, b: Any) -> Any:
    """``a * b``: big integers by their bit lengths, repetition by the result's length."""
    if _is_int(a) and _is_int(b):
        _check_bits(a.bit_length() + b.bit_length())
    elif _is_int(b) and isinstance(a, _SEQUENCES):
        _check_repetition(a, b)
    elif _is_int(a) and isinstance(b, _SEQUENCES):
        _check_repetition(b, a)
    return a * b


def _check_repetition(sequence: Any, times: int) -> None:
    """``[x] * n`` shares x n times: what str() or the task data would walk through is n times x's content."""
    times = max(times, 0)
    _check_length(len(sequence) * times)
    if times and isinstance(sequence, (list, tuple)):
        _check_length(data_size(sequence, MAX_LENGTH // times + 1) * times, 'nội dung lặp lại')


def _pow_bits(base: int, exponent: int) -> float:
    """A lower bound of the bit length of ``base ** exponent`` for ``exponent > 0``."""
    if abs(base) <= 1:
        return 1
    return exponent * math.log2(abs(base))


def guarded_pow(base: Any, exponent: Any, modulus: Any = None) -> Any:
    """``base ** exponent`` and ``pow()``: refused when the result (or a modular exponentiation) is too big."""
    if modulus is not None:
        if _is_int(exponent) and _is_int(modulus) and max(exponent.bit_length(),
                                                          modulus.bit_length()) > MAX_POW_MOD_BITS:
            _refuse(f'pow() với số mũ hoặc mô-đun quá lớn (tối đa {MAX_POW_MOD_BITS} bit)')
        return pow(base, exponent, modulus)
    if _is_int(base) and _is_int(exponent) and exponent > 0:
        _check_bits(_pow_bits(base, exponent))
    return base ** exponent


def guarded_lshift(a: Any, b: Any) -> Any:
    """``a << b``: the result has ``a.bit_length() + b`` bits."""
    if _is_int(a) and _is_int(b) and a != 0 and b > 0:
        _check_bits(a.bit_length() + b)
    return a << b


def guarded_add(a: Any, b: Any) -> Any:
    """``a + b``: concatenation grows by doubling in a loop, so its length is bounded too."""
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _check_length(len(a) + len(b))
    return a + b


_NUMBER_IN_SPEC = re.compile(r'\d+')
# A printf-style conversion: %[(key)][flags][width][.precision][length]type (the text around it is not looked at).
_PERCENT_SPEC = re.compile(r'%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[diouxXeEfFgGcrsab%]')


def _check_width(digits: str) -> None:
    if len(digits) > 7 or int(digits) > MAX_LENGTH:
        _refuse(f'độ rộng định dạng quá lớn: {digits[:12]}')


def _check_spec_numbers(spec: str) -> None:
    """Width and precision of a format spec (``>1000000000``, ``.1000000000f``)."""
    for digits in _NUMBER_IN_SPEC.findall(spec):
        _check_width(digits)


def guarded_mod(a: Any, b: Any) -> Any:
    """``template % values``: widths and precisions of the conversions, and ``*`` widths taken from the values."""
    if isinstance(a, (str, bytes, bytearray)):
        check_deep(*(b if isinstance(b, tuple) else (b,)))
        text = a if isinstance(a, str) else a.decode('latin-1')
        starred = False
        for width, precision in _PERCENT_SPEC.findall(text):
            for number in (width, precision):
                if number == '*':
                    starred = True
                elif number:
                    _check_width(number)
        if starred:
            values = b if isinstance(b, tuple) else (b,)
            if any(_is_int(v) and abs(v) > MAX_LENGTH for v in values):
                _refuse('độ rộng định dạng (*) quá lớn')
    return a % b


def guarded_format(value: Any, conversion: int, spec: str) -> str:
    """An f-string field ``{value!conversion:spec}`` with its width checked first."""
    check_deep(value)
    if conversion == ord('s'):
        value = str(value)
    elif conversion == ord('r'):
        value = repr(value)
    elif conversion == ord('a'):
        value = ascii(value)
    _check_spec_numbers(spec)
    return format(value, spec)


_INPLACE = {'+=': operator.iadd, '-=': operator.isub, '*=': operator.imul, '/=': operator.itruediv,
            '//=': operator.ifloordiv, '%=': operator.imod, '**=': operator.ipow,
            '|=': operator.ior, '&=': operator.iand, '^=': operator.ixor}
_INPLACE_CHECKS = {'+=': guarded_add, '*=': guarded_mul, '**=': guarded_pow, '%=': guarded_mod}
_INPLACE_TYPES = (numbers.Number, str, list, tuple, set)


def guarded_inplace(op: str, target: Any, value: Any) -> Any:
    """``x op= y`` for numbers, strings, lists, tuples and sets only, through the same guards."""
    func = _INPLACE.get(op)
    if func is None or not isinstance(target, _INPLACE_TYPES):
        raise ScriptRefused(f"phép '{op}' không được phép trên kiểu {type(target).__name__}")
    if isinstance(target, list):
        if op == '+=':  # list += any iterable extends in place
            _extend(target, value)
            return target
        if op == '*=' and _is_int(value):
            _check_repetition(target, value)
        return func(target, value)
    check = _INPLACE_CHECKS.get(op)
    return check(target, value) if check else func(target, value)


def guarded_sum(iterable: Any, start: Any = 0) -> Any:
    """``sum()`` of numbers only: summing lists or tuples concatenates quadratically inside one C call."""
    if not isinstance(start, numbers.Number):
        _refuse('sum() chỉ cộng các số')
    total = start
    for item in iterable:
        total = guarded_add(total, item) if not isinstance(item, numbers.Number) else total + item
    return total


_CONTAINERS = (list, tuple, set, frozenset, dict)


def guarded_str(*args: Any, **kwargs: Any) -> str:
    """``str(x)``: a C-level walk through x, refused when x holds too much (see check_deep)."""
    if args and isinstance(args[0], _CONTAINERS):
        check_deep(args[0])
    return str(*args, **kwargs)


def guarded_repr(value: Any) -> str:
    check_deep(value)
    return repr(value)


def guarded_hash(value: Any) -> int:
    check_deep(value)  # a tuple's hash is not cached: a tuple sharing a big tuple is walked every time
    return hash(value)


MAX_ROUND_DIGITS = 1_000


def guarded_round(number: Any, ndigits: Any = None) -> Any:
    """``round(x, -n)`` of an integer computes 10 ** n first (round(5, -10**7) ran for minutes)."""
    if _is_int(ndigits) and abs(ndigits) > MAX_ROUND_DIGITS:
        _refuse(f'round() với số chữ số quá lớn (tối đa {MAX_ROUND_DIGITS})')
    return round(number) if ndigits is None else round(number, ndigits)


# -- methods that grow a value -----------------------------------------------------------------------------
def _width_method(name: str):
    def check(text, width, *args):
        if _is_int(width):
            _check_length(width)
        return getattr(text, name)(width, *args)
    return check


def _expandtabs(text, tabsize=8):
    tabs = text.count('\t' if isinstance(text, str) else b'\t')
    _check_length(len(text) + tabs * max(tabsize if _is_int(tabsize) else 0, 0))
    return text.expandtabs(tabsize)


def _replace(text, old, new, count=-1):
    found = len(text) + 1 if len(old) == 0 else text.count(old)
    if _is_int(count) and count >= 0:
        found = min(found, count)
    _check_length(len(text) + found * max(len(new) - len(old), 0))
    return text.replace(old, new, count)


def _join(text, iterable):
    parts = list(iterable)
    _check_length(len(text) * max(len(parts) - 1, 0)
                  + sum(len(p) for p in parts if isinstance(p, (str, bytes, bytearray))))
    return text.join(parts)


def _translate(text, table, *args):
    if isinstance(table, dict):
        longest = max((len(v) for v in table.values() if isinstance(v, (str, bytes))), default=1)
        _check_length(len(text) * longest)
    return text.translate(table, *args)


def _extend(items, iterable):
    new = list(iterable)
    _check_length(len(items) + len(new))
    items.extend(new)


_TEXT_METHODS = {'ljust': _width_method('ljust'), 'rjust': _width_method('rjust'),
                 'center': _width_method('center'), 'zfill': _width_method('zfill'),
                 'expandtabs': _expandtabs, 'replace': _replace, 'join': _join, 'translate': _translate}
_LIST_METHODS = {'extend': _extend}


def guarded_getattr(obj: Any, name: str, default: Any = None, *, plain_getattr) -> Any:
    """RestrictedPython's attribute guard, with the growing methods of str, bytes and list bound to guards."""
    value = plain_getattr(obj, name, default)
    if isinstance(obj, (str, bytes, bytearray)) and name in _TEXT_METHODS:
        return functools.partial(_TEXT_METHODS[name], obj)
    if isinstance(obj, list) and name in _LIST_METHODS:
        return functools.partial(_LIST_METHODS[name], obj)
    return value


# Names the AST policy calls (see scripting._Policy) and the builtins replaced.
OPERATOR_GUARDS: dict[str, Any] = {'_tthc_mul_': guarded_mul, '_tthc_pow_': guarded_pow,
                                   '_tthc_lshift_': guarded_lshift, '_tthc_add_': guarded_add,
                                   '_tthc_mod_': guarded_mod, '_tthc_format_': guarded_format,
                                   '_tthc_str_': guarded_str, '_inplacevar_': guarded_inplace}
BUILTIN_GUARDS: dict[str, Any] = {'pow': guarded_pow, 'sum': guarded_sum, 'repr': guarded_repr,
                                  'hash': guarded_hash, 'round': guarded_round}
CALL_GUARDS: dict[str, str] = {'str': '_tthc_str_'}  # calls rewritten, the name itself stays the type


# -- memory and task data ------------------------------------------------------------------------------
def memory_peak() -> int:
    """The process's peak resident memory in bytes (0 where unknown); it only grows, so growth is a bound."""
    if resource is None:  # pragma: no cover
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def check_memory(start_peak: int) -> None:
    if start_peak and memory_peak() - start_peak > MAX_MEMORY_GROWTH:
        _refuse(f'dùng quá nhiều bộ nhớ (hơn {MAX_MEMORY_GROWTH >> 20} MB)')


class _OverBudget(Exception):
    pass


_NUMBERS = {int, float, bool, type(None)}


def _flat_size(items: Any) -> int:
    """The size of a list of only numbers or only strings, with C-level calls (0: not such a list)."""
    kinds = set(map(type, items))
    if kinds == {str}:
        return sum(map(len, items)) + 2 * len(items)
    if kinds and kinds <= {int, bool}:
        return len(items) * (max(map(abs, items)).bit_length() // 3 + 2)
    if kinds and kinds <= _NUMBERS:
        return len(items) * 24
    return 0


def data_size(value: Any, budget: int = 1 << 26) -> int:
    """The size of ``value`` once serialized as JSON (or turned into text), estimated without doing it.

    Shared containers are measured once and counted each time they appear, so a list holding the same
    million-item list a million times costs one million steps, not 10**12; past ``budget`` the walk stops and
    the result is just above the budget. A cycle is refused as too deep.
    """
    known: dict[int, int] = {}
    visits = 0

    def size(item: Any, depth: int) -> int:
        nonlocal visits
        visits += 1
        if visits > budget:
            raise _OverBudget
        if isinstance(item, str):
            return len(item) + 2
        if isinstance(item, (bytes, bytearray)):
            return len(item) * 4 // 3 + 2
        if isinstance(item, bool) or item is None:
            return 5
        if isinstance(item, int):
            return item.bit_length() // 3 + 1
        if not isinstance(item, (dict, list, tuple, set, frozenset)):
            return 24  # floats, dates and the other scalars the serializer knows
        if id(item) in known:
            return known[id(item)]
        if depth >= MAX_DEPTH:
            _refuse(f'dữ liệu lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)')
        if isinstance(item, dict):
            total = 2 + 2 * len(item) + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in item.items())
        else:
            total = 2 + len(item) + (_flat_size(item) or sum(size(v, depth + 1) for v in item))
        known[id(item)] = total
        return total

    try:
        total = size(value, 0)
    except _OverBudget:
        return budget + 1
    return total if total <= budget else budget + 1


def deep_length(value: Any) -> int:
    """Items and characters reachable from ``value`` (up to just past MAX_LENGTH): what repr() or str() of it
    would walk through in one C call, shared references counted each time."""
    return data_size(value, MAX_LENGTH)


def check_deep(*values: Any) -> None:
    """Refuse turning into text what would be a huge text (many references to the same big list)."""
    for value in values:
        if isinstance(value, _CONTAINERS) and deep_length(value) > MAX_LENGTH:
            _refuse(f'giá trị quá lớn để đổi thành chuỗi (hơn {MAX_LENGTH:,} phần tử)')


def check_data_growth(before: int, after_data: dict) -> None:
    """Refuse a script that added more than MAX_DATA_BYTES to the task data."""
    grown = data_size(after_data, before + MAX_DATA_BYTES) - before
    if grown > MAX_DATA_BYTES:
        _refuse(f'kịch bản ghi quá nhiều dữ liệu: hơn {MAX_DATA_BYTES:,} byte')
