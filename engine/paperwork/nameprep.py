"""Comparing certificate names without preparing the same string again and again.

asn1crypto compares X.509 names as RFC 5280 7.1 says: each attribute's value goes through the LDAP string
preparation of RFC 4518 (mapping, Unicode normalisation, prohibited characters, spaces). It keeps the result
per parsed name object only, and verifying one signature parses the same few certificates anew (from the PDF)
and compares their issuers and subjects dozens of times: with Vietnamese names (NFKC of every letter with its
diacritics) that preparation was about a fifth of a verification. The preparation is a pure function of the
string, so its results are kept here for the process, bounded. Importing this module installs it (done by
engine.paperwork.signatures); the comparison rules do not change.
"""
from __future__ import annotations

from functools import lru_cache

from asn1crypto import x509 as asn1_x509

_original = asn1_x509.NameTypeAndValue._ldap_string_prep


@lru_cache(maxsize=4096)
def prepared(string: str) -> str:
    """RFC 4518 string preparation of ``string`` (asn1crypto's own), remembered."""
    return _original(None, string)


def _prep(self, string):  # noqa: ARG001 - the method's signature; the preparation does not use the instance
    return prepared(string) if isinstance(string, str) else _original(self, string)


if getattr(asn1_x509.NameTypeAndValue._ldap_string_prep, "__name__", "") != "_prep":
    asn1_x509.NameTypeAndValue._ldap_string_prep = _prep
