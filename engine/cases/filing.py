"""The citizen's commands on a dossier (and the desk's filing): file it, supplement it once asked, withdraw it or
have the one-stop stop it. One session in, nothing committed here; the load and save they share is
engine.cases.dossiers."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload

from engine.cases import (
    fee_repricing, lienthong, local_fees, notices, offers, owner_checks, payments, replanning, signing_requests)
from engine.cases.dossiers import (
    Context, _next_code, calendar_of, ensure_not_suspended, load_process, move, record_missed, save_process,
    visible_dossier)
from engine.core.errors import Conflict, Forbidden, Invalid, gathered, together
from engine.core.vocabulary import vn_time
from engine.data import audit, calendars
from engine.data.model import Agency, Dossier, SupplementRequest, User, WorkItem
from engine.law import deadlines
from engine.law.counting import CHANNELS  # the channels a filing comes by, as the counters know them
from engine.law.statuses import PROCESSING, STOPPED, SUBMITTED, TERMINAL, WITHDRAWN, can_end
from engine.paperwork import issuance, officialforms
from engine.process import fees, forms, procedures
from engine.process import fields as procedure_fields
from engine.process.runtime import SERIALIZER_VERSION, Process

# The dossier is in the session already (read first): its row is not joined again with the item (a many-to-one
# read later comes from the session's identity map, no query).
_SUPPLEMENT_ITEM = (select(WorkItem).where(WorkItem.dossier_id == bindparam("dossier_id"),
                                           WorkItem.step == "supplement")
                    .options(lazyload(WorkItem.dossier)))
_OPEN_REQUEST = select(SupplementRequest).where(SupplementRequest.dossier_id == bindparam("dossier_id"),
                                                SupplementRequest.answered_at.is_(None))
RETURN_CHANNELS = ("online", "post", "desk")  # D23: in the citizen's account, by public post, at the desk


def result_at_desk(version) -> bool:
    """D23, D27: the procedure's result is handed over at the agency only: it declares that it cannot be returned
    online or by post (level.onlineResult false; a marriage: both spouses sign the register there in person)."""
    return (version.info.get("level_facts") or {}).get("onlineResult") is False


AT_DESK = ("Kết quả của thủ tục này chỉ trao trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả của cơ quan, người nhận "
           "phải có mặt; không trả trực tuyến hoặc qua bưu chính")


def _return_choice(payload, as_filed: str | None = None, at_desk: bool = False) -> tuple[str | None, str | None]:
    """D23: how the result is to come back, and where for the post (None, None: as filed). ``as_filed``: the
    channel the dossier is filed by; naming no return channel, a postal filing returns by post, so an address
    alone goes with it, and without one the filing form's is taken once the form is checked (_postal_address).
    ``at_desk``: the result is handed over at the agency only (result_at_desk): the desk, whatever the filing's
    channel; online or by post is refused (the level stays as declared, D23)."""
    channel, address = payload.get("return_channel"), payload.get("return_address")
    if channel is not None and channel not in RETURN_CHANNELS:
        raise Invalid("Hình thức nhận kết quả không hợp lệ", fields={"return_channel": "online, post hoặc desk"})
    if at_desk:
        if channel in ("online", "post") or (channel is None and address not in (None, "")):
            raise Invalid(AT_DESK, code="result_at_desk", rule="D23",
                          fields={"return_channel": "Chỉ nhận kết quả trực tiếp tại cơ quan (desk)"})
        channel = "desk"
    if (channel or as_filed) != "post":  # online or at the desk, chosen or as filed: no address
        if address not in (None, ""):
            raise Invalid("Địa chỉ nhận kết quả chỉ dùng khi nhận qua bưu chính",
                          fields={"return_channel" if channel is None else "return_address":
                                  "Chọn post để nhận kết quả qua bưu chính"})
        return channel, None
    if channel is None and address in (None, ""):
        return None, None  # by post as filed: the address of the filing form (_postal_address)
    address = forms.clean_text(address, min_length=10, max_length=500)
    if address is None:
        raise Invalid("Nhận kết quả qua bưu chính cần địa chỉ nhận",
                      fields={"return_address": "Ghi số nhà, đường, phường/xã, tỉnh/thành phố (10–500 ký tự)"})
    return channel, address


def _postal_address(version, form: dict) -> str:
    """D23: where a dossier filed by post that names no return address gets its result: the applicant's address
    in the filing form, where the procedure declares it (contactAddressField, as Mẫu 01 prints it). Without one
    that can be posted to, the filing is refused naming return_address: a result by post needs an address."""
    found = procedure_fields.of(version.info).contact(form)["address"]
    address = forms.clean_text(found, min_length=10, max_length=500)
    if address is None:
        raise Invalid("Hồ sơ nộp qua bưu chính cần địa chỉ trả kết quả",
                      fields={"return_address": "Tờ khai không có địa chỉ người nộp để gửi kết quả: ghi địa chỉ "
                                                "nhận (số nhà, đường, phường/xã, tỉnh/thành phố; 10–500 ký tự) "
                                                "hoặc chọn cách nhận khác"})
    return address


def refuse_handover_only(session: Session, version) -> None:
    """D33: the callee part of a liên thông (``filedBy`` = ``handover``) is opened only by the calling agency's
    hand-over (engine.cases.lienthong), never filed directly, online or at the desk; the refusal names the
    procedure the applicant files instead. A 422 (a rule with its reason), as for a procedure no agency offers."""
    if not procedures.handover_only(version):
        return
    instead = "; ".join(f"{p.code} – {p.name}" for p in procedures.callers(session, version.procedure.code))
    raise Invalid(f"Thủ tục {version.procedure.code} chỉ nhận hồ sơ do cơ quan khác chuyển đến theo cơ chế liên "
                  "thông, không nộp trực tiếp" + (f"; vui lòng nộp hồ sơ theo thủ tục {instead}" if instead else ""),
                  code="handover_only", rule="D33",
                  fields={"procedure": "Thủ tục chỉ nhận hồ sơ liên thông từ cơ quan khác"})


def _refuse_with_form(version, form, refusal: Invalid) -> None:
    """A filing whose agency is missing or unknown and whose form is wrong too is refused once, the form's refusal
    naming the agency's field beside its own: refused for the agency first, the citizen learnt of the form only on
    a second submission (choosing the attachments again). The form is the procedure's latest version's, whatever
    the agency; with the form valid, the agency's refusal stands as it was (its code, api.md)."""
    try:
        forms.validate(version.forms[version.info["filing_form"]], form, what="Tờ khai", field="form")
    except Invalid as bad:
        raise Invalid(bad.message, code=bad.code, fields={**refusal.fields, **bad.fields}) from refusal


