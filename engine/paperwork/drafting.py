"""A recorded document made: rendered, unsigned, from its request's payload alone (engine.paperwork.issuance), so
that rendering it again after a crash makes the same bytes. The drain and the signer's page sign what this makes.

A document is dated on the day its signer signs it, in Vietnam time (D34, NĐ 30/2020/NĐ-CP): the draft rendered
after the decision carries the decision's day; a signer who signs on another day signs it made again on theirs
(engine.cases.signing_requests.sign), and that instant is recorded in the payload (``DATED``) so that the
document is made again the same from the request alone. Its number stays the one allocated at the decision."""
from __future__ import annotations

from datetime import datetime

from engine.core.clock import VN_TZ
from engine.core.settings import Settings
from engine.data.model import Agency, Dossier
from engine.data.signing_model import SigningRequest
from engine.paperwork import issuance, officialforms, pdf, results


DATED = "dated"  # the payload's key of the instant the document is dated at, once signed on a later day


def dated_at(req: SigningRequest) -> datetime:
    """The instant the request's document is dated at: the day its signer signed it once that is recorded,
    else the decision's (the day the draft is rendered for)."""
    at = issuance.from_json((req.payload or {}).get(DATED))
    return at if isinstance(at, datetime) else req.created_at


def same_day(one: datetime, other: datetime) -> bool:
    """Both on the same calendar day in Vietnam (a signature at 23:30 UTC is the next day there)."""
    return one.astimezone(VN_TZ).date() == other.astimezone(VN_TZ).date()


def render_letter(settings: Settings, dossier: Dossier, payload: dict, number: str, now: datetime) -> bytes:
    """Mẫu 04 from the paragraphs written when it was decided (engine.paperwork.letters), signed above the
    signer's authority and title (engine.paperwork.authority; a letter recorded before it was kept: the
    role's name)."""
    block = payload.get("signer_authority")
    title = "\n".join(block) if block else payload["signer_title"]
    doc = pdf.PdfDocument(agency=payload["agency"], number=number, title=issuance.TITLES["apology"],
                          place_date=results.place_date(settings, now),
                          blocks=[("para", p) for p in payload["paragraphs"]],
                          signers=["Đóng dấu", title], qr=dossier.code,
                          footer=f"Mẫu số 04 — mã hồ sơ {dossier.code}")
    return pdf.render(doc, settings.font_dir)


def render(settings: Settings, req: SigningRequest, signer_name: str = "", agency: Agency | None = None,
           dated: datetime | None = None) -> bytes:
    """The request's document, unsigned, from its payload alone (the same bytes however often it is made); a
    result in the name of ``agency``, the issuing agency (engine.cases.issuing.issuer); ``dated``: the instant
    it is dated at if not the recorded one (``dated_at``: the signer signs it on another day)."""
    payload = issuance.from_json(req.payload or {})
    dossier = req.dossier
    when = dated or dated_at(req)
    if req.kind == "result_draft":
        return results.render_draft(settings, dossier, req.role, req.outcome, req.opinion, when,
                                    req.number, signer_name=signer_name, agency=agency)
    if "form" in payload:
        form = officialforms.FORMS[payload["form"]]
        return officialforms.render_form(settings, form, payload["values"], officialforms.REGIMES[payload["regime"]],
                                         dossier, payload["agency"], req.created_at, req.number or "")
    if "paragraphs" in payload:
        return render_letter(settings, dossier, payload, req.number or "", when)
    if "replaces" in payload:
        return results.render_draft(settings, dossier, req.role, req.outcome or "approved", "", when,
                                    req.number, signer_name=signer_name, replaces=payload["replaces"], agency=agency)
    raise ValueError(f"nothing to render for a {req.kind} request")  # "result": sealed from the signed draft
