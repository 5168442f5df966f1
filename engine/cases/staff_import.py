"""Importing staff from a spreadsheet (XLSX) or CSV with the columns username, full_name, agency, roles
(comma-separated), email, phone, with a report per row: created, or skipped and why.

Every row is checked completely first (engine.cases.staff.check_new: fields, the caller's subtree, a username
taken in the database or earlier in the file); only then are the good rows created, in the caller's one
transaction. A bad row is skipped whole and never half-written, and a failure while creating rolls back the
whole import: nothing is half-done either way.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.cases import administration, staff
from engine.core.errors import EngineError, Invalid
from engine.core.settings import Settings
from engine.data.model import User

COLUMNS = ("username", "full_name", "agency", "roles", "email", "phone")
MAX_ROWS = 2000
# An XLSX is a zip: a 1 MB upload holding one highly compressed 1 GB cell took the web process from 237 MB to
# 1.7 GB while openpyxl read it. An officers list of thousands of rows is a few MB unpacked, so the members'
# declared sizes are bounded before anything is unpacked, and so is each member's compression ratio.
MAX_XLSX_UNPACKED = 50 << 20
MAX_XLSX_RATIO = 200  # for a member larger than 1 MB unpacked (text compresses 5-20:1, a bomb 1000:1)


@dataclass
class RowReport:
    row: int  # the line in the file (the header is line 1)
    username: str
    status: str  # created / skipped
    reason: str | None = None
    fields: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "username": self.username, "status": self.status}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.fields:
            out["fields"] = self.fields
        return out


def read_rows(content: bytes, filename: str = "") -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX file, as text by column name.
    Raises Invalid for an unreadable file or missing columns."""
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        table = _xlsx(content)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid("Tệp CSV phải mã hóa UTF-8", fields={"file": "Không đọc được"}) from exc
        if "\x00" in text:
            raise Invalid("Tệp chứa ký tự không hợp lệ (NUL)", fields={"file": "Không đọc được"})
        table = _csv(text)
    table = [row for row in table if any((cell or "").strip() for cell in row)]
    if not table:
        raise Invalid("Tệp không có dòng nào", fields={"file": "Tệp rỗng"})
    header = [(cell or "").strip().lower() for cell in table[0]]
    missing = [c for c in ("username", "full_name", "agency", "roles") if c not in header]
    if missing:
        raise Invalid("Thiếu cột: " + ", ".join(missing), fields={"file": "Cần các cột " + ", ".join(COLUMNS)})
    if len(table) - 1 > MAX_ROWS:
        raise Invalid(f"Tối đa {MAX_ROWS} dòng mỗi lần nhập", fields={"file": "Quá nhiều dòng"})
    rows = [{name: (row[i] if i < len(row) and row[i] is not None else "").strip()
             for i, name in enumerate(header) if name in COLUMNS} for row in table[1:]]
    for row in rows:
        if row.get("phone"):
            row["phone"] = _phone(row["phone"])
    return rows


