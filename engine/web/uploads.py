"""The files posted with a page's form (the portal's filing and supplement, the receiving officer's record of a
desk or post supplement): read by component, then attached through the same use cases as
POST /api/v1/dossiers/{code}/documents, so that an upload is checked the same whoever hands it in. A refused post
holds the files chosen with it for the page sent again (engine.cases.held_uploads: ``hold_refused``), which
sends them back as ticked boxes named ``held`` (``attach_chosen``).
"""
from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from engine.cases import attachments, held_uploads
from engine.core.errors import Invalid, NotFound, TooLarge
from engine.process import forms
from . import ASCII_NUMBER, db, run
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


def kept() -> list[str]:
    """The ids of the held files the page sends again (its ticked boxes)."""
    return request.form.getlist("held")


def attach_chosen(code: str, chosen: list[tuple[str, str, bytes]], kept_ids: list[str],
                  reuses: dict[str, str] | None = None) -> None:
    """``attach`` the files chosen now and the held ones still ticked, which are then held no longer."""
    held = held_uploads.take(db(), context(), kept_ids)
    attach(code, chosen + held_uploads.files(context(), held), reuses)
    held_uploads.release(db(), held)


def attach_before_form(code: str, chosen: list[tuple[str, str, bytes]], kept_ids: list[str], schema: dict,
                       data: dict, reuses: dict[str, str] | None = None) -> None:
    """``attach_chosen`` for a supplement page, whose files go in first (while the request is open) and its form
    after: a file refused is said with the form's own errors (``schema`` and ``data``: the form as posted), which
    were not read after it (a broken PDF alone, then the field to mend when the page came back)."""
    try:
        attach_chosen(code, chosen, kept_ids, reuses)
    except Invalid as exc:
        exc.fields.update({k: v for k, v in forms.form_errors(schema, data).items() if k not in exc.fields})
        raise


def hold_refused(chosen: list[tuple[str, str, bytes]], kept_ids: list[str], fields: dict) -> list:
    """The post was refused and everything rolled back: hold the files chosen (but those of a component at
    fault) and the ticked ones again, in a unit of work of their own; the files held, for the page. A refusal
    for a field came before any file was read: each file is checked now as an upload is
    (attachments.check_content), and one refused is not held, its error added to ``fields`` (the refusal's
    errors, the dict the page shows), so that the page says all at once (a broken PDF was held, then refused
    only when sent again)."""
    good, passed = [], g.get("uploads_passed", set())
    for key, filename, content in chosen:
        if f"file.{key}" in fields:
            continue
        try:
            if id(content) not in passed:  # not attached before the refusal: checked now (a child process a PDF)
                attachments.check_content(context(), content)
        except (Invalid, TooLarge) as exc:
            fields[f"file.{key}"] = f"{filename}: {field_text(exc.message)}"
            continue
        good.append((key, filename, content))
    return run(held_uploads.hold, db(), context(), good, kept_ids) if good or kept_ids else []


def attach(code: str, uploads: list[tuple[str, str, bytes]], reuses: dict[str, str] | None = None) -> None:
    """Each file through the same use cases as POST /api/v1/dossiers/{code}/documents (upload, or reuse from
    the citizen's store, D24); errors by component."""
    errors = {}
    for key, filename, content in uploads:
        try:
            attachments.attach(db(), context(), code, key, filename, content)
            g.setdefault("uploads_passed", set()).add(id(content))  # checked: hold_refused need not again
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
