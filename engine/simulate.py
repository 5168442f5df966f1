"""`tthc simulate`: one dossier through the real use cases and the same timer code, on a virtual clock.

Designers see a procedure's SLA behaviour before deploying: an in-memory database, a deployed copy of the
BPMN file, one user per role, and timers fired at their exact due instants between the steps.
"""
from __future__ import annotations

import json
import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.pool import StaticPool

from engine.cases import accounts, filing, signing_requests, summary, tasks
from engine.process import bpmnparser, procedures
from engine.cases.steps import catalogue
from engine.paperwork import results
from engine import timers
from engine.core.calendar import year_problem
from engine.core.clock import VN_TZ, as_utc, iso_vn
from engine.data.db import Base, make_engine, make_sessionmaker
from engine.cases.dossiers import Context
from engine.core.errors import EngineError, Problem
from engine.data.model import OFFICER_ROLES, ROLES, Agency, AuditEvent, Dossier, Letter, User, WorkItem
from engine.data.signing_model import OPEN_STATES, SigningRequest
import engine.data.agency_model  # noqa: F401  (its tables belong to the simulated database)
from engine.law.statuses import RETURNED, Status
from engine.core.settings import Settings
from engine.core.vocabulary import unreadable

EVENT_TYPES = {"file": "filed", "receive": "received", "request_supplement": "supplement_requested",
               "supplement": "supplemented", "request_extension": "extension_requested", "warning": "warning",
               "overdue": "overdue", "intake_overdue": "intake_overdue", "issue_result": "resolved", "timer": "timer",
               "return_result": "returned", "refuse": "refused", "forward": "forwarded",
               "issue_apology": "apology_issued", "sign_result": "result_signed", "extended": "extended"}
STEP_KEYS = {"at", "do", "form", "data", "note"}  # what a step may say (api.md); "note", the designer's comment
CITIZEN_CCCD = "001099000009"
PASSWORD = "simulation-only"


class ScenarioError(ValueError):
    """The scenario file itself is wrong."""


def sample_value(schema: dict, name: str = ""):
    """A valid sample for ``schema`` (required fields only), so scenarios may give partial forms."""
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        return fill({}, schema)
    if kind == "array":
        return [sample_value(schema.get("items", {}), name) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):  # the minimum, else 1, within the bounds: 1 over an exclusive minimum of 0
        value, low, high = schema.get("minimum", 1), schema.get("exclusiveMinimum"), schema.get("maximum")
        value = low + 1 if isinstance(low, (int, float)) and value <= low else value  # 1 working day: within D18
        value = high if isinstance(high, (int, float)) and value > high else value
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "1990-01-01"
    if schema.get("format") == "email":
        return "mau@example.vn"
    pattern = schema.get("pattern", "")
    digits = re.fullmatch(r"\^(0?)(?:\\d|\[0-9\])\{(\d+)\}\$", pattern)  # also vocabulary.CCCD_PATTERN
    if digits:
        return (digits.group(1) + "9" * int(digits.group(2)))
    return "Nội dung mẫu " + name if schema.get("minLength", 0) <= 14 + len(name) else "x" * schema["minLength"]


def _required(schema: dict, result: dict) -> list[str]:
    """The fields to fill: the schema's ``required``, and the first choice's of a ``oneOf``/``anyOf`` the given keys
    meet none of (a request_extension's working_hours or working_days)."""
    keys = list(schema.get("required", []))
    for word in ("oneOf", "anyOf"):
        branches = [b for b in schema.get(word) or [] if isinstance(b, dict)]
        if branches and not any(set(b.get("required", [])) <= set(result) for b in branches):
            keys += [k for k in branches[0].get("required", []) if k not in keys]
    return keys


def fill(given: dict | None, schema: dict) -> dict:
    result = dict(given or {})
    for key in _required(schema, result):
        if key not in result:
            result[key] = sample_value(schema.get("properties", {}).get(key, {}), key)
    for key, sub in schema.get("properties", {}).items():
        if key in result and isinstance(result[key], dict) and sub.get("type") == "object":
            result[key] = fill(result[key], sub)
        elif key in result and isinstance(result[key], list) and sub.get("type") == "array":
            each = sub.get("items") if isinstance(sub.get("items"), dict) else {}
            if each.get("type") == "object":  # a list of partial objects: each one completed (a request's items)
                result[key] = [fill(v, each) if isinstance(v, dict) else v for v in result[key]]
    return result


