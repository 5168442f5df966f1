"""The one-stop's ``return`` of the result; a late result goes with the head's apology letter (D19)."""
from __future__ import annotations

from engine.cases import notices
import hashlib

from engine.core.errors import Invalid, NotFound
from engine.law.statuses import RESOLVED, RETURNED
from engine.paperwork import documents, results

from . import guards
from .declare import Action, Facts, StepKind


def result_still_valid(f: Facts) -> None:
    """D22: the result handed over (online, by post or at the desk) is verified again: its stored bytes are the
    ones issued and every signature in it is valid now; a tampered or broken result is not returned.

    The bytes are checked every time (their hash against the one recorded when the result was verified). A
    verdict recorded for those very bytes is reused while it holds (``valid_until``: the certificates' end,
    unless a timestamp proves the time of signing): integrity, the document's changes and the chain are facts
    of the bytes, which are unchanged. The PDF is verified afresh when the verdict may have changed since: a
    certificate past its end, revocation sources configured (a certificate may have been revoked since), or no
    recorded verdict (results stored before it was kept)."""
    result = results.current(f.session, f.dossier, "result")
    problem = "chưa có kết quả đã ban hành" if result is None else None
    if result is not None:
        try:
            content = documents.read(f.ctx.settings.data_dir, result)
        except NotFound:
            content = None
        if content is None or hashlib.sha256(content).hexdigest() != result.sha256:
            problem = "tệp kết quả đã bị thay đổi hoặc mất sau khi ban hành"
        else:
            problem = _recorded_problem(f, result)
            if problem is _AFRESH:
                checks = results.verify(f.ctx.settings, content, f.now)
                bad = [c.message for c in checks if not c.valid]
                problem = "; ".join(bad) if bad else (None if checks else "kết quả không có chữ ký số")
    if problem:
        raise Invalid(f"Không thể trả kết quả: {problem} (theo Nghị định 45/2020/NĐ-CP)",
                      code="result_not_valid", rule="D22")


_AFRESH = "afresh"  # the recorded verdict does not settle it: verify the PDF


def _recorded_problem(f: Facts, result) -> str | None:
    recorded = results.signatures_of(f.session, result)
    if not recorded:
        return "kết quả không có chữ ký số"
    bad = [s.message for s in recorded if not s.valid]
    if bad:
        return "; ".join(bad)
    if f.ctx.settings.crl_url or any(s.valid_until is None or f.now > s.valid_until for s in recorded):
        return _AFRESH
    return None


# The return form's ``hinh_thuc_tra`` (forms/tra-ket-qua.schema.json) for each return channel a citizen chooses (D23)
RETURN_FORM_VALUES = {"online": "online", "post": "buu_chinh", "desk": "truc_tiep"}


def chosen_return(dossier, schema: dict) -> dict:
    """The return form filled with the channel the citizen chose (D23), where the form asks for it."""
    prop = (schema.get("properties") or {}).get("hinh_thuc_tra")
    value = RETURN_FORM_VALUES.get(dossier.return_via)
    if not isinstance(prop, dict) or value not in (prop.get("enum") or [value]):
        return {}
    return {"hinh_thuc_tra": value}


def _how(f: Facts) -> str:
    """The return form's ``hinh_thuc_tra``; where the form does not say, as the citizen chose (D23)."""
    how = f.data.get("hinh_thuc_tra") if isinstance(f.data, dict) else None
    return how if how in RETURN_FORM_VALUES.values() else RETURN_FORM_VALUES.get(f.dossier.return_via, "online")


CHOSEN_WAYS = {"online": "trực tuyến, trên tài khoản của người nộp tại Cổng Dịch vụ công",
               "post": "qua bưu chính công ích", "desk": "trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả"}


def returned_as_chosen(f: Facts) -> None:
    """D23: the result goes the way the citizen chose: by post only when they chose the post, to the dossier's
    return address; online (in their account) only when they chose online. A hand-over at the desk is always
    possible: the citizen (or their representative) came in person. Anything else is refused, saying the choice."""
    how, chosen, address = _how(f), f.dossier.return_via, f.dossier.return_address
    if how == "truc_tiep" or (how == RETURN_FORM_VALUES.get(chosen) and (how != "buu_chinh" or address)):
        return
    said = f"Công dân đã chọn nhận kết quả {CHOSEN_WAYS.get(chosen, chosen)}"
    if chosen == "post":
        said += f", đến địa chỉ: {address}" if address else " nhưng hồ sơ không có địa chỉ nhận kết quả"
    raise Invalid(f"{said}; trả theo cách công dân đã chọn, hoặc trao trực tiếp tại Bộ phận Một cửa khi công dân "
                  "(hoặc người đại diện) đến nhận (theo Nghị định 45/2020/NĐ-CP)",
                  code="return_channel_mismatch", rule="D23", fields={"hinh_thuc_tra": said})


def return_result(f: Facts) -> None:
    f.dossier.returned_at = f.now
    how = _how(f)  # D23: the citizen is told where
    notices.notify(f.session, f.ctx.settings, "returned", now=f.now, dossier=f.dossier,
                   context={"how": how, "address": f.dossier.return_address if how == "buu_chinh" else None})


KIND = StepKind("return", (
    Action("return_result", frozenset({"receiving_officer"}), frozenset({RESOLVED}),
           moves=(("return_result", RETURNED),),
           guards=(guards.apology_before_late_return, result_still_valid, returned_as_chosen),
           handler=return_result),
))
