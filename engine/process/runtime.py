"""SpiffWorkflow execution: load, act, save.

Dossiers store state-only JSON (the spec is stored once per procedure version and cached per process),
compressed. The restricted script engine is attached on every start and every load, because SpiffWorkflow
does not serialize it and would silently fall back to its unrestricted default. Library objects never
leave this module (and ``procedures``): callers get ``UserTask`` dataclasses and plain values.
"""
from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.process import scripting, timerevents
from engine.core.errors import Conflict, EngineError

log = logging.getLogger(__name__)
SERIALIZER_VERSION = SPIFF_SERIALIZER_VERSION
# Engine steps (script tasks, gateways, events, subprocess starts) one command may run. A procedure needs a few
# dozen; a loop with no user task in it or a call activity calling its own process would spin forever, holding
# the dossier's row lock (and, on SQLite, every write of the service).
MAX_ENGINE_STEPS = 300
MAX_NESTING = 16  # subprocesses inside subprocesses; each level makes every later step slower
TIMER_ROUNDS = 100  # a firing's timers due again at once, fired again while they move forward (catching up)
TIMER_TYPES = ("DurationTimerEventDefinition", "TimeDateEventDefinition", "CycleTimerEventDefinition")


class ProcessFailure(EngineError):
    """A script, condition or timer of the procedure failed; the change is rolled back."""

    status, code = 422, "process_error"


class StepLimit(ProcessFailure):
    """The automatic steps of one command went past MAX_ENGINE_STEPS, or the nesting past MAX_NESTING."""


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's text; SpiffWorkflow's own ``__str__`` can fail (a note that is None)."""
    try:
        text = str(exc)
    except Exception:
        text = ""
    return (text.splitlines() or [type(exc).__name__])[0][:500]


class _StepCounter:
    """A ``will_complete_task`` callback of ``do_engine_steps`` that stops a command after MAX_ENGINE_STEPS."""

    def __init__(self) -> None:
        self.steps = 0

    def __call__(self, task) -> None:
        self.steps += 1
        if getattr(task.workflow, "depth", 0) > MAX_NESTING:
            raise StepLimit(f"Quy trình lồng quá {MAX_NESTING} cấp quy trình con (gọi lại chính nó?) tại "
                            f"'{task.task_spec.bpmn_id or task.task_spec.name}'")
        if self.steps > MAX_ENGINE_STEPS:
            raise StepLimit(f"Quy trình chạy quá {MAX_ENGINE_STEPS} bước tự động trong một thao tác "
                            f"(vòng lặp không có công việc của người, hoặc gọi lại chính nó) tại "
                            f"'{task.task_spec.bpmn_id or task.task_spec.name}'")


class _StateOnlyConverter(BpmnWorkflowConverter):
    """Serialize a workflow without its spec; restore it against a cached spec object."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    """One serializer per thread: the library's registry flips a shared flag while encoding."""
    ser = getattr(_local, "serializer", None)
    if ser is None:
        config = timerevents.serializer_config(SPIFF_CONFIG)
        config[BpmnWorkflow] = _StateOnlyConverter
        ser = _local.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
    return ser


def _dumps(obj) -> str:
    ser = _serializer()
    ser.registry._encoder_mode = True
    try:
        return json.dumps(ser.to_dict(obj), cls=ser._encoder_cls, separators=(",", ":"))
    finally:
        ser.registry._encoder_mode = False


def serialize_spec(spec, subprocess_specs: dict) -> str:
    """The spec of a procedure version, stored once."""
    ser = _serializer()
    ser.registry._encoder_mode = True
    try:
        dct = {"spec": ser.to_dict(spec), "subprocess_specs": {k: ser.to_dict(v) for k, v in subprocess_specs.items()}}
        return json.dumps(dct, cls=ser._encoder_cls, separators=(",", ":"))
    finally:
        ser.registry._encoder_mode = False


_specs: dict[Hashable, tuple] = {}
_specs_lock = threading.Lock()


def _spec(version_id: Hashable, spec_json) -> tuple:
    """Spec objects per procedure version, restored from JSON once per process. Never mutated.

    ``version_id`` is the cache key: the callers pass (row id, content hash), because a row id alone can name
    another procedure in another database served by the same process (tests, a restored copy).
    ``spec_json`` may be a callable, so the (large) stored spec is read from the database only on a miss.
    """
    cached = _specs.get(version_id)
    if cached is None:
        ser = _serializer()
        dct = json.loads(spec_json() if callable(spec_json) else spec_json)
        cached = (ser.registry.restore(dct["spec"]),
                  {k: ser.registry.restore(v) for k, v in dct["subprocess_specs"].items()})
        with _specs_lock:
            _specs[version_id] = cached
    return cached


