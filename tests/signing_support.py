"""Helpers for the browser tests of signing (tests/test_e2e_signing*.py): the walk to a result waiting for the
leader's signature, and a leader whose key the demo remote signing service (CSC API) holds."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from conftest import CITIZEN, STEP_DATA, Api
from sqlalchemy import select
from test_e2e_browser import Person

from engine import timers
from engine.data.model import User
from engine.data.signing_model import SigningMethod
from engine.paperwork import results
from engine.web import trustservices


def in_thread(fn) -> None:
    """API calls that sign (pyHanko runs asyncio) outside the thread whose loop Playwright owns."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 (reported below, in the test's thread)
            failed.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    assert not failed and not worker.is_alive(), failed


def to_signing(app, browser, server, clock) -> tuple[str, Person]:
    """A dossier filed, received and proposed through the API, approved in the browser by demo.lanhdao:
    its result waits for the leader's signature. Returns the dossier's code and the signed-in leader."""
    api = Api(app.test_client(), auto_sign=False)
    code: list[str] = []

    def to_approval() -> None:
        code.append(api.file(CITIZEN)["code"])
        api.act("demo.tiepnhan", code[0], "receive")
        api.act("demo.chuyenvien", code[0], "propose_approval", STEP_DATA["propose_approval"])

    in_thread(to_approval)
    leader = Person(browser, server, "demo.lanhdao")
    leader.act(code[0], "approve", {"#approve-y_kien_phe_duyet": "Đồng ý cấp"})
    ext = app.extensions["tthc"]
    # the drain right after the commit (as `tthc serve` does) rendered the draft: the worker finds nothing left
    assert timers.render_signing(ext["sessions"], ext["settings"], clock.now()) == 0
    return code[0], leader


def use_method(app, username: str, method: dict, now) -> None:
    """The signing method (device or service) a user signs with."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        user = session.scalar(select(User).where(User.username == username))
        session.merge(SigningMethod(user_id=user.id, method=method, updated_at=now))


@contextlib.contextmanager
def remote_leader(app, settings, clock) -> Iterator[trustservices.RunningServices]:
    """demo.lanhdao signs through the demo remote signing service (CSC API), which holds their key; the service
    runs on 127.0.0.1 for the block and stops after it."""
    pki = results.pki(settings)
    pki.issue(pki.remote_key("demo.lanhdao"), "Phạm Minh Lãnh", "Ủy ban nhân dân phường Thuận Hóa (demo)",
              clock.now())
    services = trustservices.start(pki, clock.now())
    try:
        use_method(app, "demo.lanhdao", {"kind": "csc", "url": services.url, "credential": "demo.lanhdao"},
                   clock.now())
        yield services
    finally:
        services.stop()
