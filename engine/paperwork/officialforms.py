"""Official forms as data (D8, D16, D40): the forms of TT 01/2018/TT-VPCP and TT 03/2025/TT-VPCP.

Each form is a title, its number in each regime, its fields (key, Vietnamese label) and a layout: blocks that
name fields. Builders compute the values from the dossier and render them with engine.paperwork.pdf. A value of None
means "not applicable" and drops its field or paragraph; a key the builder forgot is a KeyError, never blank
text on a legal document. The dossier keeps the regime in force when it was received (D1): TT 03/2025 from
01/07/2025, before that TT 01/2018; the number printed on each PDF ("Mẫu số 01 ...") follows it.
The control slip and the dossier register (also forms of this registry) are built in engine.paperwork.registers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from engine.paperwork import handed_in, issuance, numbers, pdf, results
from engine.process import fields as procedure_fields
from engine.process import fees as fee_rules
from engine.core.clock import VN_TZ
from engine.core import vocabulary
from engine.core.vocabulary import vn_time
from engine.data.model import OFFICER_ROLES, Dossier, User
from engine.data.signing_model import SigningRequest
from engine.core.settings import Settings


# -- regimes ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Regime:
    key: str
    short: str
    circular: str  # the circular that issues the forms
    decree: str  # the one-stop decree it guides
    since: date


TT01_2018 = Regime("TT01/2018", "TT 01/2018/TT-VPCP", "Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 của Văn phòng Chính phủ",
                   "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ", date(2018, 6, 21))
TT03_2025 = Regime("TT03/2025", "TT 03/2025/TT-VPCP", "Thông tư số 03/2025/TT-VPCP ngày 15/9/2025 của Văn phòng Chính phủ",
                   "Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 của Chính phủ", date(2025, 7, 1))
REGIMES = {r.key: r for r in (TT01_2018, TT03_2025)}


def regime_at(day: date) -> Regime:
    return TT03_2025 if day >= TT03_2025.since else TT01_2018


def regime_of(dossier: Dossier, at: datetime | None = None) -> Regime:
    """D1: the rules in force when the dossier was received. Not received yet: those in force ``at`` (the instant
    a form is issued at intake: a filing of 30/06/2025 refused or sent back on 01/07/2025 gets the forms of the
    rules then in force, as its receipt that day does; it had no rule set of its own to keep), else at filing."""
    if dossier.received_at is not None or at is None:
        return regime_at((dossier.received_at or dossier.filed_at).astimezone(VN_TZ).date())
    return regime_at(at.astimezone(VN_TZ).date())


# -- the registry ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfficialForm:
    key: str
    title: str
    numbers: dict[str, str]  # regime key -> "01"; absent: that regime has no such form
    kind: str | None  # Document.kind when the form is stored on the dossier
    series: str  # the document number is "<n>/<series>"
    fields: dict[str, str]  # field key -> label, in print order
    layout: tuple[tuple, ...]  # ("fields", keys) | ("text", template) | ("list", key) | ("table", key, headers)
    signers: tuple[str, ...] = ()  # titles above the left (organisation) and right (personal) boxes

    def number(self, regime: Regime) -> str | None:
        return self.numbers.get(regime.key)

    def label(self, regime: Regime) -> str:
        number = self.number(regime)
        if number is None:
            return f"Không có mẫu tương ứng trong {regime.circular}"
        return f"Mẫu số {number} ban hành kèm theo {regime.circular}"

    def footer(self, regime: Regime) -> str:
        number = self.number(regime)
        return f"Mẫu số {number} — {regime.short}" if number else regime.short


PARTY = {"dossier_code": "Mã hồ sơ", "applicant": "Tiếp nhận hồ sơ của", "owner": "Chủ hồ sơ",
         "owner_id": "Số CCCD của chủ hồ sơ", "address": "Địa chỉ", "phone": "Số điện thoại",
         "email": "Thư điện tử", "request": "Nội dung yêu cầu giải quyết"}
PARTY_KEYS = tuple(PARTY)

RECEIPT = OfficialForm(
    "receipt", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", {"TT01/2018": "01", "TT03/2025": "01"}, "receipt", "TNHS",
    {**PARTY, "components": "1. Thành phần hồ sơ nộp gồm", "set_count": "2. Số lượng hồ sơ",
     "legal_duration": "3. Thời gian giải quyết hồ sơ theo quy định", "received_at": "4. Thời gian nhận hồ sơ",
     "due_at": "5. Thời gian trả kết quả giải quyết hồ sơ", "return_place": "6. Đăng ký nhận kết quả tại",
     "channel": "Hình thức nộp hồ sơ", "fees": "Phí, lệ phí", "ledger": "Vào Sổ theo dõi hồ sơ",
     "officer": "Người tiếp nhận hồ sơ"},
    (("fields", PARTY_KEYS), ("list", "components"),
     ("fields", ("set_count", "legal_duration", "received_at", "due_at", "return_place", "channel", "fees",
                 "ledger", "officer"))),
    ("Người nộp hồ sơ", "Người tiếp nhận hồ sơ"))

SUPPLEMENT_REQUEST = OfficialForm(
    "supplement_request", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", {"TT01/2018": "02", "TT03/2025": "02"},
    "supplement_request", "YCBS",
    {**PARTY, "stage": "Giai đoạn", "sequence": "Lần yêu cầu", "requested_at": "Thời gian yêu cầu",
     "items": "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau", "second_reason": "Lý do yêu cầu bổ sung lần hai",
     "unmet": "Các nội dung của lần trước chưa được thực hiện", "paper": "Giấy tờ bản giấy",
     "officer": "Người hướng dẫn", "agency": "Cơ quan", "officer_phone": "Số điện thoại liên hệ"},
    (("fields", PARTY_KEYS + ("stage", "sequence", "requested_at")),
     ("table", "items", ("Thành phần hồ sơ", "Nội dung chưa đạt", "Yêu cầu bổ sung, hoàn thiện")),
     ("fields", ("second_reason", "unmet", "paper")),
     ("text", "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ với {officer}, {agency}"
              "{officer_phone} để được hướng dẫn./."),
     ("fields", ("officer",))),
    ("Cơ quan giải quyết (đóng dấu)", "Người hướng dẫn"))

REFUSAL = OfficialForm(
    "refusal", "Phiếu từ chối tiếp nhận giải quyết hồ sơ", {"TT01/2018": "03", "TT03/2025": "03"}, "refusal", "TCHS",
    {**PARTY, "refused_at": "Thời gian", "agency": "Cơ quan", "reasons": "Lý do cụ thể",
     "officer": "Người tiếp nhận hồ sơ"},
    (("fields", PARTY_KEYS + ("refused_at",)),
     ("text", "Qua xem xét, {agency} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:"),
     ("list", "reasons"), ("text", "Xin thông báo cho Ông/Bà được biết và thực hiện./."), ("fields", ("officer",))),
    ("Người nộp hồ sơ", "Người tiếp nhận hồ sơ"))

# Made and signed by engine.paperwork.letters; registered here for its number.
APOLOGY = OfficialForm("apology", "Phiếu xin lỗi và hẹn lại ngày trả kết quả", {"TT01/2018": "04", "TT03/2025": "04"},
                       "apology", "PXL", {}, (), ("Đóng dấu", vocabulary.ROLES["head_of_agency"]))

STOP_NOTICE = OfficialForm(
    "stop_notice", "Thông báo dừng giải quyết hồ sơ", {"TT03/2025": "05"}, "stop_notice", "TBDGQ",
    {"addressee": "Kính gửi", **PARTY, "received_at": "Ngày tiếp nhận hồ sơ", "stopped_at": "Thời điểm dừng",
     "reason": "Lý do dừng giải quyết", "agency": "Cơ quan", "basis": "Căn cứ", "officer": "Người lập thông báo"},
    (("fields", ("addressee",)),
     ("text", "Căn cứ {basis}, {agency} thông báo dừng giải quyết hồ sơ sau đây:"),
     ("fields", PARTY_KEYS + ("received_at", "stopped_at", "reason")),
     ("text", "Thời hạn giải quyết hồ sơ chấm dứt kể từ thời điểm dừng. Xin thông báo để Ông/Bà được biết./."),
     ("fields", ("officer",))),
    ("", "Người lập thông báo"))

CONTROL_SLIP = OfficialForm(
    "control_slip", "Phiếu kiểm soát quá trình giải quyết hồ sơ", {"TT01/2018": "05", "TT03/2025": "06"},
    "control_slip", "KSQT",
    {"dossier_code": "Mã hồ sơ", "applicant": "Kèm theo hồ sơ của", "phone": "Số điện thoại",
     "request": "Nội dung yêu cầu giải quyết", "agency": "Cơ quan (bộ phận) giải quyết hồ sơ",
     "partners": "Cơ quan phối hợp giải quyết hồ sơ", "status": "Trạng thái hiện tại",
     "handovers": "Quá trình giao, nhận hồ sơ", "rule": "Cách đánh giá"},
    (("fields", ("dossier_code", "applicant", "phone", "request", "agency", "partners", "status")),
     ("table", "handovers", ("Tên cơ quan, người giao, nhận", "Thời gian giao, nhận hồ sơ",
                             "Kết quả giải quyết hồ sơ", "Ghi chú")),
     ("text", "{rule}")))

REGISTER = OfficialForm(
    "register", "Sổ theo dõi hồ sơ", {"TT01/2018": "06", "TT03/2025": "07"}, None, "STD",
    {"agency": "Cơ quan", "period": "Thời gian", "count": "Số hồ sơ", "rows": "Danh sách hồ sơ"},
    (("fields", ("agency", "period", "count")), ("table", "rows", ("Hồ sơ", "Thời gian", "Trạng thái, ghi chú"))))

# Liên thông (D33): the sending agency's record of the hand-over, sealed after the commit (no numbered form of
# the circulars: NĐ 118/2025 Điều 13 leaves its shape to the agencies).
HANDOVER_SLIP = OfficialForm(
    "handover_slip", "Phiếu chuyển hồ sơ liên thông", {}, "handover_slip", "PCLT",
    {**PARTY, "agency": "Cơ quan chuyển hồ sơ", "receiver": "Cơ quan nhận hồ sơ liên thông", "sub_request": "Nội dung đề nghị",
     "sub_code": "Mã hồ sơ tại cơ quan nhận", "handed_at": "Thời điểm chuyển",
     "share": "Thời gian giải quyết của cơ quan nhận",
     "due_at": "Hạn trả kết quả cho cơ quan chuyển", "task": "Bước chuyển"},
    (("fields", PARTY_KEYS + ("task", "receiver", "sub_request", "sub_code", "handed_at", "share", "due_at")),
     ("text", "{agency} chuyển hồ sơ trên đến {receiver} để giải quyết theo cơ chế liên thông và đề nghị trả kết "
              "quả đúng hạn nêu trên./.")),
    ("Cơ quan chuyển (đóng dấu)", ""))

FORMS = {f.key: f for f in (RECEIPT, SUPPLEMENT_REQUEST, REFUSAL, APOLOGY, STOP_NOTICE, CONTROL_SLIP, REGISTER,
                            HANDOVER_SLIP)}


def form_number(form_key: str, regime: Regime) -> str | None:
    """The number of a form in a regime ("05" for the control slip of TT 01/2018, "06" in TT 03/2025)."""
    return FORMS[form_key].number(regime)


# -- rendering -----------------------------------------------------------------------------------------------------
def _present(value) -> bool:
    return value is not None


def render_form(settings: Settings, form: OfficialForm, values: dict, regime: Regime, dossier: Dossier | None,
                agency_name: str, now: datetime, number: str = "") -> bytes:
    """Turn the layout into engine.paperwork.pdf blocks with ``values``; fields whose value is None are left out."""
    blocks: list[tuple] = []
    for block in form.layout:
        kind = block[0]
        if kind == "fields":
            rows = [(form.fields[k], values[k]) for k in block[1] if _present(values[k])]
            if rows:
                blocks.append(("fields", rows))
        elif kind == "text":
            names = [n for n in form.fields if "{" + n + "}" in block[1]]
            if all(_present(values[n]) for n in names):
                blocks.append(("para", block[1].format_map({n: values[n] for n in names})))
        elif kind in ("list", "table") and values[block[1]]:
            blocks.append(("para", form.fields[block[1]] + ":"))
            blocks.append(("list", values[block[1]]) if kind == "list" else ("table", block[2], values[block[1]]))
    signers = list(form.signers)
    if "officer" in form.fields and signers and values.get("officer") is None:
        signers[-1] = ""  # nobody drew it up in person (a withdrawal's stop notice): no personal box
    doc = pdf.PdfDocument(agency=agency_name, title=form.title, number=number, subtitle=f"({form.label(regime)})",
                          place_date=results.place_date(settings, now), blocks=blocks, signers=signers,
                          qr=dossier.code if dossier is not None else None, footer=form.footer(regime))
    return pdf.render(doc, settings.font_dir)


# -- values shared by the forms ----------------------------------------------------------------------------------
UNITS = {"working_day": "ngày làm việc", "working_hour": "giờ làm việc", "calendar_day": "ngày", "same_day": "trong ngày"}
CHANNELS = {"online": "Trực tuyến (Cổng Dịch vụ công)", "desk": "Trực tiếp tại Bộ phận Một cửa",
            "post": "Qua dịch vụ bưu chính công ích"}
RETURN_PLACES = {"online": "Trực tuyến, trên tài khoản của người nộp tại Cổng Dịch vụ công",
                 "desk": "Bộ phận Tiếp nhận và Trả kết quả", "post": "Địa chỉ của người nộp, qua bưu chính công ích"}


def return_place(dossier: Dossier) -> str:
    """Where the result is returned (D23): the channel the citizen chose, with the postal address for the post."""
    place = RETURN_PLACES.get(dossier.return_via, "")
    if dossier.return_via == "post" and dossier.return_address:
        place = f"Qua bưu chính công ích, đến địa chỉ: {dossier.return_address}"
    return place


def when(t: datetime | None) -> str:
    """'09 giờ 30 phút, ngày 23/11/2026' (Vietnam time), or '' when not known."""
    return vn_time(t, "formal")


def number_text(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def contact(dossier: Dossier) -> dict[str, str]:
    """Address, phone and e-mail from the filing form where the procedure declares them, else the account."""
    found = procedure_fields.of(dossier.procedure_version.info).contact(dossier.form)
    account = dossier.applicant
    return {"address": found["address"], "phone": found["phone"] or account.phone or "",
            "email": found["email"] or account.email or ""}


def _fee_text(fee: dict, form: dict) -> str:
    """A fee as Mẫu 01 prints it: its amount for this dossier (D26), or how it is set when it cannot be computed."""
    try:
        return "miễn" if fee_rules.exempt(fee, form) else f"{fee_rules.amount(fee, form):,} đồng".replace(",", ".")
    except fee_rules.FeeError:
        return "theo biểu phí của thủ tục"


def applicant_name(dossier: Dossier) -> str:
    """Who handed the dossier in: the citizen's account, or the owner when an officer filed at the desk."""
    return dossier.applicant.full_name if "citizen" in dossier.applicant.roles else dossier.owner_name


