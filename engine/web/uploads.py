"""The files posted with a page's form (the portal's filing and supplement, the receiving officer's record of a
desk or post supplement): read by component, then attached through the same use cases as
POST /api/v1/dossiers/{code}/documents, so that an upload is checked the same whoever hands it in.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from engine.cases import attachments
from engine.core.errors import Invalid, NotFound
from . import ASCII_NUMBER, db
from .field_messages import field_text
from .ui import context


def posted(components: list[dict]) -> list[tuple[str, str, bytes]]:
    """(component key, file name, bytes) of the posted files of known components; other names are ignored."""
    keys = {c["key"] for c in components}
    found = []
    for name, storage in request.files.items(multi=True):
        key = name[5:] if name.startswith("file.") else None
        if key in keys and storage and storage.filename:
            found.append((key, storage.filename, storage.read()))
    return found


def attach(code: str, uploads: list[tuple[str, str, bytes]], reuses: dict[str, str] | None = None) -> None:
    """Each file through the same use cases as POST /api/v1/dossiers/{code}/documents (upload, or reuse from
    the citizen's store, D24); errors by component."""
    errors = {}
    for key, filename, content in uploads:
        try:
            attachments.attach(db(), context(), code, key, filename, content)
        except Invalid as exc:
            errors.setdefault(f"file.{key}", f"{filename}: {field_text(exc.message)}")  # its English first
    for key, raw in (reuses or {}).items():
        try:
            if not ASCII_NUMBER.match(raw):
                raise NotFound(_("Không tìm thấy giấy tờ đã chọn trong kho của bạn"))
            attachments.reuse(db(), context(), code, int(raw), key)
        except (Invalid, NotFound) as exc:
            errors.setdefault(f"file.{key}", _("Giấy tờ đã có: %(why)s", why=field_text(exc.message)))
    if errors:
        raise Invalid(_("Tệp đính kèm không hợp lệ"), code="invalid_upload", fields=errors)
