"""Step kinds as declared transitions (engine/cases/steps): the declaration is consistent with the legal status
transitions, and what a work item offers (inbox page, API ``actions``, simulator) is exactly the declaration
∩ the BPMN routing — the use case refuses anything else with the same answer."""
from __future__ import annotations

import io

import pytest
from lxml import etree

from conftest import CITIZEN, SAMPLE, STEP_DATA, Api
from engine.cases.steps import catalogue
from engine.data.model import OFFICER_ROLES, ROLES
from engine.law.statuses import TERMINAL, Status, can_move
from engine.process import lint, stepkinds
from web_support import Web, text_of

# api.md, "Step kinds and actions": the contract the declaration keeps.
API_MD_TABLE = {
    "intake": ("receive", "request_supplement", "refuse"),
    "assessment": ("propose_approval", "propose_refusal", "request_supplement", "request_extension"),
    "extension_review": ("confirm_extension", "reject_extension"),
    "approval": ("approve", "refuse", "send_back"),
    "signing": ("issue_result",),
    "return": ("return_result",),
    "apology": ("issue_apology",),
}
DOCUMENT_KINDS = {"filing", "receipt", "supplement_request", "refusal", "apology", "control_slip", "result",
                  "result_draft", "stop_notice"}
ALL_ACTIONS = [(kind.name, action) for kind in catalogue.KINDS.values() for action in kind.actions]


# -- the declaration ------------------------------------------------------------------------------------------
def test_every_step_kind_a_bpmn_may_name_is_declared_and_only_those():
    assert tuple(catalogue.KINDS) == stepkinds.ALL
    assert {k: catalogue.STEP_ACTIONS[k] for k in stepkinds.DRAWN} == lint.STEP_ACTIONS  # what validation checks
    assert {k for k, kind in catalogue.KINDS.items() if kind.drawn} == set(stepkinds.DRAWN)
    assert {k for k, kind in catalogue.KINDS.items() if not kind.drawn} == {"apology"}


def test_the_officers_actions_are_api_md_table():
    assert {k: catalogue.STEP_ACTIONS[k] for k in catalogue.OFFICER_STEPS} == API_MD_TABLE


@pytest.mark.parametrize("step,action", ALL_ACTIONS, ids=[f"{s}.{a.name}" for s, a in ALL_ACTIONS])
def test_every_declared_move_is_a_legal_status_transition(step, action):
    assert action.sources and action.sources <= set(Status)
    assert not action.sources & TERMINAL, "no action on a closed dossier"
    for source in action.sources:
        previous = source
        for _, status in action.moves:
            assert previous != status and can_move(previous, status), (step, action.name, previous, status)
            previous = status
        for end in action.ends:
            assert can_move(source, end), (step, action.name, source, end)
    assert not (action.moves and action.ends)
    if action.moves:
        assert action.moves[0][0] == action.name, "the first move is recorded as the action itself"


@pytest.mark.parametrize("step,action", ALL_ACTIONS, ids=[f"{s}.{a.name}" for s, a in ALL_ACTIONS])
def test_every_declared_action_names_known_roles_documents_and_events(step, action):
    kind = catalogue.KINDS[step]
    assert action.roles and action.roles <= set(ROLES)
    assert action.roles <= (OFFICER_ROLES if kind.face in ("officer", "engine") else {"citizen"})
    assert set(action.documents) <= DOCUMENT_KINDS
    assert set(action.audit) <= {"letter_issued", "extended"}
    assert ("apology" in action.documents) == ("letter_issued" in action.audit) == ("citizen" in action.notifies)
    assert kind.face == "citizen" or action.handler is not None or not (action.moves or action.documents)


def test_an_action_is_found_by_its_step_kind_refuse_means_two_things():
    intake, approval = catalogue.declared("intake", "refuse"), catalogue.declared("approval", "refuse")
    assert intake.targets == (3,) and approval.targets == ()  # status 3 at intake; the outcome at approval
    assert catalogue.declared("intake", "approve") is None and catalogue.declared("nowhere", "receive") is None


# -- the routing read from the BPMN -------------------------------------------------------------------------
def _process(body: str):
    xml = (f'<definitions xmlns="{stepkinds.BPMN}" xmlns:spiff="{stepkinds.SPIFF}"><process id="p">'
           '<userTask id="t"/>'
           '<userTask id="s"><extensionElements><spiff:properties><spiff:property name="step" value="supplement"/>'
           '</spiff:properties></extensionElements></userTask>'
           '<userTask id="a"><extensionElements><spiff:properties><spiff:property name="step" value="approval"/>'
           '</spiff:properties></extensionElements></userTask>'
           f'<endEvent id="e"/><exclusiveGateway id="m"/>{body}</process></definitions>')
    return etree.fromstring(xml.encode()).find(f"{{{stepkinds.BPMN}}}process")


def _routes(body: str, declared: str | None = None):
    process = _process(body)
    return stepkinds.routed_actions(process, process.find(f"{{{stepkinds.BPMN}}}userTask"), declared)


def _flow(ident: str, source: str, target: str, condition: str | None = None) -> str:
    inner = f"<conditionExpression>{condition}</conditionExpression>" if condition else ""
    return f'<sequenceFlow id="{ident}" sourceRef="{source}" targetRef="{target}">{inner}</sequenceFlow>'


GATEWAY = '<exclusiveGateway id="g"{default}/>' + _flow("f0", "t", "g")


