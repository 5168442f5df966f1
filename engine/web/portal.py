"""The citizens' portal: catalogue, filing with uploads or documents from the store (D24), documents, public
lookup (rate-limited). The citizen's own dossiers (list, page, supplement, withdrawal (D16), return channel,
rating) are in engine/web/portal_dossiers.py, on the same blueprint.

Every change goes through the use cases of engine.cases.dossiers and engine.cases.portal_cases, as the JSON API does.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from engine.cases import (
    attachments, dossiers, duplicates, filing, idempotency, local_fees, offers, owner_checks, portal_cases, summary)
from engine.paperwork import documents
from engine.process import procedures
from engine.core.errors import EngineError, Invalid
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Procedure, ProcedureVersion
from engine.data.payment_model import PaymentGateway
from . import db, now, schemaform, tthc, uploads
from .api import level_of, level_view
from .headers import FILE_POLICY
from .dossier_view import signature_text
from .ui import (DOC_KIND_TEXT, context, error_page, install_error_pages, login_required, refusal_text, run,
                 vn_datetime)

bp = Blueprint("portal", __name__)
install_error_pages(bp)

OWNER_FIELDS = ("full_name", "birth_date", "cccd")


def _fold(text: str) -> str:
    """Lower case without accents and with single spaces, so that 'ho  kinh doanh' finds 'Hộ kinh doanh'."""
    text = " ".join((text or "").lower().replace("đ", "d").split())
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _latest_versions() -> list[ProcedureVersion]:
    """What a person may file: a liên thông's callee part is filed only by the hand-over (D33), never offered."""
    return list(db().scalars(select(ProcedureVersion)
                             .join(Procedure, Procedure.latest_version_id == ProcedureVersion.id)
                             .where(procedures.FILED_DIRECTLY)
                             .options(defer(ProcedureVersion.forms))  # the catalogue shows no form
                             .order_by(Procedure.code)))


CATALOGUE_PAGE = 50


def office_levels(versions: list[ProcedureVersion]) -> list[set[str]]:
    """D27, D29: each one's levels at its offering offices (none: the publisher's), an office per gateway kind."""
    some: dict[int, set[int]] = {v.procedure_id: set() for v in versions}
    for pid, agency_id in db().execute(
            select(ProcedureOffer.procedure_id, func.min(Agency.id)).join(Agency, Agency.id == ProcedureOffer.agency_id)
            .outerjoin(PaymentGateway, PaymentGateway.agency_id == Agency.id)
            .where(ProcedureOffer.procedure_id.in_(list(some)), ProcedureOffer.active.is_(True), Agency.active.is_(True))
            .group_by(ProcedureOffer.procedure_id, PaymentGateway.gateway.is_(None))):
        some[pid].add(agency_id)
    return [{level_of(v, a)[0] for a in some[v.procedure_id]} or {level_of(v)[0]} for v in versions]


