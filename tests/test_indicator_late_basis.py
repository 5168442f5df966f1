"""QĐ 766's late share (2a-late) counts its four terms under one agency (D29, D32): a ward that receives for a
department (the offer names the department as processing agency) neither shows the department's late dossier as
its own clean record, nor leaves the department's late share without a denominator.

Ward A receives dossier 1.001612 on Monday 23/11/2026 09:00; the department resolves it on Friday 27/11/2026 10:00,
an hour after its due instant (Friday 27/11 09:00), with its head's apology. November's late share: the
department 1 late of 1 received = 100 %; ward A resolves nothing, so it has no late share (no denominator); the
province 100 %."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, PASSWORD, STEP_DATA, make_settings, sign_requested, vn
from test_offers import DEMO, DEPT, WARD_A, put_offers
from test_offers import province  # noqa: F401 (the fixture)

from engine.core.settings import with_secrets
from engine.paperwork import results


@pytest.fixture
def settings(database_url, tmp_path):
    return with_secrets(make_settings(tmp_path / "data", database_url, tmp_path / "pki"))


def _late_at_the_department(app, api, clock) -> None:
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    api.act("a.canbo", code, "receive")
    clock.set(vn(2026, 11, 27, 10, 0))
    api.tokens.clear()
    api.act("d.canbo", code, "propose_approval", STEP_DATA["propose_approval"])
    letter = api.post(f"/api/v1/dossiers/{code}/letters", "d.canbo",
                      json={"kind": "overdue", "reason": "Chậm xác minh địa điểm kinh doanh tại Sở"})
    assert letter.status_code == 201, letter.get_json()
    api.act("d.canbo", code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    sign_requested(app, code)
    assert api.act("d.canbo", code, "issue_result", STEP_DATA["issue_result"])["late"] is True
    clock.set(vn(2026, 12, 1, 9, 0))
    api.tokens.clear()


def _late_share(api, agency: str | None) -> dict:
    query = "from=2026-11-01&to=2026-11-30" + (f"&agency={agency}" if agency else "")
    answer = api.get(f"/api/v1/reports/indicators?{query}", "tinh.admin")
    assert answer.status_code == 200, answer.get_json()
    return next(i for i in answer.get_json()["indicators"] if i["id"] == "2a-late")


def test_the_late_share_is_the_processing_agencys(app, api, clock, province):  # noqa: F811
    clock.set(vn(2026, 11, 23, 9, 0))
    _late_at_the_department(app, api, clock)
    department = _late_share(api, DEPT)
    assert department["inputs"] == {"pending_overdue": 0, "resolved_late": 1, "received": 1, "carried_over": 0}
    assert department["value"] == 100.0  # was None: the received one counted under the ward
    ward = _late_share(api, WARD_A)
    assert ward["inputs"]["received"] == 0 and ward["value"] is None  # was 0 %: a clean record on a late dossier
    assert _late_share(api, None)["value"] == 100.0  # the province: 1 late of 1
