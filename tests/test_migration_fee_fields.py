"""D26 with D1: a dossier is not moved to a version whose fee, still to be asked, cannot be computed from its form.

Version 1 of the household business registration (1.001612) charges a fixed 100,000 đ at intake. A citizen files on
Monday 01/03/2027 09:00 without declaring the number of workers (so_lao_dong, optional in the filing form). Version 2,
deployed at 10:00, adds a fee computed before the result as 20,000 đ per worker. Moved, the dossier would reach the
leader's approval with a fee the engine cannot compute (fee_not_computable): the leader could only refuse it. So the
move is refused (409 migration_refused) naming the field and the fee, and the dossier stays on version 1; a dossier
whose form declares the workers moves.
"""
from __future__ import annotations

import copy

from conftest import CITIZEN, SAMPLE_FORM, vn
from payment_support import configure
from test_migration_fees import FEE, SOURCE, dossier
from test_versions import ADMIN, deploy

PER_WORKER = 'name="fee.tham_dinh" value="=20000 * so_lao_dong;before_result;Phí thẩm định hộ kinh doanh"'


def _filed(api, clock, form: dict) -> str:
    clock.set(vn(2027, 3, 1, 9, 0))
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "1.001612", "form": form})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["code"]


def _version_2_charging_per_worker(api, clock) -> None:
    clock.set(vn(2027, 3, 1, 10, 0))
    bpmn = SOURCE.replace(FEE, f"{FEE} />\n        <spiffworkflow:property {PER_WORKER}")
    assert bpmn != SOURCE
    r = deploy(api, bpmn)
    assert r.status_code == 201, r.get_json()


def test_a_dossier_without_the_field_a_new_fee_is_computed_from_is_not_moved(api, app, clock):
    """D26, D1: the form has no so_lao_dong, version 2's fee before the result is 20,000 đ × so_lao_dong: the move
    is refused (409), the reason names the field and the fee, and the dossier stays on version 1."""
    configure(app)
    form = copy.deepcopy(SAMPLE_FORM)
    del form["so_lao_dong"]
    code = _filed(api, clock, form)
    _version_2_charging_per_worker(api, clock)
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "migration_refused"
    assert any("so_lao_dong" in p["message"] and "Phí thẩm định hộ kinh doanh" in p["message"]
               for p in error["problems"]), error
    assert dossier(api, code)["procedure_version"] == 1


def test_a_dossier_declaring_the_field_a_new_fee_is_computed_from_is_moved(api, app, clock):
    """D26, D1: the form declares 2 workers, so version 2's fee can be computed (40,000 đ): the dossier moves."""
    configure(app)
    code = _filed(api, clock, copy.deepcopy(SAMPLE_FORM))
    _version_2_charging_per_worker(api, clock)
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 200, r.get_json()
    assert dossier(api, code)["procedure_version"] == 2
