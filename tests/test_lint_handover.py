"""D33, D18, D26: the lint of liên thông. A procedure filed only by another agency's hand-over (``filedBy`` =
``handover``) has no citizen to address: its supplement requests, extensions and fees cannot work on a
sub-dossier (the citizen never sees it, the hand-over files and receives it) and are refused; its return step,
completed by the hand-back, stays. A hand-over's share longer than the calling procedure's own processing time
makes every dossier late by design and is refused, both durations said in Vietnamese words.

The BPMNs are the shipped ones of processes/ (the police's part of the criminal record certificate, the Sở Tư
pháp's procedure that hands over to it, the ward's death registration), changed a little for each case."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.errors import DefinitionError
from engine.process import procedures

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
LLTP = PROCESSES / "ly-lich-tu-phap"
KHAI_TU = PROCESSES / "khai-tu"


@pytest.fixture
def backend():
    return "sqlite"  # lint reads no database: one backend is enough


FILED_BY = '<spiffworkflow:property name="filedBy" value="handover"/>'
ASSESSMENT_ACTIONS = '<spiffworkflow:property name="actions" value="propose_approval, propose_refusal"/>'


def _folder(tmp_path: Path, *sources: Path) -> Path:
    """A procedure folder: the forms of ``sources`` and their result templates, next to the BPMN to lint."""
    (tmp_path / "forms").mkdir()
    for source in sources:
        for form in (source / "forms").iterdir():
            if not (tmp_path / "forms" / form.name).exists():
                (tmp_path / "forms" / form.name).symlink_to(form)
        for page in source.glob("*.html"):
            if not (tmp_path / page.name).exists():
                (tmp_path / page.name).symlink_to(page)
    return tmp_path


def _problems(settings, tmp_path: Path, name: str, text: str, *sources: Path) -> list[str]:
    path = _folder(tmp_path, *(sources or (LLTP,))) / name
    path.write_text(text, encoding="utf-8")
    try:
        procedures.load_file(path, settings.forms_dir)
    except DefinitionError as err:
        return [f"{p.element}: {p.message}" for p in err.problems]
    return []


def _police(change=lambda text: text) -> str:
    text = (LLTP / "xac-minh-ly-lich.bpmn").read_text(encoding="utf-8")
    assert FILED_BY in text and ASSESSMENT_ACTIONS in text
    return change(text)


def _death_registration_as_a_sub_dossier() -> str:
    """The ward's death registration, with its supplement and extension steps, turned into a callee procedure."""
    text = (KHAI_TU / "khai-tu.bpmn").read_text(encoding="utf-8")
    return text.replace('<spiffworkflow:property name="durationUnit" value="same_day"/>',
                        '<spiffworkflow:property name="durationUnit" value="same_day"/>' + FILED_BY)


# -- 1. what addresses the citizen in a procedure filed only by hand-over ------------------------------------------
def test_the_shipped_police_part_passes_with_its_return_step(settings, tmp_path):
    """D33: a callee that only receives, assesses, approves, signs and returns to the sending agency is sound; its
    return step (completed by the hand-back) is kept."""
    assert _problems(settings, tmp_path, "xac-minh-ly-lich.bpmn", _police()) == []


def test_a_sub_dossier_cannot_be_asked_for_a_supplement_at_assessment(settings, tmp_path):
    """D33: the citizen cannot see the sub-dossier and the other agency's desk cannot supplement an online filing:
    a supplement request would leave it waiting for ever, so lint refuses it and names the step."""
    text = _police(lambda t: t.replace(ASSESSMENT_ACTIONS, ASSESSMENT_ACTIONS.replace(
        "propose_refusal", "propose_refusal, request_supplement")))
    problems = _problems(settings, tmp_path, "xac-minh-ly-lich.bpmn", text)
    found = [p for p in problems if "request_supplement" in p and "filedBy=handover" in p]
    assert len(found) == 1 and found[0].startswith("tra_cuu: "), problems
    assert "Tra cứu, xác minh thông tin lý lịch tư pháp" in found[0] and "liên thông" in found[0]
    assert "công dân không thấy hồ sơ này" in found[0]


def test_an_assessment_offering_every_action_is_refused_in_a_sub_dossier(settings, tmp_path):
    """D33, D18: an assessment that declares no ``actions`` offers them all, a supplement request and an extension
    among them: both are named."""
    problems = _problems(settings, tmp_path, "xac-minh-ly-lich.bpmn", _police(lambda t: t.replace(
        ASSESSMENT_ACTIONS, "")))
    mine = [p for p in problems if p.startswith("tra_cuu: ") and "filedBy=handover" in p]
    assert any("request_supplement" in p for p in mine) and any("request_extension" in p for p in mine), problems
    assert all("liên thông" in p for p in mine)


