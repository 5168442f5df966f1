"""The administrators' page of a procedure's offers (``/quan-tri/thu-tuc/<code>/noi-cung-cap``): tick the agencies
of one's subtree that receive it (or all communes), with each one's processing agency, local fee amounts and
office hours. A change that stops an agency receiving asks for confirmation first; every change goes through
engine.cases.offers (the same use case as ``PUT /api/v1/procedures/{code}/offers``) and is audited there."""
from __future__ import annotations

import re

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from engine.cases import administration, offers
from engine.core.errors import Invalid
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import ProcedureVersion
from . import db, now
from .ui import install_error_pages, login_required, refusal_text, run

bp = Blueprint("admin_offers", __name__)
install_error_pages(bp)

PROCESSING_LEVELS = ("province", "centre", "department")
MAX_SHOWN = offers.MAX_OFFERS
_INDEXED = re.compile(r"^agencies\[(\d+)\]\.(\w+)(?:\.(\w+))?$")
DAY_WORDS = {"t2": "mon", "t3": "tue", "t4": "wed", "t5": "thu", "t6": "fri", "t7": "sat", "cn": "sun",
             **{d: d for d in offers.DAYS}}


def hours_text(hours: dict | None) -> str:
    """Office hours as the page writes them: "T2 07:30-11:30 13:30-17:00; T7 07:30-11:30"."""
    names = {v: k.upper() for k, v in DAY_WORDS.items() if len(k) == 2}
    return "; ".join(f"{names[day]} {' '.join(spans)}" for day, spans in (hours or {}).items())


def _hours(text: str, field: str) -> dict | None:
    """The page's office hours back as the offer's JSON ("T2 07:30-11:30 13:30-17:00; T7 07:30-11:30")."""
    if not text.strip():
        return None
    hours: dict[str, list[str]] = {}
    for part in text.split(";"):
        words = part.split()
        if not words:
            continue
        day = DAY_WORDS.get(words[0].lower())
        if day is None or len(words) < 2:
            raise Invalid(_("Giờ tiếp nhận chưa đúng dạng"),
                          fields={field: _("Dạng: T2 07:30-11:30 13:30-17:00; T7 07:30-11:30")})
        hours.setdefault(day, []).extend(words[1:])
    return hours


def _scope_agencies(user) -> list[Agency]:
    """The agencies the administrator may tick, in the tree's order."""
    return list(db().scalars(select(Agency).where(Agency.id.in_(administration.agency_ids(db(), user)),
                                                  Agency.active.is_(True))
                             .order_by(Agency.path).limit(MAX_SHOWN)))


def _page(code: str, *, errors=None, error=None, confirm=None, posted=None, status=200):
    proc = offers.procedure_of(db(), code)
    version = db().get(ProcedureVersion, proc.latest_version_id)
    local_fees = [f for f in version.info.get("fees", []) if f.get("local")]
    mine = _scope_agencies(g.user)
    current = {o.agency_id: o for o in db().scalars(select(ProcedureOffer).where(
        ProcedureOffer.procedure_id == proc.id, ProcedureOffer.active.is_(True)))}
    # D29: an administrator names a processing agency of their own subtree (engine.cases.offers refuses another),
    # so the list offers those, and the ones the offers already name (kept as they are)
    chosen = select(Agency).where(Agency.level.in_(PROCESSING_LEVELS), Agency.active.is_(True))
    if administration.scope(db(), g.user) is not None:
        named = [o.processing_agency_id for o in current.values() if o.processing_agency_id is not None]
        chosen = chosen.where(or_(Agency.id.in_(administration.agency_ids(db(), g.user)), Agency.id.in_(named)))
    processors = list(db().scalars(chosen.order_by(Agency.path).limit(MAX_SHOWN)))
    by_id = {a.id: a for a in processors}
    rows = []
    for agency in mine:
        offer = current.get(agency.id)
        settings = (offer.settings or {}) if offer is not None else {}
        processing = by_id.get(offer.processing_agency_id) if offer is not None and offer.processing_agency_id else None
        row = {"agency": agency, "offered": offer is not None, "processing": processing.code if processing else "",
               "fees": dict(settings.get("fees") or {}), "hours": hours_text(settings.get("office_hours"))}
        if posted is not None:  # a refused or unconfirmed post: the page shows what was typed
            row.update(offered=agency.code in posted["ticked"], processing=posted["processing"].get(agency.code, ""),
                       fees=posted["fees"].get(agency.code, {}), hours=posted["hours"].get(agency.code, ""))
        rows.append(row)
    elsewhere = len(current) - sum(1 for r in rows if r["agency"].id in current)
    labels = {"agency": _("Nơi cung cấp"), "all_communes": _("Mọi xã, phường")}
    for row in rows:
        name = row["agency"].name
        labels[f"hours.{row['agency'].code}"] = _("Giờ tiếp nhận — %(name)s", name=name)
        labels[f"processing.{row['agency'].code}"] = _("Cơ quan xử lý — %(name)s", name=name)
        for fee in local_fees:
            labels[f"fee.{row['agency'].code}.{fee['key']}"] = f"{fee['name']} — {name}"
    # a ward's administrator offers a procedure the province publishes, but its versions are not theirs to open
    versions_page = (url_for("admin_versions.procedure_page", code=proc.code)
                     if administration.may_administer(db(), g.user, proc.agency)
                     else url_for("admin_versions.procedures_page"))
    return render_template("admin/offers/offers.html", proc=proc, version=version, rows=rows, processors=processors,
                           local_fees=local_fees, elsewhere=elsewhere, errors=errors or {}, error=error,
                           labels=labels, confirm=confirm, all_communes=bool(posted and posted["all_communes"]),
                           versions_page=versions_page), status


