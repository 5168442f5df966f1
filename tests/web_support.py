"""Helpers for the tests of the server-rendered pages (tests/test_web_*.py, tests/test_e2e_browser.py).

``Web`` is a Flask test client that behaves like a person's browser: it signs in through the login form,
and every POST carries the CSRF token that the pages hand out (unless a test leaves it out on purpose).
"""
from __future__ import annotations

import html
import io
import re

from conftest import PASSWORD, SAMPLE_CODE, SAMPLE_FORM, sign_requested
from sqlalchemy import func, select

from engine.cases import accounts
from engine.data.model import Document, Dossier

OTHER_CITIZEN = "079099000002"

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TASK_RE = r'<tr class="row-[a-z_]+" data-dossier="{code}">\s*<td><a href="/can-bo/cong-viec/(\d+)"'


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


def image(kind: str, size: tuple[int, int] = (4, 3)) -> bytes:
    """A whole image of ``kind`` (PNG, JPEG) that opens to its last pixel (uploads are decoded before they are kept)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


PDF = _blank_pdf()  # a valid, unsigned PDF
PNG = image("PNG")
JPEG = image("JPEG")
# Files that only begin like an image: the magic bytes of a PNG, then nothing of one; a JPEG cut short.
FAKE_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CUT_JPEG = image("JPEG", (64, 64))[:300]


def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A PNG of a few hundred bytes whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
            + chunk(b"IEND", b""))


def flatten(data: dict, prefix: str = "f") -> dict[str, str]:
    """Form data as the filing page posts it: f.<dotted path> = text."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}.{key}"))
        else:
            out[f"{prefix}.{key}"] = str(value)
    return out


def text_of(response) -> str:
    """The page as text with tags removed and entities decoded (for reading messages)."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


class Web:
    def __init__(self, client):
        self.client = client

    def csrf(self) -> str:
        page = self.client.get("/tra-cuu")
        return CSRF_RE.search(page.get_data(as_text=True)).group(1)

    def get(self, path: str, status: int | None = 200, **kw):
        r = self.client.get(path, **kw)
        if status is not None:
            assert r.status_code == status, (path, r.status_code, text_of(r)[:600])
        return r

    def post(self, path: str, data: dict | None = None, status: int | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf())
        r = self.client.post(path, data=data, **kw)
        if status is not None:
            assert r.status_code == status, (path, r.status_code, text_of(r)[:800])
        return r

    def login(self, username: str, password: str = PASSWORD) -> "Web":
        r = self.post("/dang-nhap", {"username": username, "password": password})
        assert r.status_code == 302, text_of(r)[:500]
        return self

    def logout(self) -> None:
        self.post("/dang-xuat", status=302)

    def file(self, form: dict | None = None, files: dict | None = None, owner: dict | None = None,
             status: int = 302):
        data = flatten(form or SAMPLE_FORM)
        if owner is not None:
            data["for_other"] = "on"
            data.update({f"owner.{k}": v for k, v in owner.items()})
        for key, (name, content) in (files or {}).items():
            data[f"file.{key}"] = (io.BytesIO(content), name)
        return self.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=status, content_type="multipart/form-data")

    def file_code(self, **kw) -> str:
        r = self.file(**kw)
        return r.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]

    def task_id(self, code: str) -> int:
        page = self.get("/can-bo/cong-viec").get_data(as_text=True)
        found = re.search(TASK_RE.format(code=re.escape(code)), page)
        assert found, f"no task for {code} in the inbox"
        return int(found.group(1))

    def act(self, code: str, action: str, data: dict | None = None, status: int = 302, sign: bool = True):
        """``sign``: a decision (approve, refuse) is then signed by its signer with the demo PIN."""
        r = self.post(f"/can-bo/cong-viec/{self.task_id(code)}/{action}", data or {}, status=status)
        if sign and status == 302:  # a decision, or a letter it issued
            sign_requested(self.client.application, code)
        return r


def counts(app) -> tuple[int, int]:
    """(dossiers, documents) in the database: what a refused request must leave unchanged."""
    with app.extensions["tthc"]["sessions"]() as session:
        return (session.scalar(select(func.count()).select_from(Dossier)),
                session.scalar(select(func.count()).select_from(Document)))


def dossier_row(app, code: str) -> Dossier:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(Dossier).where(Dossier.code == code))


def new_client(app) -> Web:
    return Web(app.test_client())


def other_agency_officer(app, clock) -> Web:
    """A receiving officer of another agency ("other.tiepnhan" of 000.00.07.H56), logged in on the web."""
    from engine.data.model import Agency

    with app.extensions["tthc"]["sessions"].begin() as session:
        session.add(Agency(code="000.00.07.H56", name="Cơ quan khác"))
        session.flush()
        accounts.ensure_officer(session, clock.now(), "other.tiepnhan", "Cán bộ khác", {"receiving_officer"},
                                session.scalar(select(Agency).where(Agency.code == "000.00.07.H56")), PASSWORD)
    return Web(app.test_client()).login("other.tiepnhan")


def other_citizen(app, clock) -> Web:
    """A second citizen (registered through the real use case), logged in on the web."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.register_citizen(session, clock.now(), {"full_name": "Phan Văn Khác", "cccd": OTHER_CITIZEN,
                                                         "cccd_issued_on": "2020-01-01", "phone": "0911222333",
                                                         "password": PASSWORD})
    return Web(app.test_client()).login(OTHER_CITIZEN)
