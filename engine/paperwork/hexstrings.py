"""Reading a PDF hex string (``<…>``) in one pass instead of one byte at a time.

pyHanko's reader parses a hex string a byte per Python call. A signature's ``/Contents`` is a hex string of
several thousand digits (the whole CMS, with its certificates and the room reserved for it), so reading one
signed result spent about a third of its verification there. ``fast_reader`` returns a replacement that takes
the digits up to ``>`` with one read, and gives anything unusual (a comment inside the string, a character that
is not a hex digit or white space, the end of the file) to pyHanko's own function, from the same place, so
errors and edge cases stay pyHanko's. engine.paperwork.signatures installs it (no pyHanko import here).
"""
from __future__ import annotations

import binascii

HEX_DIGITS = b"0123456789abcdefABCDEF"
BLOCK = 16384


def fast_reader(original, pdf_string, whitespace: bytes):
    """A drop-in for pyHanko's ``read_hex_string_from_stream`` (``original``); ``pdf_string`` makes the string
    object, ``whitespace`` is the PDF white space pyHanko skips."""

    def read_hex_string_from_stream(stream):
        start = stream.tell()
        stream.read(1)  # "<"
        parts, taken = [], 0
        while True:
            block = stream.read(BLOCK)
            end = block.find(b">")
            if end >= 0 or not block:
                break
            parts.append(block)
            taken += len(block)
        if end < 0:  # the end of the file: pyHanko says so
            stream.seek(start)
            return original(stream)
        parts.append(block[:end])
        raw = b"".join(parts)
        digits = raw.translate(None, whitespace)
        if b"%" in raw or digits.translate(None, HEX_DIGITS):  # a comment or a stray character: pyHanko judges
            stream.seek(start)
            return original(stream)
        stream.seek(start + 1 + taken + end + 1)
        if len(digits) % 2:
            digits += b"0"
        return pdf_string(binascii.unhexlify(digits))

    read_hex_string_from_stream.fast, read_hex_string_from_stream.original = True, original
    return read_hex_string_from_stream