@bp.get("/thu-tuc")
def catalogue():
    q, level = request.args.get("q", "").strip()[:200], request.args.get("level", "")
    versions = _latest_versions()
    if q:
        needle = _fold(q)
        versions = [v for v in versions if needle in _fold(v.info["name"]) or needle in _fold(v.info["code"])]
    if level in ("full_online", "partial_online"):  # listed where one office offering it delivers it so
        versions = [v for v, at in zip(versions, office_levels(versions)) if level in at]
    found = len(versions)
    pages = max(1, -(-found // CATALOGUE_PAGE))
    page = min(max(request.args.get("trang", 1, type=int) or 1, 1), pages)
    versions = versions[(page - 1) * CATALOGUE_PAGE:page * CATALOGUE_PAGE]  # a province offers hundreds
    offered = offers.offering_names(db(), [v.procedure_id for v in versions])  # names, never bare codes
    return render_template("portal/catalogue.html", versions=versions, q=q, level=level, offered=offered,
                           found=found, page=page, pages=pages, levels=office_levels(versions))


@bp.get("/thu-tuc/<code>")
def procedure(code: str):
    version = procedures.latest_version(db(), code)  # a liên thông's callee part too: described, never offered
    callers = procedures.callers(db(), code) if procedures.handover_only(version) else None
    return render_template("portal/procedure.html", v=version, info=version.info, callers=callers,
                           levels=level_view(version),  # each office's level where they differ (D27, D29)
                           fees=local_fees.by_office(db(), version),  # and its own amounts (feeLocal, D29)
                           offered=offers.offering_names(db(), [version.procedure_id], every=True)[version.procedure_id][0])


# -- filing ------------------------------------------------------------------------------------------------
def _reuses(components: list[dict]) -> dict[str, str]:
    """Component key -> the id (as posted) of the document chosen from the store instead of an upload."""
    keys = {c["key"] for c in components}
    return {name[6:]: value.strip() for name, value in request.form.items()
            if name.startswith("reuse.") and name[6:] in keys and value.strip()}


def _known(user) -> dict:
    return {"ho_ten": user.full_name, "cccd": user.cccd, "dien_thoai": user.phone, "email": user.email,
            "ngay_sinh": user.birth_date.isoformat() if user.birth_date else None}


def _labels(version) -> dict[str, str]:
    """Names for the fields of the filing page, to list them in an error summary."""
    names = schemaform.labels(version.forms[version.info["filing_form"]])
    names.update({"owner.full_name": _("Họ và tên chủ hồ sơ"), "owner.birth_date": _("Ngày sinh chủ hồ sơ"),
                  "owner.cccd": _("Số CCCD của chủ hồ sơ"), "owner": _("Chủ hồ sơ"), "note": _("Ghi chú"),
                  "agency": _("Nơi nộp hồ sơ"), "return_channel": _("Nhận kết quả"),
                  "return_address": _("Địa chỉ nhận kết quả qua bưu chính")})
    names.update({f"file.{c['key']}": c["name"] for c in version.info["components"]})
    return names


STORE_SHOWN = 100  # the newest documents of the store a page offers: the page is not read whole from a long store


class StoreChoices(list):
    """The choices, and ``more``: the line that says only the newest are shown (None when all are)."""

    more: str | None = None


def _kind_text(kind: str, outcome: str | None) -> str:
    """A document's name on the citizen's page: a refusal to resolve (D21) is issued as kind "result" but is no
    result, and is called what it is."""
    return _("Thông báo từ chối giải quyết hồ sơ") if (kind, outcome) == ("result", "refused") else \
        DOC_KIND_TEXT.get(kind, kind)


def _store_choices() -> list[dict]:
    """The signed-in citizen's stored documents (D24) as choices, the newest STORE_SHOWN: where each comes from,
    its signatures (read for them all at once, not per document)."""
    docs = attachments.store(db(), g.user, limit=STORE_SHOWN + 1)
    choices = StoreChoices()
    if len(docs) > STORE_SHOWN:
        docs = docs[:STORE_SHOWN]
        choices.more = _("Kho của bạn có nhiều giấy tờ; chỉ hiện %(num)d giấy tờ mới nhất.", num=STORE_SHOWN)
    origins = attachments.origins(db(), docs)
    for doc, described in zip(docs, summary.describe_documents(db(), docs)):
        origin = origins[doc.dossier_id]
        signature = signature_text(described)
        kind, where = _kind_text(doc.kind, origin.outcome), _("hồ sơ")
        label = f"{doc.name} — " + "; ".join(s["short"] for s in signature) + f" — {kind}, {where} {origin.code}"
        choices.append({"id": str(doc.id), "name": doc.name, "kind": kind, "origin": origin.code, "label": label,
                        "signature": signature})
    return choices


def _file_page(version, data, errors, owner, for_other, status=200, error=None, reuse=None, submit_token=None,
               agency=None, back=None, repeated=None, held=()):
    """The filing page. ``submit_token``: the one-time token of this filing (a new one for a new page; the
    posted one again when the post was refused, since nothing was filed under it). ``agency``: the receiving
    agency chosen among those offering the procedure (any of them, whatever the citizen's residence, D29)."""
    schema = version.forms[version.info["filing_form"]]
    offering = [a for _, a in offers.active_offers(db(), version.procedure_id) if a.active]
    return render_template("portal/file.html", v=version, info=version.info, labels=_labels(version),
                           offering=offering, agency=agency, back=back or {"channel": "online", "address": ""},
                           levels=level_view(version), desk_only=filing.result_at_desk(version), repeated=repeated,
                           form_fields=schemaform.build(schema, data, errors), errors=errors, owner=owner,
                           for_other=for_other, error=error, store=_store_choices(), reuse=reuse or {},
                           submit_token=submit_token or secrets.token_urlsafe(24), held=held), status


def _return_back(default: str) -> dict:
    """D23: the return channel chosen on a page's form and the address typed, to show again if refused."""
    return {"channel": request.form.get("return_channel", default),
            "address": request.form.get("return_address", "").strip()}  # too long: refused, never cut


def _return_payload(back: dict) -> dict:
    """The use case's fields: the address goes only with the post (typed, then another channel chosen)."""
    return {"return_channel": back["channel"] or None,
            "return_address": back["address"] if back["channel"] == "post" else None}


@bp.route("/thu-tuc/<code>/nop", methods=["GET", "POST"])
@login_required("citizen")
def file(code: str):
    version = procedures.filing_version(db(), code)
    filing.refuse_handover_only(db(), version)  # D33: filed by another agency's hand-over only (an error page)
    schema = version.forms[version.info["filing_form"]]
    if request.method != "POST":  # GET, and HEAD (Flask adds it to every GET route)
        return _file_page(version, schemaform.prefill(schema, _known(g.user)), {}, {}, False)
    data = schemaform.parse(schema, request.form)
    for_other = request.form.get("for_other") == "on"
    owner = {k: request.form.get(f"owner.{k}", "").strip() for k in OWNER_FIELDS}
    agency = request.form.get("agency", "").strip()[:35] or None
    back = _return_back("desk" if filing.result_at_desk(version) else "online")  # D23: the desk alone, or online
    payload = {"procedure": code, "form": data, "channel": "online", "agency": agency, **_return_payload(back)}
    if for_other:
        payload["owner"] = owner
    reuses = _reuses(version.info["components"])
    token = request.form.get("submit_token", "")
    chosen, kept = uploads.posted(version.info["components"]), uploads.kept()  # now, and held from a refusal

    def file_with_uploads() -> str:
        """Submit-once: the page's token is claimed like an API Idempotency-Key; a second post of the same page
        (a double click, a resend) leads to the dossier the first one filed. The page fetched again (the back from
        the receipt) has a new token: the same form again is asked about first (engine.cases.duplicates); a post
        without the page's token is filed as before."""
        claimed = None
        if token:
            claimed = idempotency.claim(db(), g.user, f"form:{token}", idempotency.fingerprint(request.path), now())
            if claimed.replay is not None:
                return claimed.replay[1]["dossier"]
            if request.form.get("confirm_duplicate") != "1":  # not yet asked: is it the same as a filing just made?
                duplicates.refuse_repeat(db(), g.user, version.procedure_id, data,
                                         owner["cccd"] if for_other else g.user.cccd, now())
        dossier = filing.file_dossier(db(), context(), payload)
        uploads.attach_chosen(dossier.code, chosen, kept, reuses)
        if claimed is not None:
            idempotency.remember(db(), claimed, 303, {"dossier": dossier.code})
        return dossier.code

    try:
        code = run(file_with_uploads)
    except (Invalid, owner_checks.TooManyOwnerMismatches) as exc:  # the form back, as typed, with what to mend
        return _file_page(version, data, exc.fields, owner, for_other, exc.status, refusal_text(exc), reuses, token,
                          agency, back, held=uploads.hold_refused(chosen, kept, exc.fields))
    except duplicates.Repeated as exc:
        errors: dict[str, str] = {}  # a broken file's, said with the question (hold_refused)
        return _file_page(version, data, errors, owner, for_other, 409, None, reuses, token, agency, back, exc,
                          held=uploads.hold_refused(chosen, kept, errors))
    return redirect(url_for("portal.receipt", code=code))


@bp.get("/ca-nhan/ho-so/<code>/bien-nhan")
@login_required("citizen")
def receipt(code: str):
    dossier = dossiers.visible_dossier(db(), g.user, code)
    d = summary.describe(db(), dossier, with_form=False, settings=tthc()["settings"], viewer=g.user)
    return render_template("portal/receipt.html", d=d)


# -- documents and public lookup ---------------------------------------------------------------------------
def _ascii_name(filename: str) -> str:
    """The file name in ASCII for the plain filename= of Content-Disposition (filename* keeps the real one)."""
    base = filename.replace("đ", "d").replace("Đ", "D")
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-")[-100:] or "tep"


@bp.get("/tai-lieu/<int:doc_id>")
@login_required()
def document(doc_id: int):
    doc = portal_cases.visible_document(db(), g.user, doc_id)
    content = documents.read_intact(tthc()["settings"].data_dir, doc)  # D22: never altered bytes
    ascii_name = _ascii_name(doc.name)
    headers = {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(doc.name)}",
               "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
               "Content-Security-Policy": FILE_POLICY}  # never inline: a download, not a page
    return Response(content, mimetype=doc.media_type, headers=headers)


@bp.get("/tra-cuu")
def lookup():
    q = request.args.get("q", "").strip()[:100]
    results, error, more = None, None, False
    if q:
        try:
            run(portal_cases.count_lookup, db(), request.remote_addr, now())
        except portal_cases.TooManyLookups as exc:
            page, status = error_page(429, _("Mỗi địa chỉ chỉ được tra cứu tối đa %(limit)s lần trong %(minutes)s "
                                             "phút và bạn đã dùng hết. Vui lòng thử lại sau %(at)s.",
                                             limit=portal_cases.LOOKUP_LIMIT, at=vn_datetime(exc.until),
                                             minutes=portal_cases.LOOKUP_WINDOW.seconds // 60))
            return page, status, {"Retry-After": str(max(1, int((exc.until - now()).total_seconds()) + 1))}
        try:
            results, more = portal_cases.public_lookup_page(db(), q)
        except EngineError as exc:
            error = refusal_text(exc)
    return (render_template("portal/lookup.html", q=q, results=results, error=error, more=more,
                            shown=portal_cases.LOOKUP_ROWS), 422 if error else 200)
