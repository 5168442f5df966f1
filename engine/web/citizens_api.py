"""JSON API of citizen accounts made at the desk and of their administration (../shared/api.md, "Accounts")."""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from werkzeug.routing import BaseConverter

from engine.cases import citizens, notices
from engine.core.errors import Invalid
from engine.core.vocabulary import CCCD_RE
from . import db, now, transactional, tthc
from .apiedge import authenticated, body, idempotent

bp = Blueprint("citizens_api", __name__, url_prefix="/api/v1")


class LoginName(BaseConverter):
    """A citizen's user name: the CCCD, with a suffix for a second account of it (D3); "desk" is not one."""

    regex = CCCD_RE.pattern.removesuffix("\\Z") + r"(?:\.[0-9]{1,4})?"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("login_name", LoginName))


@bp.post("/citizens/desk")
@authenticated
@transactional
@idempotent
def desk():
    """A walk-in citizen's account, made by the receiving officer; the activation code goes to the citizen.
    took_over: an account the citizen (or someone) registered online with the CCCD is now the checked one (its
    old password no longer works); unseated: such an account was locked or cancelled and a new one was made.
    The same request again: with the same Idempotency-Key the first answer, without one 409 account_exists.
    sent_to: the channels that carry the code (notices.code_channels); activation_sent: whether any does (false:
    the service has no mail server or SMS gateway for the citizen's addresses; the account is made all the same,
    and a new code can be asked for once one is configured)."""
    settings = tthc()["settings"]
    made = citizens.create_at_desk(db(), settings, now(), g.user, body())
    sent_to = notices.code_channels(settings, made.user)
    return jsonify({**citizens.describe(made.user), "activation_sent": bool(sent_to), "sent_to": sent_to,
                    "took_over": made.took_over, "unseated": made.unseated}), 201


@bp.patch("/citizens/<login_name:cccd>")
@authenticated
@transactional
def change(cccd: str):
    """Suspend (active false), reinstate (active true) or cancel (cancelled true) with a reason."""
    data = body()
    citizens.administer(db(), g.user)  # the province's administrators, before anything about the account is said
    user = citizens.citizen(db(), username=cccd[:64])
    errors = {k: "Phải là true hoặc false" for k in ("active", "cancelled")
              if k in data and not isinstance(data[k], bool)}
    if errors:
        raise Invalid("Dữ liệu không hợp lệ", fields=errors)
    if data.get("cancelled") is True:
        what = "cancel"
    elif data.get("cancelled") is False and user.cancelled_at is not None:
        what = "reinstate"  # refused below: a cancelled account stays cancelled
    elif "active" in data:
        what = "reinstate" if data["active"] else "suspend"
    else:
        raise Invalid("Cần active hoặc cancelled", fields={"active": "Bắt buộc (hoặc cancelled)"})
    citizens.change(db(), tthc()["settings"], now(), g.user, user, what, data.get("reason"))
    return jsonify(citizens.describe(user))