def party(dossier: Dossier) -> dict:
    procedure = dossier.procedure_version.procedure
    applicant = applicant_name(dossier)
    return {"dossier_code": dossier.code, "applicant": applicant,
            "owner": dossier.owner_name if dossier.owner_name != applicant else None,
            "owner_id": dossier.owner_cccd or None, **contact(dossier),
            "request": f"{procedure.name} (mã thủ tục {procedure.code})",
            "agency": dossier.agency.name}  # the receiving agency (D29)


# A form's file name begins with its name in Vietnamese without marks, as the result's (ket-qua-…) and the
# apology's (thu-xin-loi-…) do: the citizen downloads it, and a page shows it.
FILE_STEMS = {"receipt": "giay-tiep-nhan", "supplement_request": "phieu-yeu-cau-bo-sung", "refusal": "phieu-tu-choi",
              "stop_notice": "thong-bao-dung-giai-quyet", "control_slip": "phieu-kiem-soat",
              "handover_slip": "phieu-chuyen-lien-thong"}


def _store(session: Session, settings: Settings, dossier: Dossier, form: OfficialForm, values: dict,
           now: datetime, *, actor: User, number: numbers.Number | None = None,
           notify: dict | None = None) -> SigningRequest:
    """Record the form to be issued after the commit under ``number`` (the next of its register by default),
    with every value it prints: the worker renders it, seals it with the agency's seal, verifies and stores it,
    and then writes ``notify`` (engine.paperwork.issuance)."""
    number = number or numbers.allocate(session, dossier.agency_id, form.kind, form.series, now)
    payload = {"form": form.key, "values": values, "regime": regime_of(dossier, now).key,
               "agency": dossier.agency.name, "issuer": dossier.agency_id,  # whose name it bears seals it
               "name": f"{FILE_STEMS.get(form.kind, 'van-ban')}-{dossier.code}-{number.seq}-{form.series}.pdf"}
    if notify is not None:
        payload["notify"] = notify
    return issuance.record(session, dossier, form.kind, now, payload, number=number, actor=actor)


