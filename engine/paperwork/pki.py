"""The demo PKI: a root CA (a trust anchor), an agency CA, personal and organisation keys, a timestamp
authority's key and the agency CA's revocation list.

Real provinces use the certificates of licensed providers (VGCA, NEAC-listed CAs); the demo PKI lets the engine
run and be tested end to end with the same code paths. Keys are PKCS#12 files encrypted with the configured
passphrase, except those made on a token (PKCS#11), which never leave it: ``certify`` signs a certificate for a
public key given from outside. With ``crl_url`` (setting ``crl_url``: where the lists are published), the
certificates the agency CA issues name ``<crl_url>/agency.crl`` as their CRL distribution point, the agency
CA's own certificate ``<crl_url>/root.crl``, and ``publish_crl`` writes the lists a service serves there, so
that signatures can embed the revocation data of their whole chain (PAdES B-LT) and stay verifiable after the
certificates expire.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder

# Demo certificates start a year before they are made, so that simulations and tests of past dates verify.
DEMO_BACKDATE = timedelta(days=400)
CRL_DAYS = 7
# TimeStampResp {status {status rejection(2)}} without a token (asn1crypto cannot encode the optional field away)
TSA_REJECTION = bytes.fromhex("30053003020102")  # a published list is fresh for a week (the timer service or `tthc pki crl` publishes anew)


def _bounded(text: str) -> str:
    """``text`` cut to the 64 bytes of UTF-8 a certificate's name attribute may hold (RFC 5280 upper bounds, as
    the cryptography library counts them): a Vietnamese agency name of 45 letters with its diacritics is longer."""
    raw = text.encode("utf-8")
    return text if len(raw) <= 64 else raw[:64].decode("utf-8", "ignore").rstrip()


def _name(common: str, org: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, _bounded(common))]
    if org:
        parts.insert(1, x509.NameAttribute(NameOID.ORGANIZATION_NAME, _bounded(org)))
    return x509.Name(parts)


def _certificate(subject: x509.Name, public_key, issuer: x509.Name, issuer_key, now: datetime, days: int,
                 ca: bool, crl_url: str | None = None, usage=ExtendedKeyUsageOID.EMAIL_PROTECTION,
                 ) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(now - DEMO_BACKDATE)
               .not_valid_after(now + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    if subject != issuer:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                        critical=False)
    if ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                                        critical=True)
    else:
        builder = (builder.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                                         critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]),
                                  critical=usage == ExtendedKeyUsageOID.TIME_STAMPING))  # RFC 3161 2.3
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


class Pki:
    """A folder of keys: ca/, trust/ (anchors), users/<username>.p12, org/<agency>.p12, remote/<credential>.p12
    (the demo remote signing service's), crl/agency.crl and crl/root.crl."""

    def __init__(self, folder: Path, passphrase: str, trust_dir: Path | None = None, crl_url: str | None = None):
        self.folder, self.passphrase = folder, passphrase.encode()
        self.trust_dir = trust_dir or folder / "trust"
        self.crl_url = crl_url or None
        self._loaded: dict[tuple, tuple] = {}

    def _write_p12(self, path: Path, name: str, key, cert, chain, secret: bytes | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pkcs12.serialize_key_and_certificates(
            name.encode(), key, cert, chain, serialization.BestAvailableEncryption(secret or self.passphrase))
        path.write_bytes(data)
        path.chmod(0o600)

    def init(self, agency_name: str, now: datetime, years: int = 5) -> None:
        """Create the root CA (a trust anchor) and the agency CA, once."""
        if (self.folder / "ca" / "agency.p12").exists():
            return
        root_key, agency_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        root_name = _name("TTHC Demo Root CA", "TTHC demo PKI")
        root = _certificate(root_name, root_key.public_key(), root_name, root_key, now, 365 * years * 2, True)
        agency_ca_name = _name(f"{agency_name} CA", agency_name)
        agency_ca = _certificate(agency_ca_name, agency_key.public_key(), root_name, root_key, now, 365 * years,
                                 True, self._crl_point("root"))
        self.trust_dir.mkdir(parents=True, exist_ok=True)
        (self.trust_dir / "tthc-demo-root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
        self._write_p12(self.folder / "ca" / "root.p12", "root", root_key, root, None)
        self._write_p12(self.folder / "ca" / "agency.p12", "agency-ca", agency_key, agency_ca, [root])

    def _ca(self, which: str = "agency"):
        return self.load(self.folder / "ca" / f"{which}.p12")

    def _crl_point(self, issuer: str) -> str | None:
        """Where ``issuer``'s revocation list is published, named in the certificates it issues."""
        return f"{self.crl_url.rstrip('/')}/{issuer}.crl" if self.crl_url else None

    def chain(self) -> list[x509.Certificate]:
        """The agency CA and the root: what a verifier needs besides a signer's own certificate."""
        _, ca_cert, chain = self._ca()
        return [ca_cert, *chain]

    def issue(self, path: Path, common_name: str, organisation: str, now: datetime, days: int = 730, pin=None) -> None:
        """A certificate for a person (their file encrypted with ``pin``, D35) or a seal (the passphrase), unless
        it exists."""
        if path.exists():
            return
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.certify(key.public_key(), common_name, organisation, now, days)
        self._write_p12(path, common_name, key, cert, self.chain(), pin.encode() if pin else None)

    def opens(self, path: Path, pin: str) -> bool:
        """Whether the person's key file at ``path`` opens with ``pin`` (one key derivation)."""
        try:
            pkcs12.load_key_and_certificates(path.read_bytes(), pin.encode())
            return True
        except ValueError:
            return False

    def certify(self, public_key, common_name: str, organisation: str, now: datetime, days: int = 730,
                usage=ExtendedKeyUsageOID.EMAIL_PROTECTION) -> x509.Certificate:
        """A certificate from the agency CA for a key kept elsewhere (a token makes its key and never gives
        it out: only its public half comes here)."""
        ca_key, ca_cert, _ = self._ca()
        return _certificate(_name(common_name, organisation), public_key, ca_cert.subject, ca_key, now, days,
                            False, self._crl_point("agency"), usage)

    def tsa_key(self) -> Path:
        return self.folder / "ca" / "tsa.p12"

    def issue_tsa(self, now: datetime, days: int = 3650) -> Path:
        """The timestamp authority's key (extended key usage timeStamping, critical), unless it exists. It
        outlives the signing certificates: a timestamp proves when they signed. RSA: pyHanko's TSA encoder
        (DummyTimeStamper) signs with RSA only."""
        path = self.tsa_key()
        if not path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            cert = self.certify(key.public_key(), "TTHC Demo TSA", "TTHC demo PKI", now, days,
                                usage=ExtendedKeyUsageOID.TIME_STAMPING)
            self._write_p12(path, "tsa", key, cert, self.chain())
        return path

    def load(self, path: Path):
        """(private key, certificate, chain) of a PKCS#12 file of this PKI; kept per file version (opening
        one costs a key derivation, tens of milliseconds, and services open the same few keys again and again)."""
        stat = path.stat()
        version = (str(path), stat.st_mtime_ns, stat.st_size)
        loaded = self._loaded.get(version)
        if loaded is None:
            key, cert, chain = pkcs12.load_key_and_certificates(path.read_bytes(), self.passphrase)
            loaded = self._loaded[version] = (key, cert, chain or [])
        return loaded

    def timestamp_reply(self, request_der: bytes, at: datetime) -> bytes:
        """The demo TSA's answer (RFC 3161 TimeStampResp, DER) to a request, stamped ``at``; a request that
        cannot be read is answered with the status ``rejection``. pyHanko's DummyTimeStamper encodes it."""
        from asn1crypto import keys as asn1_keys, tsp, x509 as asn1_x509
        from pyhanko.sign.timestamps import DummyTimeStamper

        key, cert, chain = self.load(self.tsa_key())
        tsa_key = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        certs = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in (cert, *chain)]
        try:
            req = tsp.TimeStampReq.load(request_der)
            req.native  # noqa: B018 - parses it all now: a bad request is refused here
            return DummyTimeStamper(certs[0], tsa_key, certs_to_embed=certs[1:], fixed_dt=at) \
                .request_tsa_response(req).dump()
        except (ValueError, TypeError, KeyError, NotImplementedError):
            return TSA_REJECTION

    def crl_file(self, issuer: str = "agency") -> Path:
        return self.folder / "crl" / f"{issuer}.crl"

    def publish_crl(self, now: datetime, revoked: tuple[int, ...] = (), issuer: str = "agency") -> bytes:
        """The revocation list (DER) of the agency CA or the root (``issuer``), issued ``now`` and fresh for
        CRL_DAYS, written to ``crl_file``."""
        ca_key, ca_cert, _ = self._ca(issuer)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
                   .last_update(now).next_update(now + timedelta(days=CRL_DAYS))
                   .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False))
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build())
        data = builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        self.crl_file(issuer).parent.mkdir(parents=True, exist_ok=True)
        self.crl_file(issuer).write_bytes(data)
        return data

    def user_key(self, username: str) -> Path:  # the officer's own key, encrypted with their PIN (D35)
        return self.folder / "users" / f"{username}.p12"

    def remote_key(self, credential: str) -> Path:
        """A key held by the demo remote signing service (engine.web.cscservice) for one credential: the
        provider's HSM, opened with the server's passphrase, used only once the holder confirmed."""
        return self.folder / "remote" / f"{credential}.p12"

    def org_key(self, agency_code: str) -> Path:
        return self.folder / "org" / f"{agency_code}.p12"

    def trust_roots(self) -> list:
        if not self.trust_dir.is_dir():
            return []
        return [load_cert_from_pemder(str(p)) for p in sorted(self.trust_dir.iterdir())
                if p.suffix.lower() in (".pem", ".crt", ".cer", ".der")]
