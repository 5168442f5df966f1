"""Remote signing over the Cloud Signature Consortium API (v1): the client side.

A method ``{"kind": "csc", "url": BASE, "credential": ID, "token"?: OAUTH_TOKEN, "version"?: "v1"|"v2"}``
names the service (the part before ``/csc/v1/...``) and the signer's credential there. The signer confirms each signature on their own
device; that may take minutes, so opening the signer is done in two calls (the service side and the codes are
described in engine.web.cscservice):

1. ``open_remote_signer(method, reference=None, description=...)`` asks the service to authorize one signature
   (``credentials/authorize`` with a fresh random reference as ``clientData``) and raises
   ``SigningPending(message, reference)``: the caller keeps the reference and signs nothing;
2. ``open_remote_signer(method, reference=REF)`` asks again: while the signer has not answered, SigningPending
   again (same reference); refused or expired: SigningFailed; agreed: a pyHanko signer whose one signature
   is made by ``signatures/signHash`` with the activation data (SAD) the service gave.

A service that needs no confirmation answers the first call with a SAD, and signing goes on at once.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import urllib.error
import urllib.request

from engine.core import loops

from .signatures import SigningFailed, SigningPending

TIMEOUT = 30  # seconds for one call to the service
PENDING = "Đang chờ người ký xác nhận trên thiết bị của mình (ký số từ xa)"


def _post(url: str, payload: dict, token: str | None) -> tuple[int, dict]:
    """One JSON call; (status, body). Connection failures are SigningFailed."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SigningFailed(f"Không kết nối được dịch vụ ký số từ xa ({url}): {exc}",
                            code="remote_unreachable") from None
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        data = {}
    return status, data if isinstance(data, dict) else {}


def _session_info(method: dict):
    from pyhanko.sign.signers.csc_signer import CSCServiceSessionInfo

    url, credential, version = method.get("url"), method.get("credential"), method.get("version", "v1")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not credential \
            or version not in ("v1", "v2"):
        raise SigningFailed("Phương thức ký số từ xa cần “url” (http/https), “credential” và “version” v1 hoặc v2 "
                            "nếu có", code="bad_signing_method")
    return CSCServiceSessionInfo(url.rstrip("/"), str(credential), oauth_token=method.get("token") or None,
                                 api_ver=version)


def _credential(session_info):
    import aiohttp
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers.csc_signer import fetch_certs_in_csc_credential

    async def fetch():
        async with aiohttp.ClientSession() as http:
            return await fetch_certs_in_csc_credential(http, session_info, timeout=TIMEOUT)

    try:
        return loops.outside_loop(asyncio.run, fetch())  # the caller's thread may run a loop: engine.core.loops
    except SigningError as exc:
        if not isinstance(exc.__cause__, aiohttp.ClientResponseError):  # no answer at all
            raise SigningFailed(f"Không kết nối được dịch vụ ký số từ xa ({session_info.service_url})",
                                code="remote_unreachable") from None
        raise SigningFailed(f"Dịch vụ ký số từ xa không cho biết chứng thư số của “{session_info.credential_id}”"
                            f" ({exc})", code="remote_credential_unknown") from None


def _authorize(session_info, reference: str, description: str | None, pin: str | None) -> dict:
    payload = {"credentialID": session_info.credential_id, "numSignatures": 1, "clientData": reference,
               "description": (description or "Ký số văn bản")[:500]}
    if pin:
        payload["PIN"] = pin
    status, data = _post(session_info.endpoint_url("credentials/authorize"), payload, session_info.oauth_token)
    if status == 200 and data.get("SAD"):
        return data
    error = data.get("error")
    if error in ("authorization_pending", "slow_down"):
        raise SigningPending(PENDING, reference)
    if error == "access_denied":
        raise SigningFailed("Người ký đã từ chối ký trên thiết bị của mình", code="signing_refused")
    if error == "expired_token":
        raise SigningFailed("Yêu cầu xác nhận ký số đã hết hạn; hãy ký lại để gửi yêu cầu mới",
                            code="confirmation_expired")
    raise SigningFailed(f"Dịch vụ ký số từ xa từ chối: {data.get('error_description') or error or status}",
                        code="remote_refused")


def _signer_class():
    import aiohttp
    from pyhanko.sign.signers.csc_signer import CSCSigner

    class RemoteSigner(CSCSigner):
        """pyHanko's CSC signer with its HTTP session opened in the event loop that signs (pyHanko runs
        each signing in a loop of its own), so that one opened signer outlives no loop."""

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
            if dry_run:
                return bytes(self.est_raw_signature_size)
            async with aiohttp.ClientSession() as http:
                self.session = http
                try:
                    return await super().async_sign_raw(data, digest_algorithm)
                finally:
                    self.session = None

    return RemoteSigner


def open_remote_signer(method: dict, *, reference: str | None = None, description: str | None = None,
                       pin: str | None = None):
    """A signer once the signer agreed; SigningPending(message, reference) until then (see the module)."""
    from pyhanko.sign.signers.csc_signer import CSCAuthorizationManager, PrefetchedSADAuthorizationManager

    session_info = _session_info(method)
    credential = _credential(session_info)
    answer = _authorize(session_info, reference or secrets.token_urlsafe(18), description, pin)
    auth = PrefetchedSADAuthorizationManager(session_info, credential,
                                             CSCAuthorizationManager.parse_csc_auth_response(answer))
    return _signer_class()(None, auth, sign_timeout=TIMEOUT)