def parse_at(raw, number: int) -> datetime:
    """The step's instant (Vietnam time if it names no offset) in 1976–2100, else an error naming the step."""
    if not isinstance(raw, str):  # missing, or not a text
        raise ScenarioError(f"bước {number}: cần 'at', thời điểm như 2026-12-01T08:30:00+07:00 (có {raw!r})")
    try:
        value = datetime.fromisoformat(raw)
        value = value if value.tzinfo else value.replace(tzinfo=VN_TZ)
        year = value.astimezone(VN_TZ).year
    except (ValueError, OverflowError) as exc:
        raise ScenarioError(f"bước {number}: thời điểm không hợp lệ: {raw!r}") from exc
    problem = year_problem(year)
    if problem:
        raise ScenarioError(f"bước {number}: thời điểm {raw!r}: {problem}")
    return as_utc(value)


def _checked_steps(scenario: dict) -> list[tuple[datetime, int, dict]]:
    """The steps in time order, each checked before anything runs: an object with a known ``do``, an ``at``, a
    ``form`` and ``data`` that are objects if given, one filing and it first. A misspelt action ran as a failed
    step with exit 0, a second ``file`` silently replaced the dossier, a step of the wrong shape was a traceback."""
    known = {"file", "supplement", "tick"} | {a.name for kind in catalogue.KINDS.values() for a in kind.actions}
    steps = []
    for number, step in enumerate(scenario["steps"], 1):
        if not isinstance(step, dict):
            raise ScenarioError(f"bước {number}: phải là một đối tượng JSON {{\"at\", \"do\", ...}}")
        unknown = sorted(set(step) - STEP_KEYS)
        if unknown:  # a misspelt "data" was dropped: the step ran on sample values, as if the designer wrote none
            raise ScenarioError(f"bước {number}: khóa {unknown[0]!r} không có; dùng: {', '.join(sorted(STEP_KEYS))}")
        action = step.get("do")
        if action not in known:
            raise ScenarioError(f"bước {number}: thao tác {action!r} không có; dùng một trong: {', '.join(sorted(known))}")
        for key in ("form", "data"):
            if step.get(key) is not None and not isinstance(step[key], dict):
                raise ScenarioError(f"bước {number}: '{key}' phải là một đối tượng JSON")
        steps.append((parse_at(step.get("at"), number), number, step))
    steps.sort(key=lambda x: x[:2])
    if not steps:
        raise ScenarioError("kịch bản không có bước nào")
    filings = [number for _, number, step in steps if step["do"] == "file"]
    if filings[:1] != [steps[0][1]]:
        raise ScenarioError("bước đầu tiên (theo thời điểm) phải là 'file'")
    if len(filings) > 1:
        raise ScenarioError(f"kịch bản mô phỏng một hồ sơ: chỉ một bước 'file' (bước {filings[1]} là bước thứ hai)")
    return steps


def run(scenario: dict, settings: Settings, base_dir: Path) -> dict:
    if not isinstance(scenario, dict) or not isinstance(scenario.get("steps"), list):
        raise ScenarioError("kịch bản cần 'procedure' và danh sách 'steps'")
    name = str(scenario.get("procedure", ""))
    candidates = [Path(name), base_dir / name, settings.processes_dir.parent / name]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise ScenarioError(f"không tìm thấy tệp quy trình: {name!r}")
    with tempfile.TemporaryDirectory() as data_dir:
        settings = settings.replace(data_dir=Path(data_dir), database_url="sqlite://",
                                    pki_dir=Path(data_dir) / "pki", trust_dir=Path(data_dir) / "pki" / "trust",
                                    pki_passphrase="simulation-only")
        engine = make_engine("sqlite://", poolclass=StaticPool)
        Base.metadata.create_all(engine)
        sessions = make_sessionmaker(engine)
        try:
            return _run(scenario, settings, sessions, path)
        finally:
            engine.dispose()


