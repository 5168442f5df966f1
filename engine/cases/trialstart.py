"""The deploy's trial start: the process of a checked file started as a filing starts it (engine.cases.filing:
the dossier's code and its filing form, here the form's sample data), before it is deployed.

A script that never ends (``while True``), or a loop of automatic steps with no person's task in it, fails
every filing of the version with the time limit or the step limit (engine.process.runtime), and only once the
version is deployed. Those two are refused at validate and deploy, with the line of the element that ran too
long. Other failures on the sample data are not refused: a sample is no citizen's form (a script may divide
by a field the sample fills with 1 and a citizen never leaves at 0), and the filing still answers 422 for them.
"""
from __future__ import annotations

from datetime import datetime

from engine.core.errors import Problem
from engine.paperwork import resultdata
from engine.process import bpmnparser, fields
from engine.process.runtime import Process, ProcessFailure, StepLimit
from engine.process.scriptlimits import ScriptTimeout

TRIAL_CODE = "THU-NGHIEM"  # no dossier's code: the trial's ``ma_ho_so``
TRIAL_FACTOR = 3


def start_problems(definition, time_limit: float, now: datetime | None = None) -> list[Problem]:
    """[] when the process of ``definition`` starts on the sample filing within the limits, else the problem."""
    schema = definition.forms.get(definition.info.get("filing_form") or "", {})
    data = fields.of(definition.info).start_data(TRIAL_CODE, resultdata.sample_form(schema))
    try:  # three times the limit: a script that ends, only slow on a loaded machine, is not taken for a loop
        Process.start(("trial", definition.content_hash), definition.spec_json, data, TRIAL_FACTOR * time_limit, now)
    except ProcessFailure as exc:
        cause = exc.__cause__
        timed_out = isinstance(cause, ScriptTimeout) or getattr(cause, "error_type", None) == "ScriptTimeout"
        if not timed_out and not isinstance(exc, StepLimit):  # another failure: the sample's, maybe not a citizen's
            return []
        element = _element(cause) or definition.process_id
        found = bpmnparser.parse_xml(definition.bpmn_xml.encode("utf-8")).xpath("//*[@id=$i]", i=element)
        why = (f"kịch bản chạy quá {TRIAL_FACTOR * time_limit:g} giây, gấp {TRIAL_FACTOR} lần thời gian cho phép "
               f"({time_limit:g} giây; vòng lặp không dừng?)" if timed_out
               else exc.message.rstrip("."))
        return [Problem(definition.file_name, found[0].sourceline if found else None, element,
                        f"thử nộp một hồ sơ với dữ liệu mẫu của biểu mẫu nộp: {why}; mọi hồ sơ nộp vào phiên bản "
                        "này sẽ bị từ chối")]
    return []


def _element(cause) -> str | None:
    task = getattr(cause, "task", None)
    spec = getattr(task, "task_spec", None)
    return getattr(spec, "bpmn_id", None)
