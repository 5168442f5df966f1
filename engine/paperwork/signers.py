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
from engine.core.vocabulary import has_control

from . import signatures
from .signatures import SigningFailed, SigningPending  # noqa: F401 - where callers meet them

METHODS = ("pkcs12", "pkcs11", "csc")
DEFAULT_METHOD = {"kind": "pkcs12"}


def check_method(method: dict) -> dict:
    """The method as stored, or SigningFailed naming what is wrong with it: its kind, and the parts that kind
    cannot sign without (`tthc pki method` stored a token without its labels, a remote service without its
    address or credential, and every signature of the officer failed later)."""
    kind = (method or {}).get("kind")
    if kind not in METHODS:
        raise SigningFailed(f"Phương thức ký số không hợp lệ: {kind!r} (chọn một trong {', '.join(METHODS)})",
                            code="bad_signing_method")
    problem = _part_problem(method)
    if problem:
        raise SigningFailed(problem, code="bad_signing_method")
    return method


def _part_problem(method: dict) -> str | None:
    def text(part: str) -> bool:
        return isinstance(method.get(part), str) and bool(method[part].strip())

    if method["kind"] == "pkcs11":
        missing = [p for p in ("token", "key") if not text(p)]
        if missing:  # the words of engine.paperwork.tokens, which checks it again when signing
            return f"Phương thức ký bằng thiết bị thiếu “{missing[0]}” (nhãn thiết bị, nhãn khóa)"
    if method["kind"] == "csc":
        url = method.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not url.split("://", 1)[1] \
                or not (text("credential") or type(method.get("credential")) is int) \
                or method.get("version", "v1") not in ("v1", "v2"):  # as engine.paperwork.remote checks it
            return ("Phương thức ký số từ xa cần “url” (http/https), “credential” và “version” v1 hoặc v2 "
                    "nếu có")
    return None


def open_signer(method: dict, *, pin: str | None, default_file: Path, settings=None, reference: str | None = None,
                description: str | None = None):
    """A pyHanko signer for ``method``; ``default_file`` is the holder's PKCS#12 file in the PKI folder.

    ``settings`` gives the default PKCS#11 module (``pkcs11_module``). For remote signing, the first call
    (``reference`` None) asks the service for the signer's confirmation of ``description`` (what is signed, as
    the signer's phone shows it) and raises SigningPending with the reference to call again with; a call
    with that reference signs once the signer agreed (engine.paperwork.remote).
    """
    method = check_method(method or DEFAULT_METHOD)
    if pin is not None and has_control(pin):  # no device's PIN; a NUL panics OpenSSL
        raise SigningFailed("Mã PIN không đúng (mã PIN không có ký tự điều khiển)", code="wrong_pin")
    if method["kind"] == "pkcs12":
        if not pin:
            raise SigningFailed("Cần nhập mã PIN của khóa ký số", code="pin_required")
        try:
            return signatures._signer(Path(method.get("file") or default_file), pin)
        except Invalid as exc:
            raise SigningFailed(exc.message, code=exc.code) from exc
    if method["kind"] == "pkcs11":
        from . import tokens

        return tokens.open_token_signer(method, pin, getattr(settings, "pkcs11_module", None) or None)
    from . import remote

    return remote.open_remote_signer(method, reference=reference, description=description, pin=pin)