_engines: dict[float, object] = {}


def _script_engine(time_limit: float):
    engine = _engines.get(time_limit)
    if engine is None:
        engine = _engines[time_limit] = scripting.make_script_engine(time_limit=time_limit)
    return engine


@dataclass(frozen=True)
class UserTask:
    task_id: str
    spec_name: str
    name: str
    lane: str | None
    step: str | None
    form_key: str | None


class Process:
    """One loaded workflow instance of a procedure version."""

    def __init__(self, workflow: BpmnWorkflow):
        self._wf = workflow

    # -- life cycle ----------------------------------------------------------------------------------
    @classmethod
    def start(cls, version_id: Hashable, spec_json: str, data: dict, time_limit: float,
              now: datetime | None = None) -> "Process":
        spec, subs = _spec(version_id, spec_json)
        wf = BpmnWorkflow(spec, subs, script_engine=_script_engine(time_limit))
        wf.task_tree.data.update(data)
        process = cls(wf)
        with timerevents.at(now):
            process._guard(wf.do_engine_steps, _StepCounter())
        return process

    @classmethod
    def load(cls, version_id: Hashable, spec_json: str, state: bytes, time_limit: float) -> "Process":
        spec, subs = _spec(version_id, spec_json)
        dct = json.loads(zlib.decompress(state))
        dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        wf = _serializer().registry.restore(dct, spec=spec, subprocess_specs=subs)
        wf.script_engine = _script_engine(time_limit)  # mandatory: the engine is not serialized
        return cls(wf)

    def dump(self) -> bytes:
        """The state to store. A script can leave in the task data a value JSON cannot hold (bytes, a range, a
        dict view, a tuple as a key...): the serializer raises, and that is a fault of the procedure (422, the
        command rolled back, the dossier as it was), not a 500 on every later command. Checking here costs
        nothing and accepts exactly what the serializer accepts; a check after each script could not fit in
        scriptlimits and would walk the data once more."""
        try:
            text = _dumps(self._wf)
        except (TypeError, ValueError) as exc:  # ValueError: an int of more digits than Python turns into text
            raise ProcessFailure(_unstorable(self._wf, exc)) from exc
        return zlib.compress(text.encode("utf-8"), 6)

    # -- acting ----------------------------------------------------------------------------------------
    def _guard(self, fn, *args):
        """Run a library call; whatever fails inside becomes ProcessFailure (422, or an incident in a sweep).

        Not only the library's own errors: SpiffWorkflow raises TypeError on some constructs it parses but
        cannot run, and a script's SystemExit must never reach a worker loop or a request thread.
        """
        try:
            return fn(*args)
        except ProcessFailure:
            raise
        except scripting.ScriptRefused as exc:
            raise ProcessFailure(f"Quy trình bị dừng: {exc}") from exc
        except SpiffWorkflowException as exc:
            raise ProcessFailure(f"Quy trình gặp lỗi: {_first_line(exc)}") from exc
        except Exception as exc:
            log.warning("the workflow engine failed", exc_info=True)
            raise ProcessFailure(f"Quy trình gặp lỗi không chạy được ({type(exc).__name__}: "
                                 f"{_first_line(exc)})") from exc
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise  # the operator's Ctrl-C: a script's own is already a ScriptRefused (scripting._contained)
            raise ProcessFailure(f"Quy trình bị dừng bằng {type(exc).__name__}") from exc

    def ready_user_tasks(self) -> list[UserTask]:
        tasks = []
        for task in self._wf.get_tasks(state=TaskState.READY, manual=True):
            props = task.task_spec.extensions.get("properties", {}) if hasattr(task.task_spec, "extensions") else {}
            tasks.append(UserTask(task_id=str(task.id), spec_name=task.task_spec.name,
                                  name=task.task_spec.bpmn_name or task.task_spec.name,
                                  lane=task.task_spec.lane, step=props.get("step"),
                                  form_key=props.get("formJsonSchemaFilename")))
        return tasks

    def complete(self, task_id: str, data: dict, now: datetime | None = None) -> None:
        """Put ``data`` into the task, run it and the engine steps that follow."""
        try:
            task = self._wf.get_task_from_id(UUID(task_id))
        except (ValueError, SpiffWorkflowException, KeyError):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict("Công việc này không còn chờ xử lý", code="task_not_ready")
        task.data.update(data)
        with timerevents.at(now):
            self._guard(task.run)
            self._guard(self._wf.do_engine_steps, _StepCounter())

    def cancel(self) -> None:
        """End the process where it stands (withdrawal or stop): no task stays open."""
        self._guard(self._wf.cancel)

    def fire_timers(self, now: datetime | None = None) -> None:
        """Refresh timers first: do_engine_steps refreshes them only at its end. A timer the firing sets again
        already due (a cycle catching up after the service stopped) is fired again while its instant moves
        forward, TIMER_ROUNDS times at most (the rest at the next sweep); one set again at the very instant it
        fired (a zero duration, or a past date, on a path back to its own task) would fire for ever and hold the
        timer service's sweep and the dossier's row: ProcessFailure, which the sweep makes an incident."""
        with timerevents.at(now):
            last = None
            for _ in range(TIMER_ROUNDS):
                self._guard(self._wf.refresh_timers)
                self._guard(self._wf.do_engine_steps, _StepCounter())
                due = self.next_timer_at() if now is not None else None
                if due is None or due > now:
                    return
                if last is not None and due <= last:
                    raise ProcessFailure("Quy trình có bộ hẹn giờ đến hạn lại ngay khi vừa chạy (thời lượng 0, hoặc "
                                         "một thời điểm đã qua, trên đường quay lại chính công việc của nó): quy "
                                         "trình bị dừng để không chạy mãi; hãy sửa bộ hẹn giờ trong mô hình")
                last = due

    # -- reading ---------------------------------------------------------------------------------------
    @property
    def completed(self) -> bool:
        return self._wf.is_completed()

    def completed_nodes(self) -> list[str]:
        """The BPMN ids of the flow nodes this instance has passed (each once, in the order first passed): the
        path a dossier took, drawn on its diagram. The library's own helper tasks (no BPMN id) are left out."""
        seen: dict[str, None] = {}
        for task in self._wf.get_tasks(state=TaskState.COMPLETED):
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if bpmn_id:
                seen.setdefault(bpmn_id, None)
        return list(seen)

    def next_timer_at(self) -> datetime | None:
        due = []
        for event in self._wf.waiting_events():
            if event.event_type in TIMER_TYPES and isinstance(event.value, str):
                due.append(TimerEventDefinition.get_datetime(event.value).astimezone(timezone.utc))
            elif event.event_type == "CycleTimerEventDefinition" and isinstance(event.value, dict):
                due.append(TimerEventDefinition.get_datetime(event.value["next"]).astimezone(timezone.utc))
        return min(due, default=None)

    # -- moving to another version -----------------------------------------------------------------------
    def migrate(self, version_id: Hashable, spec_json) -> list[tuple[str, str]]:
        """Move this instance onto another version's spec when that is safe; else change nothing and return the
        reasons as (BPMN id, message). See engine.process.specmigration."""
        from engine.process import specmigration  # it builds on this module's serializer and spec cache

        new_spec, new_subs = _spec(version_id, spec_json)
        reasons, moved = specmigration.move(self._wf, new_spec, new_subs, _serializer().registry, _dumps, _restore)
        if not reasons:
            moved.script_engine = self._wf.script_engine
            self._wf = moved
        return reasons


