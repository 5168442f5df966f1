"""The notification centre in the pages (the bell's page, mark read), the account page where a person chooses
channels and language, the administrators' page of dead letters, and the JSON API of api.md "Notifications"."""
from __future__ import annotations

import re

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.cases import administration, channels, dispatch, notice_centre, notices
from engine.core.errors import Conflict, Invalid, NotFound
from engine.data.model import Dossier
from engine.data.notice_model import NoticeSetting
from . import ASCII_NUMBER, db, now, transactional, tthc
from .apiedge import authenticated, query_args
from .ui import install_error_pages, login_required, run, safe_next

bp = Blueprint("notices", __name__)
install_error_pages(bp)
api_bp = Blueprint("notices_api", __name__, url_prefix="/api/v1/me/notifications")

DELIVERY_TEXT = {"pending": _l("Đang gửi"), "sent": _l("Đã gửi"), "failed": _l("Gửi không được")}
MAX_API_PAGE = 200  # notices a page of GET /me/notifications at most (``limit``; 20 unless it says)
CHANNEL_TEXT = {"email": _l("Thư điện tử"), "sms": _l("Tin nhắn SMS")}


# Why a dead letter failed, said to the administrator in their language: the text stored (engine.cases.channels'
# SendFailed, the mail or SMS library's own words in English; engine.cases.notices.readdress' Vietnamese) is shown
# as it is only under "details", for whoever fixes the mail server or the SMS contract.
SMTP_FAILURE = re.compile(r"SMTP \S+: (\w+):")
SMS_ANSWER = re.compile(r"SMS provider answered (\d+)")
SMTP_TEXT = {"SMTPRecipientsRefused": _l("Máy chủ thư từ chối địa chỉ người nhận (địa chỉ sai hoặc không còn)."),
             "SMTPSenderRefused": _l("Máy chủ thư từ chối địa chỉ người gửi (kiểm tra cấu hình smtp_from)."),
             "SMTPAuthenticationError": _l("Máy chủ thư từ chối đăng nhập (kiểm tra cấu hình máy chủ thư)."),
             "SMTPDataError": _l("Máy chủ thư từ chối nội dung thư.")}


def failure_text(raw: str | None) -> str:
    """The kind of failure of ``raw`` (a delivery's last_error) in the page's language; empty when none."""
    if not raw:
        return ""
    smtp = SMTP_FAILURE.match(raw)
    if smtp:
        name = smtp.group(1)
        if name in SMTP_TEXT:
            return str(SMTP_TEXT[name])
        if name in ("SMTPServerDisconnected", "SMTPConnectError") or not name.startswith("SMTP"):  # OSError's
            return _("Không kết nối được máy chủ thư (máy chủ tắt, sai địa chỉ hoặc mạng lỗi).")
        return _("Máy chủ thư từ chối thư.")
    answered = SMS_ANSWER.match(raw)
    if answered:
        status = int(answered.group(1))
        if status >= 500:
            return _("Nhà cung cấp SMS đang gặp sự cố (mã %(status)s).", status=status)
        return _("Nhà cung cấp SMS từ chối tin nhắn (mã %(status)s): kiểm tra số điện thoại và hợp đồng dịch vụ.",
                 status=status)
    if raw.startswith("SMS provider unreachable"):
        return _("Không kết nối được nhà cung cấp SMS.")
    if raw.endswith("channel is not configured"):
        return _("Kênh gửi chưa được cấu hình trên máy chủ.")
    if raw.startswith("Người nhận không còn"):
        return _("Người nhận không còn địa chỉ trên kênh này.")
    if raw.startswith("Mã đã hết hiệu lực"):
        return _("Mã đã hết hiệu lực: tài khoản đã được giao cho người có thẻ CCCD.")
    return _("Lỗi khác khi gửi.")


def _before_arg(name: str = "before", *, empty_is_first: bool = False) -> int | None:
    """The paging cursor ``name`` of the query; absent is the first page, and so is an empty one on the pages
    (``empty_is_first``: ``?truoc=``, as a form or an edited link sends it); the API refuses an empty one."""
    raw = request.args.get(name)
    if raw is None or (raw == "" and empty_is_first):
        return None
    if not ASCII_NUMBER.match(raw) or int(raw) > 2**31 - 1:
        raise Invalid("Tham số phân trang không hợp lệ", fields={name: "Một số nguyên dương"})
    return int(raw)


