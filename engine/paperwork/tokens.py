"""USB tokens and HSMs (PKCS#11): opening a signer on a token, and enrolling a token's key in the PKI.

A method ``{"kind": "pkcs11", "module"?: PATH, "token": LABEL, "key": LABEL}`` names the PKCS#11 module (the
vendor's library: the token's driver), the token by its label and the key (and its certificate, stored beside
it on the token under the same label). The module is, in this order: the method's ``module``, the setting
``pkcs11_module``, or the first of ``KNOWN_MODULES`` that exists — the one list of machine paths, Debian's
softhsm2 package (a software token, used by the tests and the demo). Real tokens (VGCA's, Viettel-CA's, ...)
name their vendor's module in the method or the setting.

The PIN is asked of the signer at signing time and given to the token, which checks it; the engine keeps it
nowhere. The key never leaves the token: ``enrol`` has the token make the key pair, the demo CA certify the
public half, and the certificate is stored back on the token, as a provider does when it issues a token.
"""
from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .signatures import SigningFailed

# Debian's softhsm2 (package libsofthsm2): the multiarch-independent link first, then the amd64 and arm64 files.
KNOWN_MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                 "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")


def module_path(method: dict, configured: str | None = None) -> str:
    """The PKCS#11 module for ``method``: its own, the configured one, or a known location that exists."""
    for candidate in (method.get("module"), configured):
        if candidate:
            if not Path(candidate).is_file():
                raise SigningFailed(f"Không tìm thấy thư viện PKCS#11 của thiết bị ký số: {candidate}",
                                    code="token_module_missing")
            return str(candidate)
    for candidate in KNOWN_MODULES:
        if Path(candidate).is_file():
            return candidate
    raise SigningFailed("Máy chủ chưa cài thư viện PKCS#11 cho thiết bị ký số (thiết lập pkcs11_module)",
                        code="token_module_missing")


BUSY_SECONDS = 30  # how long a signing waits for another one on the same token
_token_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_lock = threading.Lock()


def _token_lock(module: str, token_label: str) -> threading.Lock:
    """One signing at a time per token in this process: a PKCS#11 login belongs to the whole process, so a
    second session opened while the first is logged in would sign without its own PIN being checked (the
    token answers "already logged in"); the lock makes every signing log in with its own PIN."""
    with _locks_lock:
        return _token_locks.setdefault((module, token_label), threading.Lock())


def _library(module: str):
    import pkcs11

    try:
        return pkcs11.lib(module)
    except (RuntimeError, OSError) as exc:
        raise SigningFailed(f"Không nạp được thư viện PKCS#11 {module}: {exc}", code="token_module_missing") from exc


def _session(module: str, token_label: str, pin: str, rw: bool = False):
    """A logged-in session on the token labelled ``token_label``, or SigningFailed saying why not."""
    from pkcs11 import exceptions as p11

    if not pin:
        raise SigningFailed("Cần nhập mã PIN của thiết bị ký số", code="pin_required")
    lib = _library(module)
    try:
        token = lib.get_token(token_label=token_label)
    except p11.NoSuchToken:
        raise SigningFailed(f"Không thấy thiết bị ký số “{token_label}”: hãy cắm thiết bị rồi thử lại",
                            code="token_missing") from None
    except p11.MultipleTokensReturned:
        raise SigningFailed(f"Có nhiều thiết bị ký số cùng nhãn “{token_label}”", code="token_ambiguous") from None
    try:
        return token.open(rw=rw, user_pin=pin)
    except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
        raise SigningFailed("Mã PIN của thiết bị ký số không đúng", code="wrong_pin") from None
    except p11.PinLocked:
        raise SigningFailed("Thiết bị ký số đã bị khóa do nhập sai PIN nhiều lần", code="pin_locked") from None
    except p11.PKCS11Error as exc:
        raise SigningFailed(f"Thiết bị ký số báo lỗi: {type(exc).__name__}", code="token_error") from None


def _signer_class():
    from pyhanko.sign.pkcs11 import PKCS11Signer

    class TokenSigner(PKCS11Signer):
        """A token's signer that holds an open session and the token's lock: both let go once it has signed
        (``close_after_signing``), or when it is dropped unused."""

        token_lock: threading.Lock | None = None

        def _load_other_certs(self):
            """The CA certificates on the token (the chain to embed), not the other holders' certificates a
            shared token (an HSM, the demo's softhsm2) also keeps."""
            return {cert for cert in super()._load_other_certs() if cert.ca}

        def close_after_signing(self) -> None:
            lock, self.token_lock = self.token_lock, None
            if lock is None:
                return
            try:
                self.pkcs11_session.close()
            except Exception:  # noqa: BLE001 - a token pulled out after signing has nothing left to close
                pass
            finally:
                lock.release()

        def __del__(self):
            self.close_after_signing()

    return TokenSigner


def open_token_signer(method: dict, pin: str | None, configured_module: str | None = None):
    """A pyHanko signer on the token's key; SigningFailed (wrong PIN, no token, no key) in Vietnamese."""
    from pkcs11 import exceptions as p11
    from pyhanko.sign.general import SigningError

    for part in ("token", "key"):
        if not method.get(part):
            raise SigningFailed(f"Phương thức ký bằng thiết bị thiếu “{part}” (nhãn thiết bị, nhãn khóa)",
                                code="bad_signing_method")
    module = module_path(method, configured_module)
    lock = _token_lock(module, method["token"])
    if not lock.acquire(timeout=BUSY_SECONDS):
        raise SigningFailed("Thiết bị ký số đang bận với một lần ký khác; vui lòng thử lại", code="token_busy")
    try:
        session = _session(module, method["token"], pin)
    except BaseException:
        lock.release()
        raise
    signer = _signer_class()(session, key_label=method["key"], cert_label=method["key"],
                             other_certs_to_pull=None)
    signer.token_lock = lock
    try:  # finds the key and its certificate now, not halfway through a PDF
        # ECDSA is asked of a token as the bare operation on a digest made here: many (softhsm2 too) offer
        # no hash-and-sign ECDSA mechanism.
        signer.use_raw_mechanism = signer.signing_cert.public_key.algorithm == "ec"
    except (p11.NoSuchKey, p11.MultipleObjectsReturned, SigningError, p11.PKCS11Error) as exc:
        signer.close_after_signing()
        raise SigningFailed(f"Không thấy khóa ký “{method['key']}” (và chứng thư số của nó) trên thiết bị "
                            f"“{method['token']}”", code="token_key_missing") from exc
    return signer


def enrol(module: str, token_label: str, pin: str, key_label: str, pki, common_name: str, organisation: str,
          now: datetime, days: int = 730):
    """Make a key pair on the token, have the agency CA certify it and store the certificate beside it, with
    the CA chain so that the token's signer finds every certificate there. Returns the certificate."""
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    key_id = key_label.encode()
    with _token_lock(module, token_label), _session(module, token_label, pin, rw=True) as session:
        if list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: key_label})):
            raise SigningFailed(f"Thiết bị “{token_label}” đã có khóa “{key_label}”", code="token_key_exists")
        params = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
        public, _private = params.generate_keypair(store=True, label=key_label, id=key_id)
        cert = pki.certify(serialization.load_der_public_key(encode_ec_public_key(public)), common_name,
                           organisation, now, days)
        for label, item in ((key_label, cert), *((f"{key_label}-ca{i}", c) for i, c in enumerate(pki.chain()))):
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: key_id if item is cert else b"",
                Attribute.SUBJECT: item.subject.public_bytes(),
                Attribute.VALUE: item.public_bytes(serialization.Encoding.DER)})
    return cert