# -- use cases --------------------------------------------------------------------------------------------
def file_dossier(session: Session, ctx: Context, payload) -> Dossier:
    """A citizen files for themself or for another person (D4); a receiving officer files at the desk."""
    user = ctx.user
    if not ({"citizen", "receiving_officer"} & user.roles):
        raise Forbidden("Chỉ công dân hoặc cán bộ tiếp nhận được nộp hồ sơ")
    if not isinstance(payload, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    code = payload.get("procedure")
    if not isinstance(code, str) or not code:
        raise Invalid("Thiếu mã thủ tục", fields={"procedure": "Bắt buộc"})
    version = procedures.filing_version(session, code)
    refuse_handover_only(session, version)
    channel = payload.get("channel")
    if channel is None:  # absent or null: the usual channel of the caller
        channel = "online" if "citizen" in user.roles else "desk"
    if channel not in CHANNELS:
        raise Invalid("Kênh nộp không hợp lệ", fields={"channel": "online, desk hoặc post"})
    if channel != "online" and "receiving_officer" not in user.roles:
        # D5, D7: a citizen's own filing is online (its intake hour, its counting); the desk and the post are
        # recorded by the receiving officer who takes the paper dossier
        raise Invalid("Công dân tự nộp hồ sơ trực tuyến; hồ sơ nộp tại quầy hoặc qua bưu chính do cán bộ tiếp "
                      "nhận ghi nhận", fields={"channel": "online"})
    # the fields of the filing, each part checked before any is refused: every field to mend said at once (the
    # return choice, the form, the owner were refused one after the other, three sendings for three mistakes)
    found: list[Invalid] = []
    choice = gathered(found, _return_choice, payload, as_filed=channel, at_desk=result_at_desk(version))
    return_channel, return_address = choice or (None, None)
    form = payload.get("form")
    try:
        offer = offers.receiving(session, version.procedure, payload.get("agency"), user)
    except Invalid as refusal:
        _refuse_with_form(version, form, refusal)
        raise
    proc_agency = session.get(Agency, offer.agency_id)
    before = len(found)
    gathered(found, forms.validate, version.forms[version.info["filing_form"]], form, what="Tờ khai", field="form")
    if len(found) == before:  # D26: the fields a fee is computed from, of a valid form (the office's own fixed
        # amount asks none)
        gathered(found, fees.check_form, local_fees.fees_at(session, version, offer.agency_id),
                  version.forms[version.info["filing_form"]], form)
    if not found and channel == "post" and return_channel is None and return_address is None:
        return_address = _postal_address(version, form)  # D23: returned by post as filed, to the form's address
    owner = gathered(found, owner_checks.given, payload, ctx)
    if found:
        raise together(found)
    owner_name, owner_birth, owner_cccd, other = owner
    if other:  # D3, D4: only a filing otherwise right is compared with a verified identity (and counted)
        owner_name, owner_birth, owner_cccd = owner_checks.verified(session, ctx, owner_name, owner_birth,
                                                                    owner_cccd)
    dossier = Dossier(code=_next_code(session, proc_agency, ctx.now), procedure_version_id=version.id,
                      agency_id=proc_agency.id, processing_agency_id=offer.processing_agency_id,
                      applicant_id=user.id, owner_name=owner_name,
                      owner_birth_date=owner_birth, owner_cccd=owner_cccd, channel=channel,
                      return_channel=return_channel, return_address=return_address, status=SUBMITTED,
                      form=form, filed_at=ctx.now, workflow_state=b"", serializer_version=SERIALIZER_VERSION)
    dossier.procedure_version = version
    session.add(dossier)
    session.flush()  # its id; what follows changes the row again: one UPDATE at the commit, not one per query
    with session.no_autoflush:
        return _filed(session, ctx, dossier, version, form, channel)


def _filed(session: Session, ctx: Context, dossier: Dossier, version, form, channel: str) -> Dossier:
    user = ctx.user
    cal = calendar_of(session, dossier, ctx.settings)
    deadlines.on_filed(dossier, cal, ctx.now, calendars.intake_working_hours(ctx.settings), channel)
    process = Process.start((version.id, version.content_hash), lambda: version.spec_json,
                            procedure_fields.of(version.info).start_data(dossier.code, form), ctx.script_time_limit, ctx.now)
    save_process(session, dossier, process, ctx.now, ctx.settings, cal, new=True)
    audit.record(session, dossier, ctx.now, user, "file", None, data={"channel": channel})
    owed = payments.request_due(session, ctx, dossier, "filing")  # D26: a fee asked with the filing
    # D7, D28: with a filing fee owed, the intake hour starts when it is paid: no intake time is promised yet
    notices.notify(session, ctx.settings, "filed", now=ctx.now, dossier=dossier,
                   context={"fee_first": owed is not None})
    return dossier


def supplement(session: Session, ctx: Context, code: str, payload) -> Dossier:
    """The citizen sends the completed dossier back after a supplement request."""
    with session.no_autoflush:  # one flush at the commit, not one before every query
        return _supplement(session, ctx, code, payload)


# D5: who brought the completed paper dossier back, said in the trail when the officer writes no note
_HANDED_IN = {"desk": "Người nộp hồ sơ nộp bổ sung trực tiếp tại Bộ phận Một cửa",
              "post": "Người nộp hồ sơ gửi bổ sung qua dịch vụ bưu chính công ích"}


def desk_supplements(user: User, dossier: Dossier) -> bool:
    """D5, D10: a dossier filed at the desk or by post is supplemented the way it came: the paper is handed
    in to the receiving agency's one-stop, whose receiving officer records it (the owner may have no
    account)."""
    return (dossier.channel in _HANDED_IN and "receiving_officer" in user.roles
            and user.agency_id == dossier.agency_id)


def _supplier_note(ctx: Context, dossier: Dossier) -> str | None:
    """Who may answer ``dossier``'s supplement request: the citizen on the portal (None: no note of ours), or
    the receiving officer for a desk or post dossier (the note the trail gets when they write none)."""
    user = ctx.user
    if desk_supplements(user, dossier):
        return _HANDED_IN[dossier.channel]
    if "citizen" in user.roles:
        return None
    if "receiving_officer" in user.roles and user.agency_id == dossier.agency_id:
        raise Forbidden("Hồ sơ nộp trực tuyến do công dân tự bổ sung trên Cổng dịch vụ công; cán bộ "
                        "chỉ ghi nhận hồ sơ bổ sung của hồ sơ nộp tại quầy hoặc qua bưu chính")
    raise Forbidden("Chỉ công dân bổ sung hồ sơ của mình; hồ sơ nộp tại quầy hoặc qua bưu chính do cán "
                    "bộ tiếp nhận của cơ quan nhận hồ sơ ghi nhận")


def _supplement(session: Session, ctx: Context, code: str, payload) -> Dossier:
    dossier = visible_dossier(session, ctx.user, code, with_state=True)
    handed_in = _supplier_note(ctx, dossier)
    item = session.scalar(_SUPPLEMENT_ITEM, {"dossier_id": dossier.id})
    if item is None:
        raise Conflict("Hồ sơ không có yêu cầu bổ sung đang chờ", code="no_supplement_requested")
    ensure_not_suspended(dossier)
    if not isinstance(payload, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    form = payload.get("form")
    forms.validate(dossier.procedure_version.forms[dossier.procedure_version.info["filing_form"]], form,
                   what="Tờ khai bổ sung", field="form")
    fees.check_form(local_fees.still_to_ask(session, dossier),  # D26: the form a fee not asked yet is computed from
                    dossier.procedure_version.forms[dossier.procedure_version.info["filing_form"]], form,
                    what="Tờ khai bổ sung")
    note = payload.get("note")
    if note is not None:  # lines of text, without control characters (a NUL was stored in the trail)
        forms.validate({"type": "object", "properties": {"note": {"type": "string", "maxLength": 4000}}},
                       {"note": note}, what="Ghi chú")
    note = note or handed_in  # the desk's record says how the paper came back when the officer wrote nothing
    request = session.scalar(_OPEN_REQUEST, {"dossier_id": dossier.id})
    process = load_process(dossier, ctx)
    process.complete(item.task_id, {"action": "supplement",
                                     procedure_fields.of(dossier.procedure_version.info).filing_key: form}, ctx.now)
    dossier.form = form
    if request is not None:
        request.answered_at = ctx.now
    stage = request.stage if request is not None else "intake"
    from_status = move(dossier, SUBMITTED if stage == "intake" else PROCESSING)
    cal = calendar_of(session, dossier, ctx.settings)
    deadlines.on_supplemented(dossier, cal, dossier.procedure_version.info, stage, ctx.now,
                              calendars.intake_working_hours(ctx.settings))
    save_process(session, dossier, process, ctx.now, ctx.settings, cal)
    audit.record(session, dossier, ctx.now, ctx.user, "supplement", from_status, step="supplement",
                 task_name=item.name, data={"note": note} if note else {}, due_at=item.due_at)
    fee_repricing.after_supplement(session, ctx, dossier)  # D26: a fee computed from the form follows the new one
    if stage != "intake":  # D28: the appointment the completed dossier gets (D12; the D20 letter said how)
        replanning.after_wait(session, dossier, cal)  # D30: an item open meanwhile waited with the dossier
        notices.notify(session, ctx.settings, "supplemented", now=ctx.now, dossier=dossier)
    return dossier


def change_return(session: Session, ctx: Context, code: str, payload) -> Dossier:
    """D23: the citizen changes how the result comes back, until it has been returned (audited, and told to the
    one-stop on the dossier's pages and its return form)."""
    dossier = visible_dossier(session, ctx.user, code)
    if "citizen" not in ctx.user.roles:
        raise Forbidden("Chỉ công dân chọn cách nhận kết quả của hồ sơ của mình")
    if not isinstance(payload, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    if payload.get("return_channel") is None:
        raise Invalid("Chọn cách nhận kết quả", fields={"return_channel": "online, post hoặc desk"})
    if dossier.status in TERMINAL:
        raise Conflict("Hồ sơ đã kết thúc hoặc đã trả kết quả; không thể đổi cách nhận kết quả",
                       code="dossier_closed")
    ensure_not_suspended(dossier)
    channel, address = _return_choice(payload, at_desk=result_at_desk(dossier.procedure_version))
    before = (dossier.return_via, dossier.return_address)
    dossier.return_channel, dossier.return_address = channel, address
    if (channel, address) != before:
        audit.record(session, dossier, ctx.now, ctx.user, "return_choice", dossier.status,
                     data={"return_channel": channel, **({"return_address": address} if address else {})})
    return dossier


def end(session: Session, ctx: Context, code: str, payload, how: str) -> Dossier:
    """D16, NĐ 118 Điều 21: the citizen withdraws (status 7) or the one-stop stops (status 8) a dossier that
    has no result yet; the clock ends, open work closes and a stop notice is issued."""
    dossier = visible_dossier(session, ctx.user, code)
    if how == "withdraw" and "citizen" not in ctx.user.roles:
        raise Forbidden("Chỉ công dân được rút hồ sơ của mình")
    if how == "stop" and "receiving_officer" not in ctx.user.roles:
        raise Forbidden("Chỉ cán bộ Bộ phận Một cửa được dừng giải quyết hồ sơ (NĐ 118 Điều 21)")
    if not isinstance(payload, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    forms.validate({"type": "object", "required": ["reason"], "additionalProperties": False,
                    "properties": {"reason": {"type": "string", "minLength": 3, "maxLength": 2000}}}, payload)
    if not can_end(dossier.status):
        ended = {WITHDRAWN: "được rút", STOPPED: "được dừng giải quyết"}.get(dossier.status)
        if ended and dossier.ended_at is not None:  # sent again (the back button, a resend): say what happened
            raise Conflict(f"Hồ sơ đã {ended} lúc {vn_time(dossier.ended_at, 'at')}; không cần gửi lại",
                           code="dossier_closed")
        raise Conflict("Hồ sơ đã có kết quả hoặc đã kết thúc; không thể rút hay dừng", code="dossier_closed")
    from engine.cases.operations import refuse_ending_part  # (operations imports this module)
    refuse_ending_part(session, dossier)  # D33: a part ends with its open parent, never alone
    process = load_process(dossier, ctx)
    process.cancel()
    record_missed(dossier, ctx.now)  # D7, D19: a deadline passed before the end stays missed in every report
    before = move(dossier, WITHDRAWN if how == "withdraw" else STOPPED)
    dossier.paused_at = dossier.suspended_at = None
    dossier.ended_at = ctx.now  # the reports: pending until then
    signing_requests.withdraw_open(session, dossier, ctx.now)  # a number given to the decision is withdrawn
    officialforms.stop_notice(session, ctx.settings, dossier, payload["reason"], ctx.user, ctx.now,
                              notify=issuance.notice("ended", {"how": how, "reason": payload["reason"]}))
    save_process(session, dossier, process, ctx.now, ctx.settings)
    audit.record(session, dossier, ctx.now, ctx.user, how, before, data={"reason": payload["reason"]})
    lienthong.stop_children(session, ctx, dossier, payload["reason"])  # D33: the other agencies' parts end too
    payments.refund_paid(session, ctx, dossier, payload["reason"])  # D26: a fee for a dossier never processed
    return dossier
