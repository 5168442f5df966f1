"""Hand-made PDFs for the tests of untrusted uploads: decompression bombs and active content.

Built byte by byte (zlib at test time), with correct cross-reference offsets, so that a reader gets past the
structure and meets what each file is about.
"""
from __future__ import annotations

import zlib

PAGE_OBJECTS = {1: b"<</Type/Catalog/Pages 2 0 R>>", 2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
                3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>"}


def classic(objects: dict[int, bytes], root: int = 1, previous: bytes | None = None) -> bytes:
    """A PDF with a classic cross-reference table; with ``previous``, an incremental update of that file."""
    out = bytearray(previous or b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for number in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
    size = max(objects) + 1
    prev = b""
    if previous is not None:
        size = max(size, int(previous.rsplit(b"/Size ", 1)[1].split(b"/", 1)[0].split(b">", 1)[0]))
        prev = b"/Prev %d" % int(previous.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    out += b"trailer\n<</Size %d/Root %d 0 R%s>>\nstartxref\n%d\n%%%%EOF\n" % (size, root, prev, xref_at)
    return bytes(out)


def with_object_stream(plain: dict[int, bytes], packed: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF whose ``packed`` objects live in a compressed object stream (cross-reference stream)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in sorted(plain.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    stream_number = max([*plain, *packed]) + 1
    header, bodies = [], b""
    for number, body in sorted(packed.items()):
        header.append(b"%d %d" % (number, len(bodies)))
        bodies += body + b"\n"
    head = b" ".join(header) + b"\n"
    data = zlib.compress(head + bodies)
    offsets[stream_number] = len(out)
    out += (b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n"
            % (stream_number, len(packed), len(head), len(data))) + data + b"\nendstream\nendobj\n"
    xref_number = stream_number + 1
    size = xref_number + 1
    rows = bytearray(b"\x00\x00\x00\x00\xff")
    packed_index = {n: i for i, n in enumerate(sorted(packed))}
    for number in range(1, size):
        if number in packed:
            rows += b"\x02" + stream_number.to_bytes(3, "big") + bytes([packed_index[number]])
        elif number == xref_number:
            rows += b"\x01" + len(out).to_bytes(3, "big") + b"\x00"
        elif number in offsets:
            rows += b"\x01" + offsets[number].to_bytes(3, "big") + b"\x00"
        else:
            rows += b"\x00\x00\x00\x00\xff"
    data = zlib.compress(bytes(rows))
    xref_at = len(out)
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 3 1]/Root %d 0 R/Filter/FlateDecode/Length %d>>\nstream\n"
            % (xref_number, size, root, len(data))) + data + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def xref_bomb(entries: int = 7_000_000) -> bytes:
    """About 20 KB: a cross-reference stream declaring millions of objects, compressed about 1000:1 (one
    Deflate layer, under pyHanko's own ratio limit). Read without bounds it took 46 s and 1.3 GB."""
    data = zlib.compress(b"\x00" * (3 * entries), 9)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    for number, body in PAGE_OBJECTS.items():
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += (b"4 0 obj\n<</Type/XRef/Size %d/W[1 1 1]/Root 1 0 R/Filter/FlateDecode/Length %d>>\nstream\n"
            % (entries, len(data))) + data + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def stacked_bomb(megabytes: int = 500) -> bytes:
    """Under 2 KB: an object stream behind two Deflate layers that inflates to ``megabytes``."""
    data = zlib.compress(zlib.compress(b" " * (megabytes * 1024 * 1024), 9), 9)
    plain = dict(PAGE_OBJECTS)
    plain[5] = (b"<</Type/ObjStm/N 1/First 4/Filter[/FlateDecode/FlateDecode]/Length %d>>\nstream\n" % len(data)
                + data + b"\nendstream")
    plain[1] = b"<</Type/Catalog/Pages 2 0 R/Extra 6 0 R>>"
    out = bytearray(classic(plain))
    # object 6 lives in the object stream 5, through an update with a cross-reference stream
    xref_at = len(out)
    rows = b"\x02\x00\x05\x00"
    xref = zlib.compress(rows)
    previous = int(bytes(out).rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    out += (b"7 0 obj\n<</Type/XRef/Size 8/Index[6 1]/W[1 2 1]/Root 1 0 R/Prev %d/Filter/FlateDecode/Length %d>>"
            b"\nstream\n" % (previous, len(xref))) + xref + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)
