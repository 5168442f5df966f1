"""D26 with D33: a liên thông sub-dossier must never wait for a fee its payer cannot see.

The police's verification (2.000505) answers the Sở Tư pháp's criminal record certificate (2.000488). Its
sub-dossier is opened, filed and received by the Sở's hand-over (engine.cases.lienthong), and the citizen sees
only the Sở's dossier. A fee the callee asks *before the result* (``before_result``) falls due when the police's
leader approves (engine.cases.payments.after_action): the sub-dossier then waits in status 6 for a payer who
cannot open it, for ever. The police's procedure need not be declared ``filedBy=handover`` for this (a procedure
offered to citizens directly may be a callee too), so:

* at deploy, a procedure whose hand-over step calls a procedure with such a fee is refused, naming the callee and
  its fee; so is a new version of a callee that adds such a fee while a procedure hands over to it;
* at the hand-over, a callee that still has one (deployed before this check) is not handed the dossier: the
  officer whose action reached the hand-over gets a 409 ``handover_callee_fee`` naming the callee and the fee,
  and nothing is left waiting.

A fee at filing or at intake is never asked of a sub-dossier (the hand-over files and receives it): it leaves
nothing waiting and does not stop the hand-over. The procedures are the shipped ones of processes/ly-lich-tu-phap,
the police's changed a little.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CITIZEN, vn
from lienthong_support import CHILD_CODE, FOLDER, FORM, PARENT_CODE, SO, build_lienthong, filed, officer
from sqlalchemy import func, select

from engine.cases import payments
from engine.cli.demo import POLICE
from engine.data import agencies
from engine.data.model import Dossier, Procedure, ProcedureVersion
from engine.core.errors import DefinitionError
from engine.process import lint_handover, procedures

FILED_BY = '<spiffworkflow:property name="filedBy" value="handover"/>'
FEE = "Lệ phí xác minh lý lịch"


@pytest.fixture
def backend():
    return "sqlite"


def _police_with_fee(tmp_path: Path, settings, moment: str = "before_result"):
    """The police's verification offered to citizens directly too (no ``filedBy=handover``), with a fee."""
    text = (FOLDER / "xac-minh-ly-lich.bpmn").read_text(encoding="utf-8")
    assert FILED_BY in text
    text = text.replace(FILED_BY, f'<spiffworkflow:property name="fee.le_phi" value="50000;{moment};{FEE}"/>')
    (tmp_path / "forms").symlink_to(FOLDER / "forms")
    for page in FOLDER.glob("*.html"):
        (tmp_path / page.name).symlink_to(page)
    path = tmp_path / "xac-minh-ly-lich.bpmn"
    path.write_text(text, encoding="utf-8")
    return procedures.load_file(path, settings.forms_dir)


def _give_police_a_fee(app, moment: str = "before_result", exempt_if: str | None = None) -> None:
    """A callee version deployed before the deploy check existed: its stored catalogue info carries a fee, and the
    police collect fees through the engine (at the desk)."""
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        version = procedures.latest_version(session, CHILD_CODE)
        fee = {"key": "le_phi", "name": FEE, "amount": 50000, "when": moment, "moment": moment}
        if exempt_if:
            fee["exempt_if"] = exempt_if
        version.info = {**version.info, "filed_by": "applicant", "fees": [fee]}
        payments.configure(session, agencies.by_code(session, POLICE).id, None, ext["clock"].now())


def _police_dossiers(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(Dossier)
                              .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                              .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                              .where(Procedure.code == CHILD_CODE))


def test_the_hand_over_refuses_a_callee_fee_due_before_the_result_its_payer_cannot_see(app, api, clock):
    """D26, D33: the sub-dossier would wait in status 6 for the citizen, who never sees it: the Sở's officer is
    told why (409, naming the callee and its fee) and no sub-dossier is left waiting."""
    code = filed(app, api, clock)
    _give_police_a_fee(app)
    body = api.act(officer(SO, "intake"), code, "receive", status=409)["error"]
    assert body["code"] == "handover_callee_fee", body
    assert CHILD_CODE in body["message"] and FEE in body["message"], body["message"]
    assert _police_dossiers(app) == 0
    parent = api.get(f"/api/v1/dossiers/{code}", officer(SO, "intake")).get_json()
    assert parent["status"] == 1 and parent["handovers"] == []  # still filed, not received: nothing left waiting


def test_a_callee_fee_the_form_exempts_or_asked_at_intake_does_not_stop_the_hand_over(app, api, clock):
    """D26, D33: only a fee the sub-dossier would wait for stops the hand-over; one the filing form exempts, or one
    due at filing or intake (never asked of a sub-dossier), leaves it to open."""
    code = filed(app, api, clock)
    _give_police_a_fee(app, exempt_if="so_luong_phieu >= 1")
    parent = api.act(officer(SO, "intake"), code, "receive")
    assert parent["status"] == 4 and len(parent["handovers"]) == 1
    _give_police_a_fee(app, moment="intake")
    clock.set(vn(2026, 12, 7, 10, 0))
    api.tokens.clear()
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    second = r.get_json()["code"]
    assert api.act(officer(SO, "intake"), second, "receive")["status"] == 4
    assert _police_dossiers(app) == 2


def test_deploy_refuses_a_hand_over_to_a_procedure_with_a_fee_before_the_result(app, settings, tmp_path):
    """D26, D33: the Sở's procedure cannot be deployed to hand over to a police procedure that asks a fee before
    its result (the message names the callee, its name and the fee); nor can the police add such a fee while the
    Sở's procedure hands over to it."""
    build_lienthong(app)
    ext = app.extensions["tthc"]
    police = _police_with_fee(tmp_path, settings)
    parent = procedures.load_file(FOLDER / "ly-lich-tu-phap.bpmn", settings.forms_dir)
    with ext["sessions"].begin() as session:
        assert lint_handover.deploy_problems(session, parent) == []  # the shipped pair is sound
        [callee_side] = lint_handover.deploy_problems(session, police)
        assert PARENT_CODE in callee_side.message and FEE in callee_side.message, callee_side.message
        with pytest.raises(DefinitionError) as refused:  # the real deploy says it (tthc deploy, the upload page)
            procedures.deploy(session, police, ext["clock"].now(), "tester")
    assert any(FEE in p.message for p in refused.value.problems), refused.value
    _give_police_a_fee(app)  # as deployed before this check existed
    with ext["sessions"].begin() as session:
        [problem] = lint_handover.deploy_problems(session, parent)
        with pytest.raises(DefinitionError):
            procedures.deploy(session, parent, ext["clock"].now(), "tester")
    assert problem.element and problem.line
    assert CHILD_CODE in problem.message and FEE in problem.message and "trước khi trả kết quả" in problem.message


def test_deploy_lets_a_callee_keep_a_fee_at_intake_for_its_own_direct_filers(app, settings, tmp_path):
    """D26, D33: a fee due at intake is its direct filers' (never asked of a sub-dossier): no refusal."""
    build_lienthong(app)
    ext = app.extensions["tthc"]
    police = _police_with_fee(tmp_path, settings, moment="at_intake")
    parent = procedures.load_file(FOLDER / "ly-lich-tu-phap.bpmn", settings.forms_dir)
    with ext["sessions"].begin() as session:
        assert lint_handover.deploy_problems(session, police) == []
        procedures.deploy(session, police, ext["clock"].now(), "tester")
        assert lint_handover.deploy_problems(session, parent) == []