# -- the forms of intake and processing -----------------------------------------------------------------------------
def receipt(session: Session, settings: Settings, dossier: Dossier, actor: User, now: datetime,
            notify: dict | None = None, fees: list[dict] | None = None) -> SigningRequest:
    """Mẫu 01 (D8): issued when the dossier is received; the appointment is the dossier's due time. ``fees``:
    the fees as the receiving agency charges them (engine.cases.local_fees.of_dossier: its own amount of a fee
    the procedure leaves to the province, D29), else as the procedure declares them."""
    info = dossier.procedure_version.info
    components = handed_in.components(session, dossier)  # what was handed in, not the procedure's checklist
    duration = info["duration"]
    number = numbers.allocate(session, dossier.agency_id, RECEIPT.kind, RECEIPT.series, now)
    charged = "; ".join(f"{f['name']}: {_fee_text(f, dossier.form)}"
                        for f in (info.get("fees", []) if fees is None else fees))
    values = {**party(dossier), "components": components, "set_count": "01 (bộ)",
              "legal_duration": "Trong ngày" if duration["unit"] == "same_day" else
              f"{number_text(duration['value'])} {UNITS[duration['unit']]}",
              "received_at": when(dossier.received_at or now), "due_at": when(dossier.due_at),
              "return_place": return_place(dossier), "channel": CHANNELS.get(dossier.channel, ""),
              "fees": charged or "Không", "ledger": f"Quyển số {number.year}, số thứ tự {number.seq}",
              "officer": actor.full_name}
    return _store(session, settings, dossier, RECEIPT, values, now, actor=actor, number=number, notify=notify)


