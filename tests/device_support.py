"""Signing devices and services for tests: a SoftHSM2 token the run initialises, the demo trust services on
127.0.0.1 (remote signing, TSA, CRL), and the independent validators (pyHanko's own, poppler's pdfsig).

Nothing here skips: a missing softhsm2, pdfsig or certutil fails the test with the Debian package to install
(.ci/run installs them).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from engine.paperwork import tokens

TOKEN, TOKEN_PIN, SO_PIN = "canbo-token", "246810", "13579135"


def need(program: str, package: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"{program} is missing: install the Debian package {package} (.ci/run does)")
    return found


def softhsm_token(folder: Path, pki, now, holders: dict[str, tuple[str, str]]) -> str:
    """Initialise a SoftHSM2 token in ``folder`` (SOFTHSM2_CONF points there for the rest of the run) and
    enrol one key per holder (label -> (name, organisation)): made on the token, certified by ``pki``.
    Returns the PKCS#11 module's path."""
    util = need("softhsm2-util", "softhsm2")
    try:
        module = tokens.module_path({})
    except Exception as exc:  # noqa: BLE001 - said as the failure
        pytest.fail(f"softhsm2's PKCS#11 module is missing ({exc}): install the Debian package softhsm2")
    (folder / "tokens").mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the module when it initialises
    subprocess.run([util, "--init-token", "--free", "--label", TOKEN, "--pin", TOKEN_PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True)
    import pkcs11

    pkcs11.lib(module).reinitialize()  # a module loaded earlier in this process sees the new token
    for label, (name, org) in holders.items():
        tokens.enrol(module, TOKEN, TOKEN_PIN, label, pki, name, org, now)
    return module


def nss_db(folder: Path, roots) -> str:
    """An NSS database trusting ``roots`` (for signatures: trust flags C,C,C) for ``pdfsig -nssdir``."""
    certutil = need("certutil", "libnss3-tools")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([certutil, "-N", "-d", f"sql:{folder}", "--empty-password"], check=True, capture_output=True)
    for i, root in enumerate(roots):
        pem = folder / f"root{i}.pem"
        pem.write_bytes(root.dump() if hasattr(root, "dump") else root.public_bytes(serialization.Encoding.DER))
        subprocess.run([certutil, "-A", "-d", f"sql:{folder}", "-n", f"root{i}", "-t", "C,C,C", "-i", str(pem)],
                       check=True, capture_output=True)
    return f"sql:{folder}"


def pdfsig(pdf: bytes, folder: Path, nssdir: str) -> list[dict]:
    """poppler's verdict on each signature of ``pdf``: name, signer, validation, certificate."""
    program = need("pdfsig", "poppler-utils")
    path = folder / "checked.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([program, "-nssdir", nssdir, str(path)], capture_output=True, text=True, timeout=60)
    found = []
    for block in re.split(r"^Signature #\d+:$", out.stdout, flags=re.M)[1:]:
        def line(label):
            match = re.search(rf"- {label}: (.*)$", block, flags=re.M)
            return match.group(1).strip() if match else None
        found.append({"field": line("Signature Field Name"), "signer": line("Signer Certificate Common Name"),
                      "validation": re.findall(r"- Signature Validation: (.*)$", block, flags=re.M)[-1:],
                      "certificate": line("Certificate Validation"), "type": line("Signature Type")})
    return found


def pyhanko_statuses(pdf: bytes, roots, moment) -> list:
    """pyHanko's own validator (not the engine's wrapper) on every signature (document timestamps aside)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    return [validate_pdf_signature(sig, ValidationContext(trust_roots=roots, moment=moment, allow_fetching=False))
            for sig in reader.embedded_signatures if sig.sig_object_type == "/Sig"]


def confirm(services_url: str, reference: str, answer: str) -> str:
    """What the signer's phone does: open the confirmation and answer (dong-y / tu-choi)."""
    page = urllib.request.urlopen(f"{services_url}/csc/xac-nhan/{reference}", timeout=10).read().decode()
    data = urllib.parse.urlencode({"answer": answer}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{services_url}/csc/xac-nhan/{reference}", data=data),
                           timeout=10).read()
    return page
