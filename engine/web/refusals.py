"""The engine's refusals as an HTML page says them, in the page's language.

The engine's refusals (engine.core.errors) say their message in Vietnamese, which the JSON API keeps (api.md).
An English page says instead the generic sense of the refusal's code, for the codes people meet most; the
engine's own words (which may name who, when or what) follow in smaller print (templates error.html and
macros.html error_summary). A refusal whose code the table does not know (or without a code) is said by its
message, in English when engine.web.field_messages knows it (the refusals of a form, the filing and account
refusals people meet). Vietnamese pages show the engine's message as it is.
"""
from __future__ import annotations

from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from .field_messages import MESSAGE_TEXT, english
from .field_messages_officer import english_parts

REFUSAL_TEXT = {
    "dossier_not_found": _l("Không tìm thấy hồ sơ"),
    "task_not_found": _l("Không tìm thấy công việc"),
    "document_not_found": _l("Không tìm thấy giấy tờ"),
    "procedure_not_found": _l("Không tìm thấy thủ tục"),
    "version_not_found": _l("Không tìm thấy phiên bản của thủ tục"),
    "agency_not_found": _l("Không tìm thấy cơ quan"),
    "officer_not_found": _l("Không tìm thấy cán bộ"),
    "payment_not_found": _l("Không tìm thấy khoản thanh toán"),
    "signing_request_not_found": _l("Không tìm thấy yêu cầu ký số"),
    "wrong_role": _l("Công việc này thuộc vai trò khác"),
    "task_completed": _l("Công việc này đã được hoàn thành"),
    "task_taken": _l("Công việc đang do người khác xử lý"),
    "task_not_ready": _l("Công việc này không còn chờ xử lý"),
    "not_assignee": _l("Chỉ người đang giữ công việc mới trả lại được"),
    "illegal_transition": _l("Hồ sơ không thể chuyển sang trạng thái đó từ trạng thái hiện tại"),
    "dossier_closed": _l("Hồ sơ đã kết thúc hoặc đã trả kết quả; không thể thực hiện thao tác này"),
    "dossier_suspended": _l("Hồ sơ đang tạm dừng; không thể thực hiện thao tác này"),
    "process_unreadable": _l("Không đọc được trạng thái quy trình đã lưu của hồ sơ; không thể chuyển hồ sơ sang "
                             "phiên bản khác"),
    "handover_callee_fee": _l("Không chuyển liên thông được: thủ tục của cơ quan liên thông thu phí, lệ phí trước "
                              "khi trả kết quả mà công dân không thấy hồ sơ liên thông để nộp; đề nghị quản trị "
                              "viên bỏ phí này khỏi thủ tục đó rồi thực hiện lại."),
    "document_rendering": _l("Văn bản đang được phát hành; chạy lại sau ít phút nếu vẫn lỗi"),
    "register_too_long": _l("Sổ theo dõi của khoảng thời gian này quá dài để lập bản PDF; hãy chọn khoảng thời "
                            "gian ngắn hơn hoặc xuất định dạng XLSX."),
    "not_administrator": _l("Chỉ quản trị viên được làm việc này."),
    "outside_your_agencies": _l("Việc này nằm ngoài phạm vi các cơ quan bạn quản trị."),
    "already_rated": _l("Hồ sơ này đã được đánh giá"),
    "procedure_suspended": _l("Thủ tục này đang tạm ngừng tiếp nhận hồ sơ; vui lòng quay lại sau."),
    "no_payment_due": _l("Hồ sơ không có khoản phí nào đang chờ thanh toán"),
    "payment_not_pending": _l("Khoản phí không còn chờ thanh toán"),
    "payment_order_open": _l("Giao dịch thanh toán trước của bạn vẫn còn hiệu lực; hãy chờ kết quả, hoặc xác nhận "
                             "giao dịch đó không trừ tiền rồi thanh toán lại."),
    "already_current": _l("Phiên bản hiện hành đã có đúng nội dung này; không cần khôi phục."),
    "refund_not_found": _l("Khoản phí này không có tiền phải hoàn trả"),
    "refund_already_given": _l("Khoản tiền này đã được ghi nhận hoàn trả"),
    "signing_request_closed": _l("Văn bản này đã được ký hoặc không còn chờ ký"),
    "reissue_pending": _l("Kết quả cấp lại trước đang chờ ký số"),
    "signer_not_competent": _l("Người ký không còn thẩm quyền ký văn bản này"),
    "account_locked": _l("Tài khoản bị khóa"),
    # the sign-in, registration and account pages (engine.cases.accounts, portal_cases, citizens)
    "bad_credentials": _l("Tên đăng nhập hoặc mật khẩu không đúng"),
    "locked_out": _l("Tài khoản tạm khóa vì đăng nhập sai nhiều lần; vui lòng thử lại sau."),
    "cccd_taken": _l("Số CCCD này đã có tài khoản"),
    "citizen_not_found": _l("Không tìm thấy tài khoản công dân"),
    "account_cancelled": _l("Tài khoản đã bị hủy; không thể thay đổi."),
    # the filing page: the receiving agency among those offering the procedure (D29, engine.cases.offers)
    "agency_required": _l("Thủ tục được nhiều cơ quan tiếp nhận: chọn cơ quan nộp hồ sơ"),
    "agency_not_offering": _l("Cơ quan này không tiếp nhận thủ tục"),
    "procedure_not_offered": _l("Thủ tục chưa được cơ quan nào tiếp nhận"),
    "document_altered": _l("Giấy tờ trong kho đã bị thay đổi; vui lòng tải tệp lên"),
    # paying a fee online (engine.cases.payments)
    "no_gateway": _l("Cơ quan chưa có cổng thanh toán trực tuyến; vui lòng nộp phí tại Bộ phận Một cửa"),
    "too_many_attempts": _l("Thử sai quá nhiều lần; vui lòng thử lại sau"),
    "return_channel_mismatch": _l("Kết quả được trả theo cách công dân đã chọn, hoặc trao trực tiếp tại Bộ phận Một cửa"),
    "result_at_desk": _l("Kết quả của thủ tục này chỉ trao trực tiếp tại cơ quan; không trả trực tuyến hoặc qua bưu chính"),
    "apology_other_agency": _l("Thư xin lỗi này do thủ trưởng cơ quan đang giữ hồ sơ khi quá hạn ký"),
    # the officers' pages: the task page, the desk (fees, citizen accounts), the overdue apology, the reissue
    "wrong_amount": _l("Số tiền không đúng số tiền phải nộp"),
    "fee_not_computable": _l("Không tính được phí, lệ phí của hồ sơ"),
    "unknown_component": _l("Thành phần hồ sơ không có trong danh mục của thủ tục"),
    "not_receiving_officer": _l("Chỉ cán bộ tiếp nhận tạo được tài khoản công dân tại quầy."),
    "cccd_standardised_elsewhere": _l("Tài khoản bị khóa vì số CCCD đã được chuẩn hóa cho một tài khoản khác"),
    "letter_exists": _l("Hồ sơ đã có thư xin lỗi vì quá hạn"),
    "no_extension_pending": _l("Không có đề nghị gia hạn đang chờ xác nhận"),
    "no_result": _l("Hồ sơ chưa có kết quả đã ban hành để cấp lại"),
    "result_not_signed": _l("Kết quả chưa có chữ ký số hợp lệ của người có thẩm quyền; chưa thể ban hành"),
    "result_awaiting_signature": _l("Kết quả đang chờ ký số; văn thư ban hành sau khi văn bản được ký"),
    "result_not_valid": _l("Chưa thể trả kết quả"),
    "no_signer": _l("Cơ quan chưa có tài khoản người ký văn bản này"),
    "document_missing": _l("Tệp của tài liệu không còn trong kho lưu trữ"),
    # signing (engine.paperwork: signers, tokens, remote, signatures, results): the signing page, the task page
    "wrong_pin": _l("Mã PIN không đúng"),
    "pin_required": _l("Cần nhập mã PIN"),
    "pin_locked": _l("Thiết bị ký số đã bị khóa do nhập sai PIN nhiều lần"),
    "token_missing": _l("Không thấy thiết bị ký số: hãy cắm thiết bị rồi thử lại"),
    "token_busy": _l("Thiết bị ký số đang bận với một lần ký khác; vui lòng thử lại"),
    "token_error": _l("Thiết bị ký số báo lỗi"),
    "token_ambiguous": _l("Có nhiều thiết bị ký số cùng nhãn"),
    "token_key_missing": _l("Không thấy khóa ký trên thiết bị ký số"),
    "token_key_exists": _l("Thiết bị ký số đã có khóa với nhãn này"),
    "token_module_missing": _l("Máy chủ chưa có thư viện PKCS#11 cho thiết bị ký số"),
    "bad_signing_method": _l("Phương thức ký số không hợp lệ"),
    "remote_unreachable": _l("Không kết nối được dịch vụ ký số từ xa"),
    "remote_refused": _l("Dịch vụ ký số từ xa từ chối ký"),
    "remote_credential_unknown": _l("Dịch vụ ký số từ xa không cho biết chứng thư số của người ký"),
    "signing_refused": _l("Người ký đã từ chối ký trên thiết bị của mình"),
    "confirmation_expired": _l("Yêu cầu xác nhận ký số đã hết hạn; hãy ký lại để gửi yêu cầu mới"),
    "no_certificate": _l("Chưa có chứng thư số để ký (tthc pki init)"),
    "bad_key": _l("Không mở được khóa ký số: mã PIN hoặc mật khẩu khóa không đúng"),
    "signature_invalid": _l("Chữ ký vừa tạo không hợp lệ; văn bản chưa được ký"),
    "seal_key_missing": _l("Cơ quan chưa có khóa con dấu số"),
    "seal_invalid": _l("Văn bản chưa có chữ ký số hợp lệ; chưa được ban hành"),
    # the administration pages: versions, offers, agencies and officers, calendar, operations
    "illegal_version_transition": _l("Phiên bản không ở trạng thái cho phép thao tác này"),
    "no_such_action": _l("Không có thao tác này"),
    "invalid_definition": _l("Quy trình có lỗi, chưa được triển khai"),
    "invalid_office_hours": _l("Giờ làm việc không hợp lệ"),
    "fee_not_local": _l("Thủ tục không cho cơ quan tự quy định mức phí này"),
    "too_many_offers": _l("Quá nhiều cơ quan"),
    "agency_exists": _l("Đã có cơ quan với mã định danh này"),
    "username_taken": _l("Tên đăng nhập này đã có người dùng"),
    "cannot_change_yourself": _l("Không tự khóa, đổi vai trò hay chuyển cơ quan của chính mình; nhờ một quản trị "
                                 "viên khác."),
    "wrong_code": _l("Tên đăng nhập hoặc mã không đúng, hoặc mã đã hết hạn. Hãy xin quản trị viên gửi mã mới."),
    "invalid_calendar": _l("Thông báo lịch không hợp lệ"),
    "not_suspended": _l("Hồ sơ không ở trạng thái tạm dừng"),
    "incident_not_found": _l("Không tìm thấy sự cố"),
    "incident_closed": _l("Sự cố này đã được xử lý"),
    # filing for someone (D4): the owner's CCCD names a verified identity the name or birth date does not match
    "owner_identity_mismatch": _l("Thông tin chủ hồ sơ không khớp với danh tính đã xác thực của số CCCD"),
    "too_many_owner_mismatches": _l("Thông tin chủ hồ sơ đã không khớp quá nhiều lần trong 24 giờ; chưa thể nộp "
                                    "thay cho người khác. Hãy kiểm tra lại giấy tờ của chủ hồ sơ, hoặc nộp tại Bộ "
                                    "phận Một cửa"),
    # the clerk's issue of the result with another number than the register's (engine.cases.steps.signing, D22)
    "document_date_mismatch": _l("Ngày ban hành khác ngày ký ghi trên văn bản đã ký; kết quả được ban hành với ngày "
                                 "ký"),
    "document_number_mismatch": _l("Số văn bản khác số đã được cấp khi phê duyệt; kết quả được ban hành với số đã "
                                   "cấp"),
    # the filing of a liên thông's callee part, opened only by another agency's hand-over (engine.cases.filing, D33)
    "handover_only": _l("Thủ tục này chỉ nhận hồ sơ do cơ quan khác chuyển đến theo cơ chế liên thông; không nộp "
                        "trực tiếp"),
    # a closed agency named to process an offer's dossiers (engine.cases.offers, D29)
    "agency_closed": _l("Cơ quan xử lý đã ngừng hoạt động"),
    # a reset of an officer whose email or phone another person changed less than 72 hours ago (engine.cases.staff)
    "contact_recently_changed": _l("Thư điện tử hoặc số điện thoại của tài khoản vừa được quản trị viên thay đổi; "
                                   "chưa thể đặt lại mật khẩu trong 72 giờ sau thay đổi. Cán bộ vẫn đăng nhập được "
                                   "bằng mật khẩu hiện tại và tự đổi mật khẩu."),
    # files added to a dossier outside the filing and an open supplement request (engine.cases.attachments)
    "dossier_not_editable": _l("Hồ sơ hiện không nhận thêm giấy tờ: chỉ đính kèm khi nộp hồ sơ hoặc khi có yêu cầu "
                               "bổ sung đang chờ"),
    "too_many_files": _l("Hồ sơ đã có số tệp đính kèm tối đa; không đính kèm thêm"),
    # the desk's citizen account sent again with the same citizen's facts (engine.cases.citizens, D3)
    "account_exists": _l("Công dân đã có tài khoản với các thông tin này; không tạo tài khoản mới. Hướng dẫn công "
                         "dân dùng trang Quên mật khẩu để nhận mã mới."),
}


