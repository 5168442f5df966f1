"""The checks of a BPMN procedure file before anything is stored (docs/bpmn-conventions.md).

SpiffWorkflow's own checks are shallow and some constructs it parses break the service when run (a call
activity that calls its own process spins for ever; multi-instance tasks raise TypeError; service tasks have
no implementation here), so ``lint`` adds ours. Every problem names file, line and element, in Vietnamese;
the parser's English messages are translated and given the line and element it leaves out.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from lxml import etree

from engine.core import vocabulary
from engine.core.errors import Problem
from engine.data.model import ROLES
from engine.process import forms as forms_mod
from engine.process import fees as fee_rules
from engine.process import lint_handover, lint_timers, scripting, skeleton, stepkinds, xmlwords
from engine.process.bpmnparser import BPMN, NS, SPIFF, UNSUPPORTED, bpmn_name, parse_xml, schema_problems

STEP_ACTIONS: dict[str, tuple[str, ...]] = {
    "intake": ("receive", "request_supplement", "refuse"),
    "supplement": ("supplement",),
    "assessment": ("propose_approval", "propose_refusal", "request_supplement", "request_extension"),
    "extension_review": ("confirm_extension", "reject_extension"),
    "approval": ("approve", "refuse", "send_back"),
    "signing": ("issue_result",),
    "return": ("return_result",),
    "handover": ("hand_back",),  # completed by the engine when the other agency's result is issued (D33)
}
CODE_RE = re.compile(r"^\d\.\d{6}(\.[A-Z]\d{2})?$")
AGENCY_RE = re.compile(r"^[0-9A-Z]{1,10}(\.[0-9A-Z]{1,10}){0,5}$")
UNITS = ("working_day", "working_hour", "calendar_day", "same_day")  # engine.law.deadlines.UNITS
STEP_UNITS = UNITS[:3]  # a step's own limit (a same-day step has no figure to give)
MAX_DURATION = 10000  # of a procedure or a step, in its unit: beyond any procedure, within the calendar's years
LEVEL_FACTS = vocabulary.LEVEL_FACTS  # D27: (good value, reason when met, reason when not)
LANE_ROLES = {**{code: code for code in ROLES}, **{label.lower(): code for code, label in ROLES.items()}}
# D33: who files a procedure's dossiers: the applicant (the default), or only another agency's hand-over (the
# callee part of a liên thông, engine.cases.lienthong): never filed directly nor offered in the public catalogue
FILED_BY = ("applicant", "handover")
def props(el) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in
            el.findall("bpmn:extensionElements/spiff:properties/spiff:property", NS)}


class _Linter:
    def __init__(self, file_name: str, forms: dict[str, dict], tree=None, forms_dir: Path | None = None):
        self.file, self.forms, self.problems, self.forms_dir = file_name, forms, [], forms_dir
        self.messages = {m.get("id") for m in tree.findall("bpmn:message", NS)} if tree is not None else set()

    def add(self, el, message: str, element: str | None = None) -> None:
        line = el.sourceline if el is not None else None
        self.problems.append(Problem(self.file, line, element or (el.get("id", "") if el is not None else ""),
                                     message))

    def form(self, el, key: str | None, what: str) -> None:
        if not key:
            self.add(el, f"thiếu biểu mẫu ({what})")
        elif key not in self.forms:
            where = f" (không có tệp {self.forms_dir / key})" if self.forms_dir is not None else ""
            self.add(el, f"biểu mẫu không tồn tại: {key}{where}")
        else:
            for msg in forms_mod.check_schema(self.forms[key]):
                self.add(el, f"biểu mẫu {key}: {msg}")

    def handover(self, el, prop: dict) -> dict:
        """A liên thông step (D33): the callee procedure's code, the agency that processes it and its share of
        the processing time; that both exist is checked at deploy (engine.process.procedures)."""
        found = {"procedure": prop.get("handoverProcedure", ""), "agency": prop.get("handoverAgency", ""),
                 "unit": prop.get("shareUnit", "working_day"), "line": el.sourceline}
        if not CODE_RE.match(found["procedure"]):
            self.add(el, f"mã thủ tục liên thông (handoverProcedure) không hợp lệ: {found['procedure']!r}")
        if not AGENCY_RE.match(found["agency"]):
            self.add(el, f"mã cơ quan liên thông (handoverAgency) không hợp lệ: {found['agency']!r}")
        try:
            found["share"] = float(prop.get("share", ""))
        except ValueError:
            found["share"] = 0.0
        if not 0 < found["share"] <= 365:
            self.add(el, f"phần thời gian của cơ quan liên thông (share) phải là số dương: {prop.get('share')!r}")
        if found["unit"] not in UNITS[:3]:
            self.add(el, f"đơn vị thời gian (shareUnit) không hợp lệ: {found['unit']!r}; dùng một trong "
                         f"{', '.join(UNITS[:3])}")
        return found

    def offered(self, el, step: str | None, declared: str | None) -> list[str]:
        """The actions a task offers: its step kind's, or the subset its ``actions`` property declares."""
        kind = STEP_ACTIONS.get(step or "", ())
        if declared is None:
            return list(kind)
        names = [a.strip() for a in declared.split(",") if a.strip()]
        unknown = [a for a in names if a not in kind]
        if unknown or not names:
            self.add(el, f"thuộc tính actions: {', '.join(unknown) or 'trống'} không phải thao tác của bước "
                         f"{step!r}; dùng một phần của: {', '.join(kind)}")
        return [a for a in kind if a in names]

    def step_duration(self, el, prop: dict) -> dict | None:
        """A step's own time limit (``duration`` + ``durationUnit`` on the task), None when it sets none."""
        raw, unit = prop.get("duration"), prop.get("durationUnit", "working_day")
        if raw is None:
            return None
        if unit not in STEP_UNITS:
            self.add(el, f"đơn vị thời hạn của bước (durationUnit) không hợp lệ: {unit!r}; "
                         f"dùng {', '.join(STEP_UNITS)}")
        try:
            value = float(raw)
            if not 0 < value <= MAX_DURATION:
                raise ValueError
        except ValueError:
            self.add(el, f"thời hạn của bước (duration) phải là số dương, không phải {raw!r}")
            return None
        return {"value": value, "unit": unit}

    def process_info(self, proc) -> dict:
        prop = props(proc)
        # the name in one spelling (NFC): a name typed decomposed is the same name in the catalogue's search
        info: dict = {"process_id": proc.get("id"), "name": unicodedata.normalize("NFC", (proc.get("name") or "").strip())}
        if not info["name"]:
            self.add(proc, "quy trình phải có tên (thuộc tính name)")
        code = prop.get("procedureCode", "")
        if not CODE_RE.match(code):
            self.add(proc, f"mã thủ tục (procedureCode) không hợp lệ: {code!r}")
        agency = prop.get("agency", "")
        if not AGENCY_RE.match(agency):
            self.add(proc, f"mã định danh cơ quan (agency) không hợp lệ: {agency!r}")
        unit = prop.get("durationUnit", "working_day")
        if unit not in UNITS:
            self.add(proc, f"đơn vị thời hạn (durationUnit) không hợp lệ: {unit!r}")
        try:  # D16: a same-day procedure ("trong ngày") needs no figure; its value is 1 (api.md)
            value = float(prop.get("duration", "1" if unit == "same_day" else ""))
            # nan, inf and 99999999999 were deployed: every deadline of the procedure then overflowed the dates
            if not 0 < value <= MAX_DURATION or (unit == "same_day" and value != 1) \
                    or (unit == "calendar_day" and value != int(value)):  # D13: N whole days, the same clock time
                raise ValueError
        except ValueError:
            self.add(proc, f"thời hạn giải quyết (duration) phải là số dương đến {MAX_DURATION} (là 1 với same_day, "
                           "thủ tục trong ngày; số nguyên với calendar_day, ngày theo lịch)")
            value = 0
        clock = prop.get("clockOnSupplement", "restart")
        if clock not in ("restart", "pause"):
            self.add(proc, f"clockOnSupplement phải là restart hoặc pause, không phải {clock!r}")
        filed_by = prop.get("filedBy", "applicant")
        if filed_by not in FILED_BY:
            self.add(proc, f"filedBy phải là applicant (người dân, tổ chức nộp hồ sơ) hoặc handover (chỉ nhận hồ sơ "
                           f"liên thông do cơ quan khác chuyển đến), không phải {filed_by!r}")
        filing = prop.get("filingForm")
        self.form(proc, filing, "filingForm")
        filing_schema = self.forms.get(filing) if filing else None
        if filing_schema is not None and forms_mod.check_schema(filing_schema):
            filing_schema = None  # told above (self.form): no rule reads a form that is no JSON Schema object
        fees, problems = fee_rules.read(prop, filing_schema)
        for message in problems:
            self.add(proc, message)
        components = [{"key": k[10:], "name": v} for k, v in prop.items() if k.startswith("component.")]
        level_facts, reasons, full = {}, [], True
        for fact, (good, yes_text, no_text) in LEVEL_FACTS.items():
            raw = prop.get(f"level.{fact}", "true" if good else "false").lower()
            if raw not in ("true", "false"):
                self.add(proc, f"level.{fact} phải là true hoặc false")
            val = raw == "true"
            level_facts[fact] = val
            free = fact == "onlinePayment" and not fees  # nothing to pay: met, and said so (D27 explains it)
            ok = val == good or free
            full &= ok
            reasons.append(vocabulary.NO_FEES if free else yes_text if ok else no_text)
        info.update(
            code=code, agency=agency, agency_name=prop.get("agencyName") or f"Cơ quan {agency}",
            duration={"value": value, "unit": unit}, clock_on_supplement=clock, filed_by=filed_by, filing_form=filing,
            fees=fees, components=components, level_facts=level_facts,
            level="full_online" if full else "partial_online", level_reasons=reasons,
        )
        return info

    def expression(self, el, text: str, what: str) -> None:
        for msg in scripting.check_expression(text):
            self.add(el, f"{what} không hợp lệ: {xmlwords.script(msg)}")

    def timer(self, el, text: str, kind: str | None = None) -> None:
        said = lint_timers.problem(text, kind)
        if said:
            self.add(el, said)

    def code(self, el, local: str) -> None:
        """Scripts, conditions and unsupported constructs: checked in every process of the file."""
        if local == "conditionExpression":
            self.expression(el.getparent(), el.text or "", "điều kiện")
        elif local == "script" and bpmn_name(el.getparent()) == "scriptTask":
            for msg in scripting.check_script(el.text or ""):
                self.add(el.getparent(), f"kịch bản không hợp lệ: {xmlwords.script(msg)}")
        elif el.tag in (f"{{{SPIFF}}}preScript", f"{{{SPIFF}}}postScript"):
            task = el.getparent().getparent()
            for msg in scripting.check_script(el.text or ""):
                self.add(task, f"kịch bản {etree.QName(el).localname} không hợp lệ: {xmlwords.script(msg)}")
        elif local == "scriptTask" and not (el.findtext("bpmn:script", "", NS) or "").strip():
            self.add(el, "script task không có kịch bản (bpmn:script)")
        elif local == "multiInstanceLoopCharacteristics":
            self.add(el.getparent(), "công việc nhiều phiên (multi-instance) không được hỗ trợ; "
                                     "dùng một công việc với biểu mẫu có danh sách")
        elif local in UNSUPPORTED:
            self.add(el, UNSUPPORTED[local])
        elif local == "messageEventDefinition" and el.get("messageRef") not in self.messages:
            self.add(el.getparent(), f"thông điệp (messageRef) không có trong tệp: {el.get('messageRef')!r}")