def _run(scenario: dict, settings: Settings, sessions, path: Path) -> dict:
    steps = _checked_steps(scenario)
    start = steps[0][0]
    definition = procedures.load_file(path, settings.forms_dir)
    users: dict[str, User] = {}
    hashed = accounts.hash_password(PASSWORD)  # the simulated officers share one password: one scrypt, not one each
    with sessions.begin() as session:
        # the simulation's own database: the agency the file names is created for it (a real deploy needs it first)
        agency = Agency(code=definition.info["agency"], name=definition.info["agency_name"])
        session.add(agency)
        session.flush()
        for callee in _callees(definition, path, settings):  # liên thông (D33): the other agency and its part
            other = session.scalar(select(Agency).where(Agency.code == callee.info["agency"]))
            if other is None:
                other = Agency(code=callee.info["agency"], name=callee.info["agency_name"])
                session.add(other)
                session.flush()
            procedures.deploy(session, callee, start, "simulation")
            for role in sorted(OFFICER_ROLES):
                accounts.ensure_officer(session, start, f"sim.{role}.{other.code}", f"{ROLES[role]} (mô phỏng)",
                                        {role}, other, PASSWORD, password_hash=hashed)
        version, _ = procedures.deploy(session, definition, start, "simulation")
        for role in sorted(OFFICER_ROLES):
            accounts.ensure_officer(session, start, f"sim.{role}", f"{ROLES[role]} (mô phỏng)", {role}, agency,
                                    PASSWORD, password_hash=hashed)
        # the card was issued before the first step (a fixed 2020-01-01 refused every scenario of 1976–2019)
        issued = min(date(2020, 1, 1), (start - timedelta(days=1)).date()).isoformat()
        accounts.register_citizen(session, start, {"full_name": "Công dân mô phỏng", "cccd": CITIZEN_CCCD,
                                                   "cccd_issued_on": issued, "phone": "0900000000",
                                                   "password": PASSWORD})
        # a throwaway PKI: the simulated officers sign too, their keys unlocked by the simulation's PIN
        results.ensure_keys(session, settings, start, pin=PASSWORD)
    extra_events: list[dict] = []
    code = None
    previous = start  # the instant of the last step done: nothing after it may be stamped earlier
    for at, _, step in steps:
        if code is not None:
            _run_timers_until(sessions, settings, code, previous, at)
        previous = at
        action = step.get("do")
        try:
            if action != "file" and code is None:
                raise ScenarioError("bước đầu tiên phải là 'file'")
            if action == "tick":
                timers.sweep(sessions, settings, at)
                continue
            with sessions.begin() as session:
                users = {u.username: u for u in session.scalars(select(User))}
                citizen = users[CITIZEN_CCCD]
                if action == "file":
                    version = procedures.latest_version(session, definition.code)
                    form = fill(step.get("form"), version.forms[version.info["filing_form"]])
                    code = filing.file_dossier(session, Context(citizen, at, settings),
                                                 {"procedure": definition.code, "form": form}).code
                elif action == "supplement":
                    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
                    form = fill({**dossier.form, **(step.get("form") or {})},
                                dossier.procedure_version.forms[dossier.procedure_version.info["filing_form"]])
                    filing.supplement(session, Context(citizen, at, settings), code, {"form": form})
                else:
                    _act(session, settings, users, code, at, action, step.get("data"))
            _sign_requested(sessions, settings, code, at)
        except EngineError as exc:
            kind = "rule_refused" if exc.rule else "step_failed"
            extra_events.append({"at": iso_vn(at), "type": kind, "do": action, "rule": exc.rule,
                                 "message": exc.message, "fields": exc.fields or None})
            if code is None:  # the filing was refused: there is no dossier, nothing after it can run
                break
    with sessions() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        if dossier is None:
            return {"dossier": None, "events": extra_events}
        result = {"dossier": summary.describe(session, dossier, now=steps[-1][0], settings=settings),
                  "events": sorted(_events(session, dossier) + extra_events, key=lambda e: e["at"])}
        children = session.scalars(select(Dossier).where(Dossier.parent_id == dossier.id).order_by(Dossier.id)).all()
        if children:  # liên thông (D33): each other agency's part, with its own timeline (its warning, overdue, letter)
            result["sub_dossiers"] = [{"code": child.code, "procedure": child.procedure_version.procedure.code,
                                       "agency": child.agency.code, "status": child.status,
                                       "events": _events(session, child)} for child in children]
        return result


