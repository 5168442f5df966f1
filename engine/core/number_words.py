"""Whole numbers and amounts of money in Vietnamese words, as documents write dates, counts and the e-receipt's
"số tiền bằng chữ" (moved out of engine.core.vocabulary, which re-exports them)."""
from __future__ import annotations

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def _hundreds(n: int, full: bool) -> str:
    """Three digits in words; ``full``: a group after a higher one ("không trăm linh năm")."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    words = []
    if h or full:
        words += [_DIGITS[h], "trăm"]
    if t == 0 and u and (h or full):
        words.append("linh")
    elif t == 1:
        words.append("mười")
    elif t > 1:
        words += [_DIGITS[t], "mươi"]
    if u:
        if u == 1 and t > 1:
            words.append("mốt")
        elif u == 5 and t:
            words.append("lăm")
        elif u == 4 and t > 1:
            words.append("tư")
        else:
            words.append(_DIGITS[u])
    return " ".join(words)


def number_words(value: int | str) -> str:
    """A whole number in Vietnamese words, lower case, as documents write dates and counts: 15 "mười lăm",
    21 "hai mươi mốt", 24 "hai mươi tư", 101 "một trăm linh một" ("linh", not "lẻ"), 2026 "hai nghìn không trăm
    hai mươi sáu". Results' templates use it as the ``vn_number_words`` filter (engine.core.templating)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().lstrip("-").isdigit():
        raise ValueError(f"không phải số nguyên: {value!r}")
    n = int(value)
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return _DIGITS[0]
    groups = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    words = [(_hundreds(groups[i], i < len(groups) - 1) + " " + _GROUPS[i]).strip()
             for i in range(len(groups) - 1, -1, -1) if groups[i]]
    return " ".join(words)


def amount_in_words(amount: int) -> str:
    """'Một trăm nghìn đồng' for 100000: the amount in đồng as a Vietnamese receipt writes it in words."""
    text = number_words(amount) + " đồng"
    return text[0].upper() + text[1:]
