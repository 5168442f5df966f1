"""Long-term validity (D35): trusted time on signatures and the data to verify them years later.

- ``tsa_url`` (setting): signatures carry an RFC 3161 timestamp from that authority (``timestamper``);
- ``crl_url`` (setting): the demo PKI's certificates name that revocation list, and signatures embed the
  chains and the revocation data fetched at signing (``embedding_context``: PAdES B-LT; with a TSA, a document
  timestamp seals them, B-LTA).

After the signer's certificate expires, ``signatures.verify_pdf`` judges a timestamped signature at the time
the timestamp proves, with the revocation data the file carries.
"""
from __future__ import annotations

from datetime import datetime, timezone


_timestampers: dict[str, object] = {}


def timestamper(settings):
    """A pyHanko timestamper for the configured TSA, or None when there is none. One per URL for the process:
    it keeps the TSA's first answer to size every later signature's room (one request per signature, not two)
    and opens an HTTP session per request, so any event loop may use it."""
    url = getattr(settings, "tsa_url", "")
    if not url:
        return None
    found = _timestampers.get(url)
    if found is None:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        found = _timestampers[url] = HTTPTimeStamper(url, timeout=30)
    return found


def embedding_context(settings, trust_roots: list, now: datetime):
    """The validation context whose chains and revocation data a signature embeds (fetched now from the
    certificates' CRL distribution points), or None when no revocation source is configured."""
    if not getattr(settings, "crl_url", ""):
        return None
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=trust_roots, moment=now.astimezone(timezone.utc), allow_fetching=True,
                             revocation_mode="hard-fail")


def validation_context(reader, trust_roots: list, moment: datetime, strict: bool = False):
    """A context judging at ``moment`` with the certificates and revocation data the file carries (its DSS),
    fetching nothing: verifying a document never depends on a service being up.

    ``strict``: a certificate that names a revocation source (CRL, OCSP) is trusted only with that source's
    answer in the file (judging a signature at its proven time). Otherwise an answer that was no longer
    current at ``moment`` counts as no answer (a list from the signing day says nothing of today), and no
    answer is accepted: the TSA's and the CAs' certificates, still valid today, are judged that way."""
    from asn1crypto import crl as asn1_crl, ocsp as asn1_ocsp
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError
    from pyhanko_certvalidator import ValidationContext

    kwargs = {"trust_roots": trust_roots, "moment": moment.astimezone(timezone.utc), "allow_fetching": False,
              "revocation_mode": "hard-fail" if strict else "soft-fail"}
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return ValidationContext(crls=[], ocsps=[], **kwargs)
    crls = [asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]
    ocsps = [asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps]
    if not strict:
        crls = [c for c in crls if _current(c["tbs_cert_list"]["next_update"].native, moment)]
        ocsps = [o for o in ocsps if all(_current(r["next_update"].native, moment) for r in
                                         o.basic_ocsp_response["tbs_response_data"]["responses"])]
    return ValidationContext(other_certs=list(dss.load_certs()), crls=crls, ocsps=ocsps, **kwargs)


def _current(next_update: datetime | None, moment: datetime) -> bool:
    return next_update is None or next_update >= moment


def trusted_time(status) -> datetime | None:
    """The time a signature's timestamp proves, when the token is intact and from a trusted authority."""
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is None or not (stamp.intact and stamp.valid and stamp.trusted):
        return None
    return stamp.timestamp


def signing_options(settings, trust_roots: list, now: datetime) -> dict:
    """The keyword arguments of ``signatures.sign_pdf_with`` that the configuration asks for: a timestamp
    (``tsa_url``), embedded validation data (``crl_url``), both sealed by a document timestamp when both are set."""
    stamper, context = timestamper(settings), embedding_context(settings, trust_roots, now)
    return {"timestamper": stamper, "validation_context": context, "lta": stamper is not None and context is not None}
