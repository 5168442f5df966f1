"""D26, the gateway's protocol: two copies of the same success notification (IPN) arriving at once, for an order paid
after the fee was settled at the desk, both get the protocol's "already confirmed" answer (VNPay RspCode "02"), the
refund owed is recorded once, and both notifications are logged.

Gateways retry, so copies meet. The dossier filed and received on Monday 01/03/2027 09:00 has its 100,000 đ paid in
cash at the desk while the citizen's online order is open; the gateway then takes the money too, and notifies twice.
The interleaving is made exact, not left to luck: the first copy has written the refund and waits at its commit until
the second copy has read what it needs and begun to write; only then does the first commit. A second copy that
decided from what it read before the first's commit would record the refund again or fail on the dossier's row
(HTTP 409 "stale": a gateway reads that as a failure, retries, and the copy's log row is lost with it).
"""
from __future__ import annotations

import threading

from sqlalchemy import event, func, select

from conftest import vn
from payment_support import configure, ipn_params
from test_payment_taken_twice import RECEIVER, _at, _received, _recorded
from test_payments import _start

from engine.data.payment_model import PaymentEvent

# what the second copy writes once it has decided (and, fixed, the lock it takes before deciding); on SQLite its
# first write already waits for the first copy's whole transaction
DECIDED = ("UPDATE payment ", "INSERT INTO payment_refund", "UPDATE dossier ")


def _two_copies_at_once(app, params: dict, backend: str) -> list[tuple[int, object]]:
    """Send ``params`` twice: the first copy commits only after the second has begun to write (10 s at most)."""
    engine = app.extensions["tthc"]["sessions"].kw["bind"]
    writes = DECIDED + (("INSERT INTO payment_event",) if backend == "sqlite" else ())
    first_at_commit, second_writing = threading.Event(), threading.Event()
    threads: dict[str, int] = {}
    answers: dict[str, tuple[int, object]] = {}

    def statement(conn, cursor, text, parameters, context, executemany):
        if threading.get_ident() == threads.get("second") and text.lstrip().startswith(writes):
            second_writing.set()

    def commit(conn):
        if threading.get_ident() == threads.get("first"):
            first_at_commit.set()
            second_writing.wait(timeout=10)

    def send(which: str) -> None:
        threads[which] = threading.get_ident()
        r = app.test_client().get("/api/v1/payments/vnpay/ipn", query_string=params)
        answers[which] = (r.status_code, (r.get_json() or {}).get("RspCode") or r.get_json())

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        first = threading.Thread(target=send, args=("first",))
        first.start()
        assert first_at_commit.wait(timeout=30)
        second = threading.Thread(target=send, args=("second",))
        second.start()
        first.join(timeout=60)
        second.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    return [answers.get("first"), answers.get("second")]


def test_d26_two_copies_of_a_success_notice_at_once_both_answer_already_confirmed_and_refund_once(app, api, clock,
                                                                                                    backend):
    """D26: the fee paid at the desk, the gateway's success for the citizen's order comes twice at once: both copies
    are answered 200 with RspCode "02" (already confirmed), one refund of 100,000 đ is recorded (one refund event in
    the trail) and both notifications are in the log."""
    configure(app)
    code = _received(api, clock)
    _s, order = _start(api, code)
    r = api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    assert r.status_code == 201, r.get_json()
    _at(api, clock, vn(2027, 3, 1, 9, 10))
    ref = order["vnp_TxnRef"]
    answers = _two_copies_at_once(app, ipn_params(app, ref, 100000), backend)
    assert answers == [(200, "02"), (200, "02")], answers
    recorded = _recorded(app, code)
    assert [a for a, _ in recorded["refunds"]] == [100000], recorded
    assert [e["order"] for e in recorded["events"]] == [ref], recorded
    with app.extensions["tthc"]["sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(PaymentEvent).where(PaymentEvent.order_ref == ref)) == 2
