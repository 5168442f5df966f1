"""D35: five wrong PINs in fifteen minutes lock a signing request (README, as failed logins lock a name), however
many attempts arrive at once: each takes its slot under the request's lock before its PIN is tried, so no more
than five PINs are tried, and every refused attempt says why. Real threads on real SQLite and PostgreSQL."""
from __future__ import annotations

import threading

from sqlalchemy import select

from conftest import Api, PASSWORD, drain_after_commit
from engine.cases import signing_requests
from engine.cases.dossiers import Context
from engine.core.errors import EngineError
from engine.data.model import User
from engine.data.signing_model import SigningAttempt
from test_signing_requests import LEADER, approved, only_request, render, sign

ATTEMPTS = 12


def _race(app, request_id: int, pins: list[str]) -> list:
    """Each PIN tried by the leader on a thread of its own, released together; what each attempt ended with."""
    ext = app.extensions["tthc"]
    start = threading.Barrier(len(pins), timeout=30)
    out: list = [None] * len(pins)

    def attempt(i: int) -> None:
        with ext["sessions"]() as session:
            leader = session.scalar(select(User).where(User.username == LEADER))
        ctx = Context(leader, ext["clock"].now(), ext["settings"])
        start.wait()
        try:
            out[i] = signing_requests.sign(ext["sessions"].begin, ext["settings"], ctx, request_id, pins[i])
        except BaseException as exc:  # noqa: BLE001 - reported by the test's assertions, not lost in the thread
            out[i] = exc

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(pins))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def test_twelve_wrong_pins_at_once_record_five_failures_and_lock_the_request(app, clock, backend):
    """D35: on Monday 23/11/2026 09:00 twelve wrong PINs arrive together for one request: five are tried and
    recorded as wrong (bad_key), the seven others are refused 429 too_many_attempts with the time the lock ends;
    no attempt is left in flight and none ends without its code; the right PIN is refused until 09:15, then
    signs."""
    drain_after_commit(app, "seal")
    api = Api(app.test_client(), auto_sign=False)
    code = approved(api)
    render(app)
    request_id = only_request(api, LEADER, code)["id"]
    out = _race(app, request_id, [f"sai-ma-{i}" for i in range(ATTEMPTS)])
    assert all(isinstance(o, EngineError) for o in out), out
    codes = sorted(o.code for o in out)
    assert codes == ["bad_key"] * 5 + ["too_many_attempts"] * 7, codes
    assert all("09:15" in o.message for o in out if o.code == "too_many_attempts"), [o.message for o in out]
    with app.extensions["tthc"]["sessions"]() as session:
        recorded = session.execute(select(SigningAttempt.succeeded, SigningAttempt.code)
                                   .where(SigningAttempt.request_id == request_id)).all()
    assert sorted(recorded) == [(False, "bad_key")] * 5  # what was tried, nothing still marked in flight
    locked = sign(api, LEADER, request_id, PASSWORD, status=429)
    assert locked["error"]["code"] == "too_many_attempts"
    clock.advance(minutes=15, seconds=1)
    assert sign(api, LEADER, request_id, PASSWORD)["state"] == "signed"


def test_the_right_pin_among_wrong_ones_at_once_signs_once_or_is_refused_with_a_code(app, clock, backend):
    """D35: the right PIN sent together with three wrong ones (fewer than the lock's five): it signs the
    request exactly once, the wrong ones are recorded as wrong or refused because it was signed meanwhile; no
    attempt ends without its code."""
    drain_after_commit(app, "seal")
    api = Api(app.test_client(), auto_sign=False)
    code = approved(api)
    render(app)
    request_id = only_request(api, LEADER, code)["id"]
    out = _race(app, request_id, [PASSWORD, "sai-1", "sai-2", "sai-3"])
    signed = [o for o in out if isinstance(o, signing_requests.Signed)]
    refused = [o for o in out if isinstance(o, EngineError)]
    assert len(signed) == 1 and signed[0].status == 200 and len(refused) == 3, out
    assert {o.code for o in refused} <= {"bad_key", "signing_request_closed"}, [o.code for o in refused]
    with app.extensions["tthc"]["sessions"]() as session:
        recorded = session.execute(select(SigningAttempt.succeeded, SigningAttempt.code)
                                   .where(SigningAttempt.request_id == request_id)).all()
    assert (True, None) in recorded and all(c in (None, "bad_key") for _, c in recorded), recorded
