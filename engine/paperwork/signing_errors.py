"""Why a signature could not be made, in the signer's words (D35; issue #12: "a failure leaves the request pending
with a clear message, never a half-issued result").

Signing may wait on services beside the key: the timestamp authority (TSA, RFC 3161, setting ``tsa_url``) and the
revocation sources the certificates name (CRL, OCSP, setting ``crl_url``). When one of them cannot be reached or
refuses, nothing is signed; the caller (engine.paperwork.signatures.sign_pdf_with) turns the text given here into
SigningFailed, the same refusal (422 signing_failed) as any other failed signature, so the request stays to be
signed again. pyHanko's own English reason goes to the operator's log only.
"""
from __future__ import annotations

import logging
import socket

log = logging.getLogger(__name__)

TSA_DOWN = ("Không kết nối được máy chủ cấp dấu thời gian (TSA) hoặc máy chủ này không cấp dấu thời gian; "
            "văn bản chưa được ký, vui lòng thử lại sau")
SERVICE_DOWN = ("Không kết nối được dịch vụ cần cho chữ ký số (máy chủ cấp dấu thời gian hoặc tra cứu thu hồi "
                "chứng thư số); văn bản chưa được ký, vui lòng thử lại sau")


def reason(exc: BaseException, tsa: bool) -> str:
    """The Vietnamese reason for ``exc``: pyHanko's refusal (SigningError: a certificate whose revocation could
    not be checked among them) or a device's (PKCS11Error), said as it is; a service that could not be reached
    (an OSError: sockets, timeouts, HTTP clients; ``tsa``: pyHanko's TimestampRequestError, also an OSError),
    said plainly, its detail logged for the operator."""
    if not isinstance(exc, OSError):
        return f"Không ký được: {exc}"
    if not (tsa or _network(exc)):  # a file, a disk, a device node: not a service, said as it is
        log.warning("signing failed: %s: %s", type(exc).__name__, exc)
        return f"Không ký được: lỗi hệ thống ({type(exc).__name__}); vui lòng thử lại sau hoặc báo quản trị viên"
    log.warning("signing failed: %s unreachable or refused: %s: %s", "TSA" if tsa else "a service",
                type(exc).__name__, exc)
    return TSA_DOWN if tsa else SERVICE_DOWN


_NETWORK_LIBRARIES = {"requests", "aiohttp", "urllib3", "http"}


def _network(exc: OSError) -> bool:
    """A connection, a timeout, a name that does not resolve, or an HTTP client's error (their errors are OSErrors
    too): a service could not be reached."""
    return (isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror))
            or type(exc).__module__.split(".")[0] in _NETWORK_LIBRARIES)