def _callees(definition, path: Path, settings: Settings) -> list:
    """The procedures the file hands dossiers to (D33): a BPMN file of the same folder, else of the library,
    whose procedure code a ``handover`` step names."""
    wanted = {s["handover"]["procedure"] for s in definition.info.get("steps", ()) if "handover" in s}
    found = []
    for candidate in [*sorted(path.parent.glob("*.bpmn")), *sorted(Path(settings.processes_dir).glob("*/*.bpmn"))]:
        if not wanted or candidate.resolve() == path.resolve():
            continue
        if any(f'value="{code}"' in candidate.read_text(encoding="utf-8") for code in wanted):
            callee = procedures.load_file(candidate, settings.forms_dir)
            if callee.code in wanted:
                wanted.discard(callee.code)
                found.append(callee)
    if wanted:
        raise ScenarioError(f"không tìm thấy tệp quy trình của thủ tục liên thông: {', '.join(sorted(wanted))}")
    return found


def _run_timers_until(sessions, settings: Settings, code: str, since: datetime, until: datetime) -> None:
    """Fire every timer of the dossier and of its liên thông sub-dossiers (D33) due before ``until``, each at its
    exact due instant, or at ``since`` (the last step) when it fell due before that step: a step can make work
    due in the past (a warning one working day before the due instant of a 3-working-hour procedure comes before
    its filing), and the timer service would do it at its first sweep after the step, never back in time.

    A timer due at the very instant of the next step fires after that step: work done at its due instant is in
    time (D19: a result issued at 09:00 of a dossier due at 09:00 is not late), so the step comes first."""
    parent = select(Dossier.id).where(Dossier.code == code).scalar_subquery()
    next_due = select(func.min(Dossier.next_timer_at)).where((Dossier.id == parent) | (Dossier.parent_id == parent))
    for _ in range(1000):
        with sessions() as session:
            due = session.scalar(next_due)
        if due is None or as_utc(due) >= as_utc(until):
            return
        timers.sweep(sessions, settings, max(due, since))


def _act(session, settings: Settings, users: dict[str, User], code: str, at: datetime, action: str, data) -> None:
    parent = select(Dossier.id).where(Dossier.code == code).scalar_subquery()
    items = session.scalars(select(WorkItem).join(Dossier).where((Dossier.id == parent) | (Dossier.parent_id == parent))
                            .order_by(WorkItem.id)).all()  # the dossier's and its liên thông sub-dossiers' (D33)
    item = next((i for i in items if action in tasks.offered(i)), None)  # what the inbox offers, nothing else
    if item is None:
        steps = ", ".join(sorted(i.step for i in items)) or "không có"
        raise EngineError(f"Không có công việc nào đang mở cho thao tác {action!r} (đang mở: {steps})",
                          code="no_task_for_action")
    user = next(u for u in users.values() if u.agency_id == item.agency_id and item.role in u.roles)
    schema = catalogue.declared(item.step, action).schema or tasks.form_schema(item) or {"type": "object"}
    if action == "request_supplement" and not (data or {}).get("items"):  # D8, D10: a component it declares
        first = (item.dossier.procedure_version.info.get("components") or [{}])[0]
        data = {**(data or {}), "items": [{"component": first.get("key") or first.get("name") or "-"}]}
    tasks.complete(session, Context(user, at, settings), item.id, action, fill(data, schema))


def _sign_requested(sessions, settings: Settings, code: str | None, at: datetime) -> None:
    """What a step issued is made by the worker, and what it asked to be signed (the leader's approval, the
    head's refusal, a letter) is rendered and signed by its signer at the same instant, with the simulated officers' PIN: scenarios need no signing step (D35's
    consent is the scenario's own)."""
    if code is None:
        return
    signing_requests.drain(sessions.begin, settings, at)  # the documents issued after the commit (the worker)
    with sessions() as session:
        waiting = session.execute(select(SigningRequest.id, SigningRequest.signer_id)
                                  .join(Dossier, Dossier.id == SigningRequest.dossier_id)
                                  .where((Dossier.code == code) | (Dossier.parent_id == select(Dossier.id).where(
                                      Dossier.code == code).scalar_subquery()), SigningRequest.signer_id.is_not(None),
                                         SigningRequest.state.in_(OPEN_STATES))).all()
        signers = {u.id: u for u in session.scalars(select(User).where(User.id.in_([w[1] for w in waiting])))}
    for request_id, signer_id in waiting:
        signing_requests.sign(sessions.begin, settings, Context(signers[signer_id], at, settings), request_id,
                              PASSWORD)