def _posted(rows_codes: list[str]) -> dict:
    form = request.form
    ticked = [c for c in form.getlist("agency") if c in rows_codes]
    return {"ticked": ticked, "all_communes": form.get("all_communes") == "on",
            "processing": {c: form.get(f"processing.{c}", "").strip() for c in rows_codes},
            "hours": {c: form.get(f"hours.{c}", "").strip()[:500] for c in rows_codes},
            "fees": {c: {k[len(f"fee.{c}."):]: v.strip()[:20] for k, v in form.items()
                         if k.startswith(f"fee.{c}.") and v.strip()} for c in rows_codes}}


def _payload(posted: dict) -> dict:
    items = []
    for code in posted["ticked"]:
        item: dict = {"agency": code}
        if posted["processing"][code]:
            item["processing_agency"] = posted["processing"][code]
        fees = {}
        for key, raw in posted["fees"][code].items():
            if not raw.isascii() or not raw.isdigit() or len(raw) > 13:
                raise Invalid(_("Mức phí chưa đúng"), fields={f"fee.{code}.{key}": _("Số đồng, chỉ gồm chữ số")})
            fees[key] = int(raw)
        if fees:
            item["fees"] = fees
        hours = _hours(posted["hours"][code], f"hours.{code}")
        if hours is not None:
            item["office_hours"] = hours
        items.append(item)
    payload: dict = {"agencies": items}
    if posted["all_communes"]:
        payload["all_level"] = "commune"
    return payload


def _page_fields(exc: Invalid, payload: dict) -> dict:
    """The use case names ``agencies[i].office_hours.mon``; the page names ``hours.<code>``."""
    fields = {}
    for name, why in (exc.fields or {}).items():
        found = _INDEXED.match(name)
        if found is None:
            fields["all_communes" if name == "all_level" else "agency"] = why
            continue
        code = payload["agencies"][int(found.group(1))]["agency"]
        part = {"office_hours": f"hours.{code}", "processing_agency": f"processing.{code}",
                "fees": f"fee.{code}.{found.group(3)}", "agency": "agency"}.get(found.group(2), "agency")
        fields[part] = why
    return fields


@bp.get("/quan-tri/thu-tuc/<code>/noi-cung-cap")
@login_required("administrator")
def page(code: str):
    administration.scope(db(), g.user)
    return _page(code)


@bp.post("/quan-tri/thu-tuc/<code>/noi-cung-cap")
@login_required("administrator")
def change(code: str):
    administration.scope(db(), g.user)
    offers.procedure_of(db(), code)
    codes = [a.code for a in _scope_agencies(g.user)]
    posted = _posted(codes)
    payload = {}
    try:
        payload = _payload(posted)
        preview = offers.replace(db(), now(), g.user, code, payload, dry_run=True)
        dropped = preview.get("ended", []) + preview.get("removed", [])
        if dropped and request.form.get("confirm") != "on":  # an agency stops receiving: ask first
            return _page(code, posted=posted, confirm={"dropped": dropped, "ended": preview.get("ended", [])})
        changed = run(offers.replace, db(), now(), g.user, code, payload)
    except Invalid as exc:
        db().rollback()
        fields = _page_fields(exc, payload) if payload else dict(exc.fields or {})
        return _page(code, errors=fields, error=refusal_text(exc), posted=posted, status=422)
    flash(_("Đã lưu nơi cung cấp thủ tục.") if changed else _("Không có thay đổi nào."), "success")
    return redirect(url_for("admin_offers.page", code=code))