def test_a_callee_with_supplement_extension_and_intake_choices_is_refused_step_by_step(settings, tmp_path):
    """D33, D18: the death registration's supplement steps, extension reviews, its assessment's supplement and
    extension requests and its intake's refusal and supplement request, all refused by name in a callee."""
    problems = _problems(settings, tmp_path, "khai-tu.bpmn", _death_registration_as_a_sub_dossier(), KHAI_TU)
    by_step = {}
    for p in problems:
        element, message = p.split(": ", 1)
        by_step.setdefault(element, []).append(message)
    assert {"bo_sung_tiep_nhan", "bo_sung_xu_ly", "gia_han_phong", "gia_han_trung_tam", "tham_dinh",
            "tiep_nhan"} <= set(by_step), problems
    assert "bước bổ sung hồ sơ của công dân" in by_step["bo_sung_xu_ly"][0]
    assert "gia hạn" in by_step["gia_han_phong"][0]
    assert "request_supplement, refuse" in by_step["tiep_nhan"][0] and "actions=receive" in by_step["tiep_nhan"][0]
    assert len(by_step["tham_dinh"]) == 2
    for step in ("ky_ban_hanh", "phe_duyet", "tra_ket_qua"):  # what works for a sub-dossier stays
        assert step not in by_step, problems


def test_the_same_procedure_filed_by_the_applicant_keeps_them(settings, tmp_path):
    """D10, D17: filed by the citizen, the same steps are the procedure's own: nothing is refused."""
    assert _problems(settings, tmp_path, "khai-tu.bpmn", (KHAI_TU / "khai-tu.bpmn").read_text(encoding="utf-8"),
                     KHAI_TU) == []


@pytest.mark.parametrize("moment", ["at_filing", "at_intake", "before_result"])
def test_a_sub_dossier_has_no_fee_to_pay(settings, tmp_path, moment):
    """D26, D33: a fee at filing or intake is never asked (the hand-over files and receives the sub-dossier), a fee
    before the result leaves it waiting for a payer who cannot see it: lint refuses the declaration, naming it."""
    text = _police(lambda t: t.replace(FILED_BY, FILED_BY + f'<spiffworkflow:property name="fee.phi_xac_minh" '
                                                            f'value="50000;{moment};Phí xác minh lý lịch"/>'))
    problems = _problems(settings, tmp_path, "xac-minh-ly-lich.bpmn", text)
    assert len(problems) == 1 and "Phí xác minh lý lịch" in problems[0] and "filedBy=handover" in problems[0], problems
    assert problems[0].startswith("xac_minh_ly_lich: ")


# -- 2. a hand-over's share within the calling procedure's processing time ---------------------------------------
def _so(share: str, unit: str = "working_day", duration: str = "10", duration_unit: str = "working_day") -> str:
    text = (LLTP / "ly-lich-tu-phap.bpmn").read_text(encoding="utf-8")
    for old, new in (('name="share" value="5"', f'name="share" value="{share}"'),
                     ('name="shareUnit" value="working_day"', f'name="shareUnit" value="{unit}"'),
                     ('name="duration" value="10"', f'name="duration" value="{duration}"'),
                     ('name="durationUnit" value="working_day"', f'name="durationUnit" value="{duration_unit}"')):
        assert old in text
        text = text.replace(old, new, 1)
    return text


def test_a_share_longer_than_the_procedure_is_refused_in_words(settings, tmp_path):
    """D33: 11 working days for the police inside a 10-working-day procedure: the Sở is late by design."""
    problems = _problems(settings, tmp_path, "ly-lich-tu-phap.bpmn", _so("11"))
    assert len(problems) == 1, problems
    assert "share: 11 ngày làm việc" in problems[0] and "duration: 10 ngày làm việc" in problems[0]
    assert "trễ hạn" in problems[0]


@pytest.mark.parametrize("share, unit, duration, duration_unit, said", [
    ("81", "working_hour", "10", "working_day", "share: 81 giờ làm việc) dài hơn thời hạn giải quyết của cả thủ "
                                                "tục (duration: 10 ngày làm việc, tức 80 giờ làm việc)"),
    ("2", "working_day", "12", "working_hour", "share: 2 ngày làm việc, tức 16 giờ làm việc"),
    ("11", "calendar_day", "10", "calendar_day", "share: 11 ngày) dài hơn thời hạn giải quyết của cả thủ tục "
                                                 "(duration: 10 ngày)"),
    ("9", "working_hour", "1", "same_day", "duration: trong ngày, tức 8 giờ làm việc"),
])
def test_units_are_compared_in_working_hours(settings, tmp_path, share, unit, duration, duration_unit, said):
    """D13, D33: a working day is 8 working hours, a same-day procedure is one working day, calendar days are
    compared with calendar days; the message gives both in working hours too when their units differ."""
    problems = _problems(settings, tmp_path, "ly-lich-tu-phap.bpmn", _so(share, unit, duration, duration_unit))
    assert len(problems) == 1 and said in problems[0], problems


@pytest.mark.parametrize("share, unit, duration, duration_unit", [
    ("10", "working_day", "10", "working_day"), ("80", "working_hour", "10", "working_day"),
    ("10", "calendar_day", "10", "working_day"), ("8", "working_hour", "1", "same_day"),
    ("30", "calendar_day", "10", "working_day"), ("20", "working_day", "14", "calendar_day")])
def test_a_share_within_the_procedure_passes(settings, tmp_path, share, unit, duration, duration_unit):
    """D33: a share up to the whole processing time is the designer's choice, not a defect; calendar days against
    working time are not judged (how many working days N calendar days hold depends on the filing date)."""
    assert _problems(settings, tmp_path, "ly-lich-tu-phap.bpmn", _so(share, unit, duration, duration_unit)) == []
