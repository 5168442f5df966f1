"""Document throughput of signing requests (D35): signed results per second per worker process, against a bare
pyHanko signature of the same PDF with the same key, in the same run.

Untimed: a demo database (SQLite file) and N dossiers taken to the leader's approval through the use cases
(each records a signing request). Timed, one batch per rep:

* ``render``: the worker's drain renders the N drafts (engine.cases.signing_requests.drain), reported apart;
* ``sign``: the leader signs each request with the demo PIN (engine.cases.signing_requests.sign: claim, open
  the key, sign with the visible stamp, verify with pyHanko's validator against the trust anchors, store the
  bytes and the signature rows, audit): signed results per second;
* ``bare``: pyHanko alone signs the same unsigned PDF N times with the same key, opened once (PdfSigner, PAdES,
  no stamp, no verification, no storage), as its documentation shows it: the bound.

Rates are per second of wall clock and, as ``*_cpu``, per second of this process's CPU time (the steadier
figure on a shared machine).

Run from the repository root:  python3 bench/signing.py [--reps 3] [--n 20]
The last stdout line is a JSON object with the medians and ``ratio_sign_bare``.
"""
from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402
from sqlalchemy import select  # noqa: E402

from conftest import OFFICERS, PASSWORD, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA  # noqa: E402
from engine.cases import filing, signing_requests, tasks  # noqa: E402
from engine.cases.dossiers import Context  # noqa: E402
from engine.core.clock import FixedClock  # noqa: E402
from engine.data.model import User, WorkItem  # noqa: E402
from engine.data.signing_model import SigningRequest  # noqa: E402
from engine.paperwork import results  # noqa: E402
from lifecycle import START, EngineMode, demo_database, log  # noqa: E402

TO_APPROVAL = (("intake", "receive"), ("assessment", "propose_approval"), ("approval", "approve"))


def approve(mode: EngineMode, n: int) -> list[int]:
    """N dossiers to the leader's approval (each records a signing request); their request ids."""
    ids = []
    for _ in range(n):
        with mode.sessions() as session:
            dossier = filing.file_dossier(session, mode._ctx(session, "001099000001"),
                                            {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
            session.commit()
            dossier_id = dossier.id
        for step, action in TO_APPROVAL:
            with mode.sessions() as session:
                item_id = session.scalar(select(WorkItem.id).where(WorkItem.dossier_id == dossier_id))
                tasks.complete(session, mode._ctx(session, OFFICERS[step]), item_id, action, STEP_DATA.get(action, {}))
                session.commit()
        with mode.sessions() as session:
            ids.append(session.scalar(select(SigningRequest.id).where(SigningRequest.dossier_id == dossier_id,
                                                                      SigningRequest.kind == "result_draft")))
    # the receipts the intake issued are made by the worker too (sealed by the agency): untimed, not measured
    signing_requests.drain(mode.sessions.begin, mode.settings, mode.clock.now(), limit=10 * n, purpose="seal")
    return ids


def bare_sign(pdf: bytes, signer, n: int, now) -> tuple[float, float]:
    """(wall, CPU) seconds of N signatures by pyHanko as its documentation shows it (PdfSigner.sign_pdf)."""
    meta = signers.PdfSignatureMetadata(field_name="ChuKyCaNhan", reason="Phê duyệt kết quả", location="Huế",
                                        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        out = io.BytesIO()
        signers.PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"render": [], "sign": [], "bare": [], "sign_cpu": [], "bare_cpu": []}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'signing.sqlite3'}"
        log("building the demo database (untimed) ...")
        demo_database(url, Path(tmp) / "data")
        clock = FixedClock(START)
        mode = EngineMode(url, Path(tmp) / "data", clock)
        with mode.sessions() as session:
            leader = session.get(User, mode.user_ids[OFFICERS["approval"]])
        key = signers.SimpleSigner.load_pkcs12(str(results.pki(mode.settings).user_key(leader.username)),
                                               passphrase=PASSWORD.encode())
        for rep in range(args.reps):
            ids = approve(mode, args.n)  # untimed
            clock.advance(minutes=1)
            t0 = time.perf_counter()
            rendered = signing_requests.drain(mode.sessions.begin, mode.settings, clock.now(), limit=args.n)
            render = time.perf_counter() - t0
            assert rendered == args.n, rendered
            ctx = Context(leader, clock.now(), mode.settings)
            c0, t0 = time.process_time(), time.perf_counter()
            for request_id in ids:
                assert signing_requests.sign(mode.sessions.begin, mode.settings, ctx, request_id, PASSWORD).status == 200
            sign, sign_cpu = time.perf_counter() - t0, time.process_time() - c0
            unsigned = _unsigned_of(mode, ids[-1])  # the same PDF the leader signed last
            bare, bare_cpu = bare_sign(unsigned, key, args.n, clock.now())
            for name, seconds in (("render", render), ("sign", sign), ("bare", bare), ("sign_cpu", sign_cpu),
                                  ("bare_cpu", bare_cpu)):
                figures[name].append(args.n / seconds)
            log(f"rep {rep + 1}/{args.reps}: render {args.n / render:.1f}/s, sign {args.n / sign:.1f}/s, "
                f"bare pyHanko {args.n / bare:.1f}/s")
            clock.advance(minutes=1)
        mode.close()
    medians = {name: round(statistics.median(values), 2) for name, values in figures.items()}
    ratios = [s / b for s, b in zip(figures["sign"], figures["bare"])]
    cpu_ratios = [s / b for s, b in zip(figures["sign_cpu"], figures["bare_cpu"])]
    print(f"per second, median of {args.reps} reps of {args.n}: rendered {medians['render']}, "
          f"signed (request flow) {medians['sign']}, bare pyHanko {medians['bare']}; sign/bare per rep: "
          + ", ".join(f"{r:.2f}" for r in ratios) + "; by this process's CPU time: "
          + ", ".join(f"{r:.2f}" for r in cpu_ratios) + " (read the CPU figures on a busy machine)")
    print(json.dumps({**medians, "ratio_sign_bare": round(statistics.median(ratios), 3),
                      "ratio_sign_bare_cpu": round(statistics.median(cpu_ratios), 3),
                      "ms_render": round(1000 / medians["render"], 2), "ms_sign": round(1000 / medians["sign"], 2),
                      "ms_bare": round(1000 / medians["bare"], 2)}))


def _unsigned_of(mode: EngineMode, request_id: int) -> bytes:
    """The draft as the drain rendered it, before the signature (its bytes are kept by their hash)."""
    with mode.sessions() as session:
        req = session.get(SigningRequest, request_id)
        return results.render_draft(mode.settings, req.dossier, req.role, req.outcome, req.opinion, req.created_at,
                                    req.number, signer_name=req.signer.full_name)


if __name__ == "__main__":
    main()
