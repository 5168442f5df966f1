"""How a signer's key is reached (D35): a personal signature is made with the signer's own key and consent.

A signing method is data, kept per officer (and per agency for the seal):

- ``{"kind": "pkcs12", "file"?: PATH}``: a PKCS#12 key file unlocked by the signer's PIN at signing time
  (the demo default; without ``file``, the holder's file in the configured PKI folder);
- ``{"kind": "pkcs11", "module": PATH, "token": LABEL, "key": LABEL}``: a USB token or HSM (PKCS#11), the
  PIN given at signing time;
- ``{"kind": "csc", "url": URL, "credential": ID}``: remote signing over the Cloud Signature Consortium API,
  confirmed by the signer on their own device.

``open_signer`` gives a pyHanko signer for ``engine.paperwork.signatures.sign_pdf_with``; a method that cannot
sign yet (a remote confirmation still awaited) raises ``SigningPending``; one that cannot sign at all raises
``SigningFailed`` with a message for the signer. Neither leaves anything half done: the caller signs nothing.
"""
from __future__ import annotations

from pathlib import Path

from engine.core.errors import Invalid

from . import signatures

METHODS = ("pkcs12", "pkcs11", "csc")
DEFAULT_METHOD = {"kind": "pkcs12"}


class SigningPending(Exception):
    """The signer has not confirmed yet (remote signing): try again later; nothing was signed."""

    def __init__(self, message: str, reference: str | None = None):
        super().__init__(message)
        self.message, self.reference = message, reference


class SigningFailed(Invalid):
    """The key could not sign (wrong PIN, token absent, service refused); nothing was signed."""

    def __init__(self, message: str, code: str = "signing_failed"):
        super().__init__(message, code=code, rule="D35")


def check_method(method: dict) -> dict:
    """The method as stored, or SigningFailed naming what is wrong with it."""
    kind = (method or {}).get("kind")
    if kind not in METHODS:
        raise SigningFailed(f"Phương thức ký số không hợp lệ: {kind!r} (chọn một trong {', '.join(METHODS)})",
                            code="bad_signing_method")
    return method


def open_signer(method: dict, *, pin: str | None, default_file: Path):
    """A pyHanko signer for ``method``; ``default_file`` is the holder's PKCS#12 file in the PKI folder."""
    method = check_method(method or DEFAULT_METHOD)
    if method["kind"] == "pkcs12":
        if not pin:
            raise SigningFailed("Cần nhập mã PIN của khóa ký số", code="pin_required")
        try:
            return signatures._signer(Path(method.get("file") or default_file), pin)
        except Invalid as exc:
            raise SigningFailed(exc.message, code=exc.code) from exc
    raise SigningFailed(f"Phương thức ký số {method['kind']} chưa được cấu hình trên máy chủ này",
                        code="signing_method_unavailable")
