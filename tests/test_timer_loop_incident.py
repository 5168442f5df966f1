"""A designer's timer that is due again the instant it fires (an interrupting PT0S timer on the assessment task,
its path back to the task): the timer service's sweep fired it again and again, never ended (deadlines, warnings
and notices stopped for every dossier of the province) and held the dossier against the administrator's own
commands (409). Now its firing stops with the process's failure: one incident, the sweep ends, the others' work
goes on, and the administrator terminates the dossier. Real sample BPMN (a variant deployed through the API),
the real sweep, injected time."""
from __future__ import annotations

from test_operations import ADMIN, incidents_of, received, sweep
from test_versions import deploy

from engine.law.statuses import STOPPED

LOOP = '''    <bpmn:boundaryEvent id="nhac_lai" name="Nhắc lại" cancelActivity="true" attachedToRef="tham_dinh">
      <bpmn:outgoing>Flow_nhac_lai</bpmn:outgoing>
      <bpmn:timerEventDefinition id="nhac_lai_def">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{duration}</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="Flow_nhac_lai" sourceRef="nhac_lai" targetRef="gw_hop_tham_dinh" />
  </bpmn:process>'''


def looping_variant(duration: str = '"PT" + "0S"') -> str:
    """The sample with the looping timer; its duration computed (the check cannot know its value before it is
    armed), or a literal."""
    from test_versions import SOURCE

    text = SOURCE.replace("  </bpmn:process>", LOOP.replace("{duration}", duration), 1)
    text = text.replace('<bpmn:flowNodeRef>tham_dinh</bpmn:flowNodeRef>',
                        '<bpmn:flowNodeRef>tham_dinh</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>nhac_lai</bpmn:flowNodeRef>')
    return text.replace('<bpmn:incoming>Flow_phe_duyet_tra_lai</bpmn:incoming>',
                        '<bpmn:incoming>Flow_phe_duyet_tra_lai</bpmn:incoming>\n      '
                        '<bpmn:incoming>Flow_nhac_lai</bpmn:incoming>', 1)


def test_a_timer_due_again_the_instant_it_fires_is_an_incident_not_a_sweep_without_end(api, app, settings, clock):
    r = deploy(api, looping_variant())
    assert r.status_code == 201, r.get_json()
    code = received(api)
    clock.advance(minutes=1)
    result = sweep(app, settings, clock.now())
    assert result.incidents == 1, result
    [incident] = incidents_of(app, code)
    assert incident.state == "open" and "đến hạn lại ngay khi vừa chạy" in incident.message, incident.message
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/terminate", ADMIN, json={"reason": "Bộ hẹn giờ của mô hình bị lỗi"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == STOPPED


def test_a_literal_zero_duration_is_refused_at_deployment_with_its_line(api):
    for literal in ('"PT0S"', '"P0D"', '"PT0H0M"'):
        r = deploy(api, looping_variant(literal))
        assert r.status_code == 422, r.get_json()
        said = str(r.get_json())
        assert "khoảng thời gian bằng 0" in said and "Traceback" not in said, said
    # an instant where a duration is asked for passed the check, then its first firing failed with a traceback
    r = deploy(api, looping_variant('"2020-01-01T08:00:00+07:00"'))
    assert r.status_code == 422, r.get_json()
    assert "không hợp với timeDuration: timeDuration cần một khoảng thời gian" in str(r.get_json()), r.get_json()


def test_a_step_drawn_in_a_lane_whose_role_cannot_act_on_it_is_refused_with_its_line(api):
    """The intake in the clerk's lane deployed, and its dossiers waited for ever: the clerk's work item offered no
    action and the receiving officer's inbox was empty."""
    from test_versions import SOURCE

    moved = SOURCE.replace('<bpmn:flowNodeRef>tiep_nhan</bpmn:flowNodeRef>', '', 1).replace(
        '<bpmn:flowNodeRef>ky_ban_hanh</bpmn:flowNodeRef>',
        '<bpmn:flowNodeRef>ky_ban_hanh</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>tiep_nhan</bpmn:flowNodeRef>', 1)
    assert moved != SOURCE
    r = deploy(api, moved)
    assert r.status_code == 422, r.get_json()
    said = str(r.get_json())
    assert "bước 'intake' nằm trong làn Văn thư" in said and "chỉ: Cán bộ tiếp nhận" in said, said


def test_a_script_refusal_is_said_once_in_vietnamese():
    """ "import không được phép (imports không được phép": the compiler's own Vietnamese message, with its English
    in brackets, was translated again by the generic rule."""
    from engine.process import scripting, xmlwords

    said = [xmlwords.script(m) for m in scripting.check_script("import os\n")]
    assert said == ["dòng 1: import không được phép"], said