def _unstorable(workflow: BpmnWorkflow, exc: Exception) -> str:
    """Name the first task (in the tree's order: the one that wrote it) and the variable holding a value the
    serializer refused. Only on that error path: each task's data is encoded once more, a variable alone only in
    the task that fails."""
    ser = _serializer()
    for task in workflow.get_tasks():
        data = ser.registry.clean(task.data)
        try:
            json.dumps(data, cls=ser._encoder_cls)
            continue
        except (TypeError, ValueError):
            pass
        for name, value in data.items():
            try:
                json.dumps(value, cls=ser._encoder_cls)
            except (TypeError, ValueError) as found:
                spec = task.task_spec
                return (f"Quy trình gặp lỗi: bước '{spec.bpmn_name or spec.bpmn_id or spec.name}' ghi vào biến "
                        f"'{name}' giá trị không lưu được vào dữ liệu hồ sơ ({_first_line(found)}); chỉ lưu được "
                        f"số, chuỗi, True/False, None, danh sách và từ điển có khóa là chuỗi")
    return f"Quy trình gặp lỗi: dữ liệu hồ sơ có giá trị không lưu được ({_first_line(exc)})"


def _restore(dct: dict, spec, subprocess_specs) -> BpmnWorkflow:
    dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
    return _serializer().registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