# -- API --------------------------------------------------------------------------------------------------
@api_bp.get("")
@authenticated
def list_notifications():
    raw = request.args.get("limit", str(notice_centre.PAGE))
    if not ASCII_NUMBER.match(raw) or not 1 <= int(raw) <= MAX_API_PAGE:
        raise Invalid(f"Tham số 'limit' là số từ 1 đến {MAX_API_PAGE}", fields={"limit": f"Số từ 1 đến {MAX_API_PAGE}"})
    rows, next_before = notice_centre.page(db(), g.user, _before_arg(), limit=int(raw))
    response = jsonify([notice_centre.describe(n, code) for n, code in rows])
    if next_before is not None:  # the same query for the older ones (RFC 8288), as GET /tasks
        query = {**query_args(), "before": next_before}
        response.headers["Link"] = f'<{url_for("notices_api.list_notifications", **query)}>; rel="next"'
    return response


@api_bp.post("/<int:notice_id>/read")
@authenticated
@transactional
def read_notification(notice_id: int):
    notice = notice_centre.mark_read(db(), g.user, notice_id, now())
    dossier = db().get(Dossier, notice.dossier_id) if notice.dossier_id is not None else None
    return jsonify(notice_centre.describe(notice, dossier.code if dossier is not None else None))


# -- pages ------------------------------------------------------------------------------------------------
@bp.get("/thong-bao")
@login_required()
def centre():
    rows, next_before = notice_centre.page(db(), g.user, _before_arg("truoc", empty_is_first=True))
    shown = [notice_centre.describe(n, code) for n, code in rows]
    return render_template("notices/centre.html", rows=shown, next_before=next_before,
                           first=not request.args.get("truoc"), DELIVERY_TEXT=DELIVERY_TEXT,
                           CHANNEL_TEXT=CHANNEL_TEXT)


@bp.post("/thong-bao/<int:notice_id>/da-doc")
@login_required()
def read(notice_id: int):
    notice = run(notice_centre.mark_read, db(), g.user, notice_id, now())
    target = request.form.get("open")
    if target == "1" and notice.link:
        return redirect(notice.link)
    return redirect(safe_next(request.form.get("next")) or url_for("notices.centre"))


@bp.post("/thong-bao/da-doc-tat-ca")
@login_required()
def read_all():
    run(notice_centre.mark_all_read, db(), g.user, now())
    flash(_("Đã đánh dấu mọi thông báo là đã đọc."), "success")
    return redirect(url_for("notices.centre"))


@bp.route("/tai-khoan", methods=["GET", "POST"])
@login_required()
def account():
    settings = tthc()["settings"]
    if request.method == "POST":
        language = request.form.get("language")
        if language not in notices.LANGUAGES:
            language = None
        run(notices.choose, db(), g.user, language=language, email_on=request.form.get("email_on") == "1",
            sms_on=request.form.get("sms_on") == "1")
        flash(_("Đã lưu cách nhận thông báo."), "success")
        return redirect(url_for("notices.account"))
    choice = db().get(NoticeSetting, g.user.id)
    return render_template("notices/account.html", choice=choice, configured=channels.configured(settings))


def _scope_ids():
    """The agencies the signed-in administrator administers (None: the whole province)."""
    return None if administration.scope(db(), g.user) is None else administration.agency_ids(db(), g.user)


@bp.get("/quan-tri/thong-bao")
@login_required("administrator")
def dead_letters():
    """The dead letters of the administrator's scope, each with where "send again" would send it now (D28: the
    person's current address, which may differ from the one it failed at) and why it failed. A one-time code is
    listed, masked, without "send again": it has most often expired by then, and the person asks a new one."""
    rows = dispatch.dead_letters(db(), before_id=_before_arg("truoc", empty_is_first=True),
                                 agency_ids=_scope_ids())
    return render_template("notices/dead.html", rows=rows, configured=channels.configured(tthc()["settings"]),
                           CHANNEL_TEXT=CHANNEL_TEXT, unlisted=notices.UNLISTED,  # a code is never shown
                           addresses=dispatch.resend_addresses(db(), rows), failure_text=failure_text)


@bp.post("/quan-tri/thong-bao/<int:delivery_id>/gui-lai")
@login_required("administrator")
def resend(delivery_id: int):
    try:
        if not run(dispatch.retry, db(), delivery_id, now(), actor=g.user, agency_ids=_scope_ids()):
            raise NotFound("Không tìm thấy thư không gửi được", code="dead_letter_not_found")
    except Conflict as exc:  # no address on its channel any more: said on the list, which stays as it was
        flash(str(exc), "error")
    else:
        flash(_("Đã đưa thông báo vào hàng đợi gửi lại."), "success")
    return redirect(url_for("notices.dead_letters"))
