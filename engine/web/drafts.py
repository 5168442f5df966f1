"""Forms kept in the browser when a session ended (engine/web/static/js/app.js): whose a kept form is, and what
its page says when it is put back. The pages read both from the base template (engine.web.ui's globals)."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, g
from flask_babel import lazy_gettext as _l

# A form sent when its session was over, opened again (engine/web/static/js/app.js put back what it held).
DRAFT_RESTORED_TEXT = _l("Biểu mẫu đã được điền lại với những gì bạn đã nhập trước khi phiên làm việc hết hạn. "
                         "Hãy kiểm tra lại, chọn lại tệp đính kèm (nếu có) rồi gửi.")


def draft_owner() -> str:
    """Whose a form kept in the browser is (engine/web/static/js/app.js puts it back only for the same person, so
    that the next person at a shared computer or kiosk never sees it): a short keyed hash of the signed-in
    user's id, the same on every page of theirs and telling nothing of who they are; empty when no one is."""
    user = g.get("user")
    if user is None:
        return ""
    key = str(current_app.secret_key or "").encode()
    return hmac.new(key, f"draft:{user.id}".encode(), hashlib.sha256).hexdigest()[:16]
