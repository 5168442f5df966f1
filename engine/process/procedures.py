"""The catalogue: lint BPMN procedures and deploy them as versions (docs/bpmn-conventions.md).

SpiffWorkflow's own checks are shallow (no script compilation, orphans ignored, empty line numbers), so
``lint`` adds ours and reports every problem with file, line and element before anything is stored.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.process import forms as forms_mod
from engine.process import runtime, scripting
from engine.core.errors import DefinitionError, NotFound, Problem
from engine.data.model import ROLES, Agency, Procedure, ProcedureVersion

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiff": SPIFF}

STEP_ACTIONS: dict[str, tuple[str, ...]] = {
    "intake": ("receive", "request_supplement", "refuse"),
    "supplement": ("supplement",),
    "assessment": ("propose_approval", "propose_refusal", "request_supplement", "request_extension"),
    "extension_review": ("confirm_extension", "reject_extension"),
    "approval": ("approve", "refuse", "send_back"),
    "signing": ("issue_result",),
    "return": ("return_result",),
}
CODE_RE = re.compile(r"^\d\.\d{6}(\.[A-Z]\d{2})?$")
AGENCY_RE = re.compile(r"^[0-9A-Z]{1,10}(\.[0-9A-Z]{1,10}){0,5}$")
UNITS = ("working_day", "working_hour", "calendar_day")
LEVEL_FACTS = {
    "paperRequired": (False, "Không phải nộp hoặc xuất trình giấy tờ bản giấy",
                      "Phải nộp hoặc xuất trình giấy tờ bản giấy"),
    "presenceRequired": (False, "Không phải đến cơ quan", "Người nộp phải có mặt tại cơ quan"),
    "onsiteVerification": (False, "Không phải thẩm tra, xác minh có mặt người nộp",
                           "Phải thẩm tra, xác minh thực tế có mặt người nộp"),
    "onlinePayment": (True, "Phí, lệ phí nộp được trực tuyến", "Phí, lệ phí chưa nộp được trực tuyến"),
    "onlineResult": (True, "Kết quả trả trực tuyến hoặc qua bưu chính",
                     "Kết quả chưa trả được trực tuyến hoặc qua bưu chính"),
}
LANE_ROLES = {**{code: code for code in ROLES}, **{label.lower(): code for code, label in ROLES.items()}}
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
ISO_CYCLE = re.compile(r"^R\d*/")


@dataclass
class Definition:
    """A BPMN file that passed every check, ready to deploy."""

    file_name: str
    process_id: str
    bpmn_xml: str
    spec_json: str
    forms: dict[str, dict]
    info: dict
    content_hash: str

    @property
    def code(self) -> str:
        return self.info["code"]


def _props(el) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in
            el.findall("bpmn:extensionElements/spiff:properties/spiff:property", NS)}


class _Linter:
    def __init__(self, file_name: str, forms: dict[str, dict]):
        self.file, self.forms, self.problems = file_name, forms, []

    def add(self, el, message: str, element: str | None = None) -> None:
        line = el.sourceline if el is not None else None
        self.problems.append(Problem(self.file, line, element or (el.get("id", "") if el is not None else ""),
                                     message))

    def form(self, el, key: str | None, what: str) -> None:
        if not key:
            self.add(el, f"thiếu biểu mẫu ({what})")
        elif key not in self.forms:
            self.add(el, f"biểu mẫu không tồn tại: {key}")
        else:
            for msg in forms_mod.check_schema(self.forms[key]):
                self.add(el, f"biểu mẫu {key}: {msg}")

    def process_info(self, proc) -> dict:
        props = _props(proc)
        info: dict = {"process_id": proc.get("id"), "name": (proc.get("name") or "").strip()}
        if not info["name"]:
            self.add(proc, "quy trình phải có tên (thuộc tính name)")
        code = props.get("procedureCode", "")
        if not CODE_RE.match(code):
            self.add(proc, f"mã thủ tục (procedureCode) không hợp lệ: {code!r}")
        agency = props.get("agency", "")
        if not AGENCY_RE.match(agency):
            self.add(proc, f"mã định danh cơ quan (agency) không hợp lệ: {agency!r}")
        try:
            value = float(props.get("duration", ""))
            if value <= 0:
                raise ValueError
        except ValueError:
            self.add(proc, "thời hạn giải quyết (duration) phải là số dương")
            value = 0
        unit = props.get("durationUnit", "working_day")
        if unit not in UNITS:
            self.add(proc, f"đơn vị thời hạn (durationUnit) không hợp lệ: {unit!r}")
        clock = props.get("clockOnSupplement", "restart")
        if clock not in ("restart", "pause"):
            self.add(proc, f"clockOnSupplement phải là restart hoặc pause, không phải {clock!r}")
        filing = props.get("filingForm")
        self.form(proc, filing, "filingForm")
        fees = []
        for key, raw in props.items():
            if key.startswith("fee."):
                parts = raw.split(";", 2)
                if len(parts) != 3 or not parts[0].isdigit() or parts[1] not in ("at_intake", "before_result"):
                    self.add(proc, f"phí {key}: cần dạng '<số tiền>;at_intake|before_result;<tên>'")
                    continue
                fees.append({"key": key[4:], "name": parts[2], "amount": int(parts[0]), "when": parts[1]})
        components = [{"key": k[10:], "name": v} for k, v in props.items() if k.startswith("component.")]
        level_facts, reasons, full = {}, [], True
        for fact, (good, yes_text, no_text) in LEVEL_FACTS.items():
            raw = props.get(f"level.{fact}", "true" if good else "false").lower()
            if raw not in ("true", "false"):
                self.add(proc, f"level.{fact} phải là true hoặc false")
            val = raw == "true"
            level_facts[fact] = val
            ok = val == good or (fact == "onlinePayment" and not fees)
            full &= ok
            reasons.append(yes_text if ok else no_text)
        info.update(
            code=code, agency=agency, agency_name=props.get("agencyName") or f"Cơ quan {agency}",
            duration={"value": value, "unit": unit}, clock_on_supplement=clock, filing_form=filing,
            fees=fees, components=components, level_facts=level_facts,
            level="full_online" if full else "partial_online", level_reasons=reasons,
        )
        return info

    def expression(self, el, text: str, what: str) -> None:
        for msg in scripting.check_expression(text):
            self.add(el, f"{what} không hợp lệ: {msg}")

    def timer(self, el, text: str) -> None:
        text = (text or "").strip()
        if not text:
            self.add(el, "biểu thức hẹn giờ trống")
            return
        problems = scripting.check_expression(text)
        if problems:
            self.add(el, f"biểu thức hẹn giờ không hợp lệ: {problems[0]}")
            return
        if ISO_DURATION.match(text) or ISO_CYCLE.match(text) or _is_aware_datetime(text):
            self.add(el, f"biểu thức hẹn giờ là Python: viết trong dấu nháy, ví dụ \"{text}\"")
            return
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return  # a variable or an expression: checked when the timer is armed
        if not isinstance(value, str):
            self.add(el, "biểu thức hẹn giờ phải cho ra một chuỗi ISO 8601")
        elif not (ISO_DURATION.match(value) or ISO_CYCLE.match(value) or _is_aware_datetime(value)):
            self.add(el, f"'{value}' không phải khoảng thời gian hay thời điểm ISO 8601 có múi giờ")


def _is_aware_datetime(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _reachability(linter: _Linter, proc) -> None:
    nodes = {}
    for el in proc.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        local = etree.QName(el).localname
        if el.getparent() is proc and local not in ("sequenceFlow", "laneSet", "extensionElements",
                                                     "documentation", "dataObject", "dataObjectReference",
                                                     "dataStoreReference", "association", "textAnnotation"):
            nodes[el.get("id")] = el
    edges: dict[str, list[str]] = {}
    for flow in proc.findall("bpmn:sequenceFlow", NS):
        src, dst = flow.get("sourceRef"), flow.get("targetRef")
        for ref in (src, dst):
            if ref not in nodes:
                linter.add(flow, f"luồng trỏ tới phần tử không tồn tại: {ref}")
        edges.setdefault(src, []).append(dst)
    for el in nodes.values():
        if etree.QName(el).localname == "boundaryEvent":
            edges.setdefault(el.get("attachedToRef"), []).append(el.get("id"))
    starts = [i for i, el in nodes.items() if etree.QName(el).localname == "startEvent"]
    if not starts:
        linter.add(proc, "quy trình không có sự kiện bắt đầu")
    seen, todo = set(starts), list(starts)
    while todo:
        for nxt in edges.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for node_id, el in nodes.items():
        if node_id not in seen:
            linter.add(el, "phần tử không thể đi tới từ sự kiện bắt đầu")


def lint(bpmn: bytes, file_name: str, forms: dict[str, dict]) -> tuple[list[Problem], dict | None, object]:
    """Every problem of one BPMN file, the catalogue info, and the parsed lxml tree."""
    linter = _Linter(file_name, forms)
    try:
        tree = etree.fromstring(bpmn, etree.XMLParser(resolve_entities=False, no_network=True,
                                                      remove_comments=False))
    except etree.XMLSyntaxError as exc:
        return [Problem(file_name, exc.lineno, "", f"XML không đúng cú pháp: {exc.msg}")], None, None
    try:
        VALIDATOR.validate(tree, file_name)
    except ValidationException as exc:
        linter.problems.append(Problem(file_name, exc.line_number or None, exc.id or "", str(exc).split("\n")[0]))
        return linter.problems, None, tree
    processes = [p for p in tree.findall("bpmn:process", NS) if p.get("isExecutable") == "true"]
    if len(processes) != 1:
        linter.add(tree, f"cần đúng một quy trình thực thi được (isExecutable), có {len(processes)}")
        return linter.problems, None, tree
    proc = processes[0]
    info = linter.process_info(proc)
    lanes = {}
    for lane in proc.findall("bpmn:laneSet/bpmn:lane", NS):
        role = LANE_ROLES.get((lane.get("name") or "").strip().lower())
        if role is None:
            linter.add(lane, f"làn (lane) '{lane.get('name')}' không phải một vai trò đã biết")
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = role
    steps, timer_names = [], {}
    for el in proc.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if local == "userTask":
            props = _props(el)
            step = props.get("step")
            if step not in STEP_ACTIONS:
                linter.add(el, f"loại bước (step) không hợp lệ: {step!r}; "
                               f"dùng một trong {', '.join(STEP_ACTIONS)}")
            role = lanes.get(el.get("id"))
            if el.get("id") not in lanes:
                linter.add(el, "công việc không nằm trong làn (vai trò) nào")
            elif role and step == "supplement" and role != "citizen":
                linter.add(el, "bước bổ sung (supplement) phải thuộc làn Công dân")
            elif role and step in STEP_ACTIONS and step != "supplement" and role == "citizen":
                linter.add(el, "bước xử lý phải thuộc làn của cán bộ, không phải Công dân")
            linter.form(el, props.get("formJsonSchemaFilename"), "formJsonSchemaFilename")
            steps.append({"id": el.get("id"), "name": el.get("name") or el.get("id"), "step": step,
                          "role": role, "form": props.get("formJsonSchemaFilename")})
        elif local == "conditionExpression":
            linter.expression(el.getparent(), el.text or "", "điều kiện")
        elif local == "script" and etree.QName(el.getparent()).localname == "scriptTask":
            for msg in scripting.check_script(el.text or ""):
                linter.add(el.getparent(), f"kịch bản không hợp lệ: {msg}")
        elif el.tag in (f"{{{SPIFF}}}preScript", f"{{{SPIFF}}}postScript"):
            task = el.getparent().getparent()
            for msg in scripting.check_script(el.text or ""):
                linter.add(task, f"kịch bản {etree.QName(el).localname} không hợp lệ: {msg}")
        elif local == "timerEventDefinition":
            event = el.getparent()
            name = event.get("name") or event.get("id")
            if name in timer_names:
                linter.add(event, f"trùng tên hẹn giờ '{name}' (đã dùng ở {timer_names[name]})")
            timer_names[name] = event.get("id")
            exprs = [c for c in el if isinstance(c.tag, str)]
            if not exprs:
                linter.add(event, "hẹn giờ không có biểu thức")
            for child in exprs:
                linter.timer(event, child.text or "")
        elif local == "exclusiveGateway":
            outgoing = proc.findall(f"bpmn:sequenceFlow[@sourceRef='{el.get('id')}']", NS)
            conditional = [f for f in outgoing if f.find("bpmn:conditionExpression", NS) is not None]
            if conditional and not el.get("default"):
                linter.add(el, "cổng rẽ nhánh có điều kiện cần một luồng mặc định (default)")
            if len(outgoing) > 1 and len(conditional) < len(outgoing) - 1:
                linter.add(el, "mỗi luồng ra (trừ luồng mặc định) cần một điều kiện")
    _reachability(linter, proc)
    info["steps"] = steps
    return linter.problems, info, tree


def _line_of(tree, element_id: str) -> int | None:
    found = tree.xpath("//*[@id=$i]", i=element_id) if tree is not None and element_id else []
    return found[0].sourceline if found else None


def load_definition(bpmn: bytes, file_name: str, forms: dict[str, dict]) -> Definition:
    """Lint and parse one BPMN file; raise DefinitionError with every problem."""
    problems, info, tree = lint(bpmn, file_name, forms)
    if problems:
        raise DefinitionError(problems)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, file_name)
        spec = parser.get_spec(info["process_id"])
        subprocess_specs = parser.get_subprocess_specs(info["process_id"])
    except (ValidationException, SpiffWorkflowException) as exc:
        element = getattr(exc, "id", "") or ""
        raise DefinitionError([Problem(file_name, _line_of(tree, element), element, str(exc).split("\n")[0])])
    used = {info["filing_form"]} | {s["form"] for s in info["steps"]}
    used_forms = {k: forms[k] for k in sorted(used)}
    digest = hashlib.sha256(bpmn + json.dumps(used_forms, sort_keys=True).encode()).hexdigest()
    return Definition(file_name=file_name, process_id=info["process_id"], bpmn_xml=bpmn.decode("utf-8"),
                      spec_json=runtime.serialize_spec(spec, subprocess_specs), forms=used_forms, info=info,
                      content_hash=digest)


def referenced_forms(bpmn: bytes) -> set[str]:
    """Form keys a BPMN file names (to load them from the forms folder)."""
    try:
        tree = etree.fromstring(bpmn, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return set()
    keys = set(tree.xpath("//spiff:property[@name='formJsonSchemaFilename' or @name='filingForm']/@value",
                          namespaces=NS))
    return {k for k in keys if k}


def read_forms(forms_dir: Path, keys: set[str], uploaded: dict[str, bytes] | None = None
               ) -> tuple[dict[str, dict], list[Problem]]:
    """Forms by key: uploaded files first, then the forms folder. Unreadable files are problems."""
    found, problems = {}, []
    for key in sorted(keys):
        if "/" in key or "\\" in key or key.startswith("."):
            problems.append(Problem(key, None, "", "tên biểu mẫu không hợp lệ"))
            continue
        raw = (uploaded or {}).get(key)
        if raw is None and (forms_dir / key).is_file():
            raw = (forms_dir / key).read_bytes()
        if raw is None:
            continue  # reported by the linter as an unknown form
        try:
            found[key] = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(Problem(key, getattr(exc, "lineno", None), "", f"JSON không hợp lệ: {exc}"))
    return found, problems


def load_file(path: Path, forms_dir: Path, uploaded: dict[str, bytes] | None = None) -> Definition:
    bpmn = path.read_bytes()
    forms, problems = read_forms(forms_dir, referenced_forms(bpmn), uploaded)
    if problems:
        raise DefinitionError(problems)
    return load_definition(bpmn, str(path), forms)


def deploy(session: Session, definition: Definition, now: datetime, actor: str | None = None
           ) -> tuple[ProcedureVersion, bool]:
    """Store ``definition`` as the next version of its procedure; an unchanged file changes nothing."""
    info = definition.info
    agency = session.scalar(select(Agency).where(Agency.code == info["agency"]))
    if agency is None:
        agency = Agency(code=info["agency"], name=info["agency_name"])
        session.add(agency)
        session.flush()
    proc = session.scalar(select(Procedure).where(Procedure.code == definition.code)
                          .with_for_update(of=Procedure))
    if proc is None:
        proc = Procedure(code=definition.code, name=info["name"], agency_id=agency.id)
        session.add(proc)
        session.flush()
    elif proc.latest_version_id is not None:
        latest = session.get(ProcedureVersion, proc.latest_version_id)
        if latest.content_hash == definition.content_hash:
            return latest, False
    number = (session.scalar(select(ProcedureVersion.version).where(ProcedureVersion.procedure_id == proc.id)
                             .order_by(ProcedureVersion.version.desc()).limit(1)) or 0) + 1
    version = ProcedureVersion(
        procedure_id=proc.id, version=number, process_id=definition.process_id, file_name=definition.file_name,
        content_hash=definition.content_hash, bpmn_xml=definition.bpmn_xml, spec_json=definition.spec_json,
        forms=definition.forms, info=info, deployed_at=now, deployed_by=actor)
    session.add(version)
    session.flush()
    proc.name, proc.agency_id, proc.latest_version_id = info["name"], agency.id, version.id
    return version, True


def latest_version(session: Session, code: str) -> ProcedureVersion:
    proc = session.scalar(select(Procedure).where(Procedure.code == code))
    if proc is None or proc.latest_version_id is None:
        raise NotFound(f"Không tìm thấy thủ tục {code}", code="procedure_not_found")
    return session.get(ProcedureVersion, proc.latest_version_id)