_NOT_NODES = ("sequenceFlow", "laneSet", "extensionElements", "documentation", "dataObject", "dataObjectReference",
              "dataStoreReference", "association", "textAnnotation")


def _reachability(linter: _Linter, proc) -> None:
    nodes = {}
    for el in proc:
        local = bpmn_name(el)
        if local is None or not el.get("id") or local in _NOT_NODES:
            continue
        if local == "subProcess" and el.get("triggeredByEvent") == "true":
            continue  # an event subprocess starts by its own start event, never by a flow
        nodes[el.get("id")] = el
    edges: dict[str, list[str]] = {}
    for flow in proc.findall("bpmn:sequenceFlow", NS):
        src, dst = flow.get("sourceRef"), flow.get("targetRef")
        for ref in (src, dst):
            if ref not in nodes:
                linter.add(flow, f"luồng trỏ tới phần tử không tồn tại: {ref}")
        edges.setdefault(src, []).append(dst)
    for el in nodes.values():
        if bpmn_name(el) == "boundaryEvent":
            edges.setdefault(el.get("attachedToRef"), []).append(el.get("id"))
    starts = [i for i, el in nodes.items() if bpmn_name(el) == "startEvent"]
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


def _calls(linter: _Linter, tree, proc) -> None:
    """Call activities: the called process must be in the file, and no chain of calls may come back to a process
    already running (it would start subprocesses for ever)."""
    processes = {p.get("id"): p for p in tree.findall("bpmn:process", NS)}
    reported: set[str] = set()

    def visit(process, path: list[str]) -> None:
        for el in process.iter(f"{{{BPMN}}}callActivity"):
            called = el.get("calledElement")
            if called not in processes:
                if el.get("id") not in reported:
                    linter.add(el, f"hoạt động gọi (callActivity) gọi quy trình không có trong tệp: {called!r}")
                    reported.add(el.get("id"))
            elif called in path:
                if el.get("id") not in reported:
                    chain = " → ".join([*path[path.index(called):], called])
                    linter.add(el, f"hoạt động gọi (callActivity) gọi lại quy trình đang chạy ({chain}): "
                                   f"đệ quy không được hỗ trợ")
                    reported.add(el.get("id"))
            else:
                visit(processes[called], [*path, called])

    visit(proc, [proc.get("id")])