class Refusal(str):
    """A refusal's text in the page's language; ``original``: the engine's own (Vietnamese) message, which the
    templates add in smaller print when it is not the text itself."""

    original: str | None = None


def refusal_text(refusal) -> str | None:
    """What an HTML page says of ``refusal`` (an EngineError or a failures.Failure: ``code`` and ``message``): on
    an English page, the English text of its message when it has a part that changes (an instant, a count) and
    field_messages knows it, else the English text of its code when REFUSAL_TEXT has one (a Refusal carrying the
    engine's message), else the English text of its message when field_messages knows it; otherwise, and on every
    Vietnamese page, the engine's message unchanged. Never for the JSON API."""
    message = getattr(refusal, "message", None)
    text = REFUSAL_TEXT.get(getattr(refusal, "code", None) or "")
    if message is None or str(get_locale() or "vi") != "en":
        return message
    if text is None:  # no code the table knows: the message itself, when it is one the pages translate
        said = english(message)  # its working time or instant (D18) in English words too
        return message if said is None else Refusal(english_parts(said))
    # a message with a part that changes (an instant, a count) the tables know: all of it in English, that part too
    known = None if str(message) in MESSAGE_TEXT else english(message)
    if known is not None:
        return Refusal(english_parts(known))
    said = Refusal(str(text))
    with force_locale("vi"):
        said.original = None if message == str(text) else message  # the engine's words, unless the very msgid
    return said