def _events(session, dossier: Dossier) -> list[dict]:
    events = []
    for event in session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                                 .order_by(AuditEvent.id)):
        if event.action == "letter_issued":
            continue
        kind = EVENT_TYPES.get(event.action, event.action)
        if event.action == "refuse" and event.step == "approval":
            kind = "refusal_approved"
        events.append({"at": iso_vn(event.at), "type": kind, "status": event.to_status, "actor": event.actor_name,
                       **({"step": event.step} if event.step else {})})
    for letter in session.scalars(select(Letter).where(Letter.dossier_id == dossier.id).order_by(Letter.id)):
        events.append({"at": iso_vn(letter.issued_at), "type": "letter_issued", "faults": letter.faults,
                       "signer_role": letter.signer_role, "new_due_at": iso_vn(letter.new_due_at)})
    return events


def load_scenario(path: Path) -> dict:
    """The scenario's JSON; a file not read raises its OSError, which the command line tells in words (engine.cli)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:
        why = "lồng nhau quá sâu" if isinstance(exc, RecursionError) else unreadable(exc)
        raise ScenarioError(f"không đọc được kịch bản {path}: {why}") from exc


# A Monday and a working day: the happy path runs in office hours, one step every half hour.
HAPPY_START = datetime.fromisoformat("2026-03-02T08:00:00+07:00")


def happy_path_scenario(path: Path, actions: list[str]) -> dict:
    """The scenario `tthc validate --simulate` runs: the filing, then each action of the happy path the
    validation drew (engine.process.skeleton.happy_path), half an hour apart."""
    steps = [{"at": HAPPY_START.isoformat(), "do": "file"}]
    steps += [{"at": (HAPPY_START + timedelta(minutes=30 * n)).isoformat(), "do": action}
              for n, action in enumerate(actions, 1)]
    return {"procedure": str(path), "steps": steps}


def check_happy_path(definition, settings: Settings) -> list[Problem]:
    """Run the happy path of a valid file through the real engine; what goes wrong is a problem of the file:
    a step refused or failing, or a dossier that does not end returned (status 10)."""
    if definition.info.get("filed_by") == "handover":  # D33: filed only by its caller's hand-over, simulated there
        return []
    path = Path(definition.file_name)
    actions = list(definition.info.get("happy_path") or [])
    if "hand_back" in actions:  # liên thông (D33): the other agency's own steps stand for the hand-back
        try:
            callees = _callees(definition, path, settings)
        except ScenarioError as exc:
            return [Problem(str(path), None, definition.process_id, str(exc))]
        inner = [a for callee in callees for a in callee.info.get("happy_path") or []
                 if a not in ("receive", "return_result")]
        at = actions.index("hand_back")
        actions[at:at + 1] = inner
    label = " → ".join(["file", *actions])
    found = bpmnparser.parse_xml(definition.bpmn_xml.encode("utf-8")).xpath("//*[@id=$i]", i=definition.process_id)
    where = (found[0].sourceline if found else None), definition.process_id

    def problem(message: str) -> Problem:
        return Problem(str(path), *where, f"mô phỏng đường đi mẫu ({label}): {message}")

    try:
        result = run(happy_path_scenario(path, actions), settings, path.parent)
    except (ScenarioError, EngineError) as exc:
        return [problem(str(getattr(exc, "message", exc)))]
    failed = [e for e in result["events"] if e["type"] in ("rule_refused", "step_failed")]
    problems = [problem(f"bước '{e['do']}' lúc {e['at']} không thực hiện được: {' '.join(e['message'].split())}")
                for e in failed[:1]]  # the later steps only fail because this one did
    status = (result.get("dossier") or {}).get("status")
    if not problems and status != RETURNED:
        name = Status(status).label if status in set(Status) else "không có hồ sơ"
        problems.append(problem(f"hồ sơ dừng ở trạng thái {status} – {name}, không tới "
                                f"{int(RETURNED)} – {RETURNED.label}"))
    return problems
