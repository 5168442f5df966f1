"""Vietnamese alphabetical order, for the lists people read (agencies by name): a ă â b c d đ e ê g h i k l m n o ô
ơ p q r s t u ư v x y, a letter's tone marks deciding only between words otherwise alike (a, à, á, ả, ã, ạ).

Databases order by code point (SQLite; PostgreSQL under the C collation the tests use) or by their server's
locale, so "Đội", "Ấp" and "Ủy ban" came after "Xã", and the order could differ between two installations: the
lists are sorted here instead, alike everywhere.
"""
from __future__ import annotations

import unicodedata

# The letters in order (f, j, w and z of borrowed words in their Latin places), each a rank of its own.
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: 100 + n for n, letter in enumerate(_LETTERS)}
_SHAPES = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter (ă, â, ê, ô, ơ, ư)
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng (ngang: none)


def _letter(ch: str) -> tuple[int, int]:
    """(rank, tone) of one character: spaces first, then digits, then letters in order; others by code point."""
    if ch.isspace():
        return 0, 0
    if ch.isdigit():
        return 10 + int(unicodedata.digit(ch, 0)), 0
    parts = unicodedata.normalize("NFD", ch)
    base = unicodedata.normalize("NFC", parts[0] + "".join(m for m in parts[1:] if m in _SHAPES))
    tone = next((n + 1 for n, mark in enumerate(_TONES) if mark in parts[1:]), 0)
    return _RANK.get(base, 1000 + ord(base[0])), tone


def vn_sort_key(text: str | None) -> tuple:
    """The key that sorts texts in Vietnamese order: letters first (case aside), then tones, then the text itself,
    composed (two texts compare equal only when they read alike, so the order is the same on every run)."""
    text = unicodedata.normalize("NFC", text or "")
    letters = [_letter(ch) for ch in text.lower()]
    return [rank for rank, _tone in letters], [tone for _rank, tone in letters], text