def _csv(text: str) -> list[list[str]]:
    """The cells of a CSV text, whatever its line endings: Windows and Unix (CRLF, LF) or the old Mac ones (a bare
    CR, what Excel for Mac's "CSV (Macintosh)" writes), read as the file's first line ends. A line break inside
    a quoted cell is part of the cell; a bare CR in an unquoted cell of a CRLF/LF file, or a cell longer than
    the reader's limit (no officer column allows more than 255 characters), is an unreadable file named by its
    line, never a failure of the server."""
    first = _LINE_END.search(text)
    mac = first is not None and first.group() == "\r"
    header = text[:first.start()] if first else text
    delimiter = ";" if header.count(";") > header.count(",") else ","
    # newline="": the reader sees the line endings as written (the csv module's own advice), any of CR, LF, CRLF
    # ending a line; newline="\n": only LF (or CRLF) does, so that a stray CR in a cell is refused, not taken
    # for the end of a row that would shift the following cells into the wrong columns
    reader = csv.reader(io.StringIO(text, newline="" if mac else "\n"), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as exc:
        said, n = str(exc), reader.line_num  # the line being read when the reader gave up
        if "field limit" in said:
            message = f"Tệp CSV không đọc được (dòng {n}): có ô dài quá mức cho phép (không cột nào quá 255 ký tự)"
        elif "new-line" in said:
            message = f"Tệp CSV không đọc được (dòng {n}): ký tự xuống dòng lẻ trong một ô không có ngoặc kép"
        else:
            message = f"Tệp CSV không đọc được (dòng {n}): sai định dạng CSV"
        raise Invalid(message, fields={"file": "Không đọc được"}) from exc


_LINE_END = re.compile(r"\r\n|\r|\n")


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a person typed: a number without Excel's ".0" (912000111.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _phone(text: str) -> str:
    """A phone number a spreadsheet turned into a number lost its leading zero (0912000111 became 912000111):
    a Vietnamese number of nine digits is given its zero back."""
    return "0" + text if len(text) == 9 and text.isdigit() else text


def _check_zip(content: bytes) -> None:
    """Refuse a file that is not a zip, or that would unpack into too much (the sizes the zip declares: a member
    that lies about its size fails its CRC check or is cut at the declared size by zipfile)."""
    unreadable = Invalid("Không đọc được tệp XLSX", fields={"file": "Không đọc được"})
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise unreadable from exc
    total = sum(m.file_size for m in members)
    absurd = any(m.file_size > 1 << 20 and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1) for m in members)
    if total > MAX_XLSX_UNPACKED or absurd:
        raise Invalid(f"Tệp XLSX quá lớn khi giải nén (tối đa {MAX_XLSX_UNPACKED >> 20} MB)",
                      fields={"file": "Quá lớn khi giải nén"})


def _xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # the spreadsheet reader is only needed here

    _check_zip(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row]
                for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        book.close()
        return rows
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on an untrusted file is a bad file, not a 500
        raise Invalid("Không đọc được tệp XLSX", fields={"file": "Không đọc được"}) from exc


TRAIL_TEXT = 300  # of a refused row's name and reason in the trail: a cell of 100,000 characters was stored whole


def _trail_key(report: RowReport) -> str:
    """A refused row in the import's trail: by its row (two rows of the same name were one), with the name it gave,
    cut short."""
    name = report.username[:64] + ("…" if len(report.username) > 64 else "")
    return f"row {report.row}" + (f" ({name})" if name else "")


def run(session: Session, settings: Settings, now: datetime, actor: User | None,
        rows: list[dict[str, str]]) -> list[RowReport]:
    """Check every row, then create the good ones (activation codes go to their channels)."""
    reports, good, seen = [], [], set()
    for number, row in enumerate(rows, start=2):
        data: dict = {k: v for k, v in row.items() if v != "" or k in ("username", "full_name", "agency")}
        data["roles"] = [r.strip() for r in row.get("roles", "").replace(";", ",").split(",") if r.strip()]
        username = row.get("username", "")
        try:
            if username in seen:
                raise Invalid("Tên đăng nhập lặp lại trong tệp", fields={"username": "Đã có ở dòng trước"})
            facts, agency = staff.check_new(session, actor, data)
        except EngineError as exc:
            reports.append(RowReport(number, username, "skipped", exc.message, exc.fields or None))
            continue
        seen.add(username)
        good.append((number, facts, agency))
        reports.append(RowReport(number, username, "created"))
    for number, facts, agency in good:
        staff.add_checked(session, settings, now, actor, facts, agency, imported_row=number)
    # D29: under the agency whose subtree the importing administrator acts on, so that they (and those above)
    # find their own import in the trail; the province's administrator and the operator: no agency, seen by the
    # province's administrators as before
    scope = administration.scope(session, actor) if actor is not None else None
    administration.audit(session, now, actor, "officer.import", "officer", f"{len(good)} of {len(reports)} rows",
                         scope, created=[f["username"] for _, f, _ in good],
                         skipped={_trail_key(r): r.reason[:TRAIL_TEXT] for r in reports if r.status == "skipped"})
    return reports
