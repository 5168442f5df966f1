"""D17, D29: in the demo province every work item a procedure offer can create has an officer who can take it. A
work item goes to the agency engine.cases.dossiers.work_agency names for its step and lane role (the one-stop's
confirmation of an extension stays at the receiving agency); an item no active officer there holds the role of is
in no inbox, and for an extension the new appointment never takes effect: the dossier can only run late. Checked
from the data (every offer, every officer step of its BPMN), and end to end for the Sở Tư pháp, which receives its
own dossiers at its own one-stop."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from conftest import CITIZEN, iso, vn
from engine.cases import dossiers
from engine.cases.steps import catalogue
from engine.cli.demo import DEPARTMENT_PROCEDURE
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Dossier, Procedure, ProcedureVersion, User
from test_admin_subtree_procedures import database_url, province_template  # noqa: F401 - the demo province, built once

ROOT = Path(__file__).resolve().parent.parent
SO_TU_PHAP = "000.00.12.H56"
RECEIVER, SPECIALIST, LEADER, HEAD = ("sotuphap.tiepnhan", "sotuphap.chuyenvien", "sotuphap.lanhdao",
                                      "sotuphap.thutruong")


def _unheld(session) -> list[str]:
    """(procedure, offering agency, step, role, agency of the item) of every officer step of every active offer
    whose work item would reach an agency where no active officer holds its role."""
    holders: dict[int, set[str]] = {}
    for user in session.scalars(select(User).where(User.agency_id.is_not(None), User.cancelled_at.is_(None),
                                                   User.locked_reason.is_(None))):
        holders.setdefault(user.agency_id, set()).update(user.roles)
    codes = {id_: code for id_, code in session.execute(select(Agency.id, Agency.code))}
    missing = []
    for offer in session.scalars(select(ProcedureOffer).where(ProcedureOffer.active.is_(True))):
        procedure = session.get(Procedure, offer.procedure_id)
        version = session.get(ProcedureVersion, procedure.latest_version_id)
        dossier = Dossier(agency_id=offer.agency_id, processing_agency_id=offer.processing_agency_id)
        for step in version.info["steps"]:
            if step["step"] not in catalogue.OFFICER_STEPS or not step["role"]:
                continue
            agency = dossiers.work_agency(dossier, step["step"], step["role"])
            if step["role"] not in holders.get(agency, set()):
                missing.append(f"{procedure.code} @ {codes[offer.agency_id]}: {step['id']} ({step['step']}, "
                               f"{step['role']}) -> {codes[agency]}")
    return missing


def test_every_work_item_of_every_demo_offer_has_an_officer_who_can_take_it_D17_D29(app):
    """D29: each offer of the demo province, each officer step of its BPMN: the agency that gets the item has an
    active officer of the item's role (D17: the centre director's confirmation of an extension at an agency that
    receives its own dossiers is its head's, as in a ward)."""
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(ProcedureOffer.id).limit(1)) is not None  # the province's offers are there
        assert _unheld(session) == []


def test_the_so_tu_phap_head_confirms_the_extension_of_its_own_dossier_and_the_due_moves_D17(api, clock):
    """D17: a trích lục hộ tịch received at the Sở Tư pháp's own one-stop; the specialist asks 2 working hours,
    the department leader confirms, then the one-stop's confirmation is in the Sở head's inbox (the one-stop is
    led by the agency's head) and confirming it moves the due time: Mon 23/11/2026 17:00 → Wed 25/11 09:00
    (Tue 24/11, Ngày Văn hóa Việt Nam, is a day off)."""
    form = json.loads((ROOT / "processes" / "trich-luc-ho-tich" / "sample.json").read_text(encoding="utf-8"))["form"]
    code = api.file(CITIZEN, form=form, procedure=DEPARTMENT_PROCEDURE)["code"]
    clock.set(vn(2026, 11, 23, 9, 5))
    received = api.act(RECEIVER, code, "receive")
    due = received["due_at"]
    assert due == iso(2026, 11, 23, 17, 0)
    clock.set(vn(2026, 11, 23, 10, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_hours": 2, "reason": "Cần xác minh Sổ hộ tịch gốc"})
    clock.set(vn(2026, 11, 23, 10, 10))
    halfway = api.act(LEADER, code, "confirm_extension")
    assert halfway["due_at"] == due and halfway["extensions"] == 0
    task = api.task_for(HEAD, code)
    assert task["step"] == "extension_review" and task["role"] == "centre_director"
    clock.set(vn(2026, 11, 23, 10, 20))
    extended = api.act(HEAD, code, "confirm_extension")
    assert extended["due_at"] == iso(2026, 11, 25, 9, 0)
    assert extended["original_due_at"] == due and extended["extensions"] == 1