# D9: what Mẫu 02 says of paper originals: the procedure's own requirement, the items the officer flagged
PAPER_ALL = "Bản chính các giấy tờ sau phải nộp khi nhận kết quả (theo Nghị định 45/2020/NĐ-CP): "
PAPER_NONE = "Không phải nộp bản giấy (đã có chữ ký số hợp lệ): "
PAPER_FLAGGED = "Bản chính (bản giấy) của các giấy tờ sau phải nộp khi nhận kết quả: "
PAPER_ITEM = "Nộp bản chính (bản giấy) khi nhận kết quả"


def supplement_request(session: Session, settings: Settings, dossier: Dossier, stage: str, data: dict, actor: User,
                       now: datetime, notify: dict | None = None, signed: frozenset[str] = frozenset()
                       ) -> SigningRequest:
    """Mẫu 02 (D8, D10–D11): each item, the stage, a second request's reason; D9: the paper originals to hand
    in when the result is collected, said for each item the officer flagged ``paper`` and, with those items
    named, under "Giấy tờ bản giấy"; where the procedure requires paper originals (paperRequired), the components
    whose originals are handed in, by name, and those ``signed`` (components whose files carry valid digital
    signatures) said to need no paper: no paper may be asked for them."""
    items = [(f"{i}. {it['component']}", it["problem"],
              it["required"].rstrip().rstrip(".") + ". " + PAPER_ITEM if it.get("paper") else it["required"])
             for i, it in enumerate(data["items"], 1)]
    flagged = [it["component"] for it in data["items"] if it.get("paper")]
    reason = data.get("second_reason") or {}
    kinds = {"applicant_not_compliant": "Người nộp chưa thực hiện đúng yêu cầu bổ sung lần trước",
             "other": "Hướng dẫn lần trước chưa đầy đủ, chưa rõ (kèm Phiếu xin lỗi, Mẫu số 04)"}
    paper = []
    if dossier.procedure_version.info.get("level_facts", {}).get("paperRequired"):
        names = [c["name"] for c in dossier.procedure_version.info.get("components", [])]
        originals, exempt = [n for n in names if n not in signed], [n for n in names if n in signed]
        paper = ([PAPER_ALL + "; ".join(originals)] if originals else []) + \
            ([PAPER_NONE + "; ".join(exempt)] if exempt else [])
    values = {**party(dossier), "items": items,
              "stage": "Tiếp nhận hồ sơ (Bộ phận Một cửa)" if stage == "intake" else "Giải quyết hồ sơ",
              "sequence": f"Lần thứ {max(dossier.supplement_requests, 1)}", "requested_at": when(now),
              "second_reason": f"{kinds[reason['kind']]}: {reason['explanation']}" if reason else None,
              "unmet": "; ".join(reason.get("unmet_items") or []) or None,
              "paper": ". ".join(paper + ([PAPER_FLAGGED + "; ".join(flagged)] if flagged
                                                                  else [])) or None,
              "officer": actor.full_name, "officer_phone": f", số điện thoại {actor.phone}" if actor.phone else ""}
    return _store(session, settings, dossier, SUPPLEMENT_REQUEST, values, now, actor=actor, notify=notify)