def test_the_routing_says_where_each_action_goes_and_where_the_others_go():
    body = (GATEWAY.format(default=' default="f3"') + _flow("f1", "g", "m", 'action == "request_supplement"')
            + _flow("m1", "m", "s")  # through a merging gateway to the citizen's step
            + _flow("f2", "g", "e", "action in ('refuse', \"stop\")") + _flow("f3", "g", "a"))
    assert _routes(body) == {"request_supplement": "supplement", "refuse": "end", "stop": "end", "*": "approval"}


@pytest.mark.parametrize("body,expected", [
    (GATEWAY.format(default="") + _flow("f1", "g", "a", 'action == "approve"'), {"approve": "approval"}),
    (GATEWAY.format(default=' default="f2"') + _flow("f1", "g", "a", "amount > 1") + _flow("f2", "g", "e"),
     {"*": None}),
    (_flow("f0", "t", "s"), {"*": "supplement"}),
    (_flow("f0", "t", "e", 'action == "refuse"') + _flow("f1", "t", "a"), {"refuse": "end", "*": "approval"}),
    ("", {}),
], ids=["no-default-only-named", "condition-on-other-data-anything", "straight-to-a-task",
        "conditional-flows-from-the-task", "no-flow-nothing-routed"])
def test_routing_cases(body, expected):
    assert _routes(body) == expected


def test_a_task_may_declare_the_subset_it_offers():
    body = GATEWAY.format(default=' default="f1"') + _flow("f1", "g", "a")
    assert _routes(body, "receive, refuse") == {"receive": None, "refuse": None}


def test_the_sample_routes_every_declared_action_where_it_leads():
    """Each step of the sample offers its whole declaration: the routing recorded at deploy agrees with it."""
    from engine.process import procedures

    definition = procedures.load_file(SAMPLE, SAMPLE.parent.parent.parent / "forms")
    by_task = {s["id"]: s["routes"] for s in definition.info["steps"]}
    assert by_task["tham_dinh"] == {"request_supplement": "supplement", "request_extension": "extension_review",
                                    "*": "approval"}
    assert by_task["tiep_nhan"] == {"receive": "assessment", "request_supplement": "supplement", "*": "end"}


# -- the offer through the API and the page --------------------------------------------------------------------
def deploy_variant(api: Api, replacements: list[tuple[str, str]]) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(text.encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["changed"] is True


NO_PROCESSING_SUPPLEMENT = [  # the assessment declares the subset it offers: no supplement request there
    ('<spiffworkflow:property name="step" value="assessment" />',
     '<spiffworkflow:property name="step" value="assessment" />\n'
     '          <spiffworkflow:property name="actions" value="propose_approval, propose_refusal, request_extension" />'),
]


def test_the_api_offers_the_declaration_within_the_tasks_subset_and_the_use_case_refuses_the_rest(api):
    deploy_variant(api, NO_PROCESSING_SUPPLEMENT)
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    task = api.task_for("demo.chuyenvien", code)
    assert task["actions"] == ["propose_approval", "propose_refusal", "request_extension"]
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", "demo.chuyenvien",
                 json={"action": "request_supplement", "data": STEP_DATA["request_supplement"]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "action_not_offered"
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["status"] == 4  # nothing moved
    assert api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])["status"] == 4


def test_the_inbox_page_shows_and_takes_only_the_offered_actions(app, api):
    deploy_variant(api, NO_PROCESSING_SUPPLEMENT)
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    specialist = Web(app.test_client()).login("demo.chuyenvien")
    task = specialist.task_id(code)
    page = text_of(specialist.get(f"/can-bo/cong-viec/{task}"))
    assert "Đề nghị gia hạn" in page and "Yêu cầu bổ sung" not in page
    specialist.post(f"/can-bo/cong-viec/{task}/request_supplement", {"items.0.component": "Tờ khai",
                    "items.0.problem": "Thiếu chữ ký", "items.0.required": "Ký lại"}, status=404)
    specialist.post(f"/can-bo/cong-viec/{task}/propose_approval", {"f.y_kien_tham_dinh": "Đủ điều kiện"},
                    status=302)


def test_an_intake_task_declaring_its_actions_offers_only_those(api):
    task = '<bpmn:userTask id="tiep_nhan" name="Tiếp nhận hồ sơ">\n      <bpmn:extensionElements>\n'
    deploy_variant(api, [(task + '        <spiffworkflow:properties>',
                          task + '        <spiffworkflow:properties>\n'
                          '          <spiffworkflow:property name="actions" value="receive, refuse" />')])
    code = api.file(CITIZEN)["code"]
    assert api.task_for("demo.tiepnhan", code)["actions"] == ["receive", "refuse"]
    api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"], status=422)


def test_along_the_sample_every_task_offers_its_declaration_for_its_role_and_status_and_makes_declared_documents(
        api):
    """The happy path and a refusal: at each step the API's actions are the declared ones, and each action
    adds only documents its declaration names."""
    code = api.file(CITIZEN)["code"]
    path = [("demo.tiepnhan", "intake", "receive", {}),
            ("demo.chuyenvien", "assessment", "propose_approval", STEP_DATA["propose_approval"]),
            ("demo.lanhdao", "approval", "approve", {"y_kien_phe_duyet": "Đồng ý"}),
            ("demo.vanthu", "signing", "issue_result", STEP_DATA["issue_result"]),
            ("demo.tiepnhan", "return", "return_result", STEP_DATA["return_result"])]
    before = {d["id"] for d in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"]}
    for user, step, action, data in path:
        task = api.task_for(user, code)
        assert task["step"] == step and task["actions"] == list(API_MD_TABLE[step])
        after = api.act(user, code, action, data)
        made = {d["kind"] for d in after["documents"] if d["id"] not in before}
        assert made <= set(catalogue.declared(step, action).documents), (action, made)
        before = {d["id"] for d in after["documents"]}