def _syntax_problem(bpmn: bytes, file_name: str, exc: etree.XMLSyntaxError) -> Problem:
    """lxml places an end of input on the line after the file's last newline (`<definitions>` and a newline was
    line 2 of a one-line file): that is the file's last line, the end of the file, and its position is taken off."""
    last = max(1, bpmn.count(b"\n") + (0 if bpmn.endswith(b"\n") else 1))
    if (exc.lineno or 0) <= last:
        return Problem(file_name, exc.lineno, "", f"XML không đúng cú pháp: {xmlwords.syntax(exc.msg)}")
    message = re.sub(r",? line \d+, column \d+$", "", exc.msg)
    return Problem(file_name, last, "", f"XML không đúng cú pháp: {xmlwords.syntax(message)} (cuối tệp)")


def lint(bpmn: bytes, file_name: str, forms: dict[str, dict], forms_dir: Path | None = None
         ) -> tuple[list[Problem], dict | None, object]:
    """Every problem of one BPMN file, the catalogue info, and the parsed lxml tree (``forms_dir``: where the
    forms were looked for, named when one is missing; None when they came with the request)."""
    try:
        tree = parse_xml(bpmn)
    except etree.XMLSyntaxError as exc:
        return [_syntax_problem(bpmn, file_name, exc)], None, None
    linter = _Linter(file_name, forms, tree, forms_dir)
    schema = schema_problems(tree, file_name)
    if schema:
        return schema, None, tree
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
        local = bpmn_name(el)
        if local == "userTask":
            prop = props(el)
            step = prop.get("step")
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
            elif role and step in stepkinds.LANE_ROLES and role not in stepkinds.LANE_ROLES[step]:
                allowed = ", ".join(sorted(ROLES.get(r, r) for r in stepkinds.LANE_ROLES[step]))
                linter.add(el, f"bước '{step}' nằm trong làn {ROLES.get(role, role)}, vai trò không làm được bước "
                               f"này (chỉ: {allowed}): hồ sơ sẽ không ai xử lý tiếp được; chuyển công việc sang "
                               "làn đúng")
            linter.form(el, prop.get("formJsonSchemaFilename"), "formJsonSchemaFilename")
            steps.append({"id": el.get("id"), "name": el.get("name") or el.get("id"), "step": step,
                          "role": role, "form": prop.get("formJsonSchemaFilename"),
                          "actions": linter.offered(el, step, prop.get("actions")),
                          "duration": linter.step_duration(el, prop),
                          "routes": stepkinds.routed_actions(proc, el, prop.get("actions")),
                          **({"handover": linter.handover(el, prop)} if step == "handover" else {})})
        elif local == "timerEventDefinition":
            event = el.getparent()
            name = event.get("name") or event.get("id")
            if name in timer_names:
                linter.add(event, f"trùng tên hẹn giờ '{name}' (đã dùng ở {timer_names[name]})")
            timer_names[name] = event.get("id")
            exprs = [c for c in el if bpmn_name(c) in lint_timers.TIMER_EXPRESSIONS]
            if not exprs:
                linter.add(event, "hẹn giờ không có biểu thức")
            for child in exprs:
                linter.timer(event, child.text or "", bpmn_name(child))
        elif local == "exclusiveGateway":
            outgoing = proc.findall(f"bpmn:sequenceFlow[@sourceRef='{el.get('id')}']", NS)
            conditional = [f for f in outgoing if f.find("bpmn:conditionExpression", NS) is not None]
            if conditional and not el.get("default"):
                linter.add(el, "cổng rẽ nhánh có điều kiện cần một luồng mặc định (default)")
            if len(outgoing) > 1 and len(conditional) < len(outgoing) - 1:
                linter.add(el, "mỗi luồng ra (trừ luồng mặc định) cần một điều kiện")
    for process in tree.findall("bpmn:process", NS):
        for el in process.iter():
            local = bpmn_name(el) or (el.tag if isinstance(el.tag, str) else None)
            if local:
                linter.code(el, local)
    _reachability(linter, proc)
    _calls(linter, tree, proc)
    info["steps"] = steps
    lint_handover.check(linter, proc, info, steps)  # D33: a callee's citizen steps and fees, each share's length
    if not linter.problems:  # the legal skeleton of a file that is otherwise sound (no cascade of problems)
        problems, info["happy_path"] = skeleton.check(file_name, proc, lanes, {s["id"]: tuple(s["actions"])
                                                                              for s in steps})
        linter.problems += problems
    return linter.problems, info, tree