def refusal(session: Session, settings: Settings, dossier: Dossier, reasons: list[str], actor: User,
            now: datetime, notify: dict | None = None) -> SigningRequest:
    """Mẫu 03 (D8): the concrete reasons, as the officer wrote them."""
    values = {**party(dossier), "refused_at": when(now), "reasons": list(reasons), "officer": actor.full_name}
    return _store(session, settings, dossier, REFUSAL, values, now, actor=actor, notify=notify)


def stop_notice(session: Session, settings: Settings, dossier: Dossier, reason: str, actor: User,
                now: datetime, notify: dict | None = None) -> SigningRequest:
    """Thông báo dừng giải quyết hồ sơ (D16; TT 03/2025 Mẫu 05). The caller stops the dossier itself."""
    regime = regime_of(dossier, now)
    basis = ("Điều 21 " if regime is TT03_2025 else "") + regime.decree
    # The one-stop issues it under the agency's seal: a withdrawal is the citizen's request, not the citizen's
    # notice, so no officer is named then (the citizen was printed as "Người lập thông báo")
    officer = actor if actor is not None and actor.roles & OFFICER_ROLES else None
    values = {**party(dossier), "addressee": dossier.owner_name, "received_at": when(dossier.received_at),
              "stopped_at": when(now), "reason": reason, "basis": basis,
              "officer": officer.full_name if officer is not None else None}
    return _store(session, settings, dossier, STOP_NOTICE, values, now, actor=officer, notify=notify)


def handover_slip(session: Session, settings: Settings, dossier: Dossier, values: dict, now: datetime
                  ) -> SigningRequest:
    """The Phiếu chuyển hồ sơ liên thông (D33) of ``dossier``, sealed by its agency after the commit."""
    return _store(session, settings, dossier, HANDOVER_SLIP, {**party(dossier), **values}, now, actor=None)


def issue_for_action(session: Session, settings: Settings, dossier: Dossier, step: str, action: str, data: dict,
                     actor: User, now: datetime) -> SigningRequest | None:
    """The form an officer's action issues, stored on the dossier: 01 at ``receive``, 02 at
    ``request_supplement``, 03 at ``refuse`` in the intake step (each a request, issued after the commit);
    None for other actions. Call it after the
    action's effects (status, deadlines and the supplement count are read from the dossier)."""
    if action == "receive":
        return receipt(session, settings, dossier, actor, now)
    if action == "request_supplement":
        return supplement_request(session, settings, dossier, "intake" if step == "intake" else "processing",
                                  data, actor, now)
    if action == "refuse" and step == "intake":
        return refusal(session, settings, dossier, data["reasons"], actor, now)
    return None

