"""SpiffWorkflow's BPMN parser, and its errors as Problems a designer can act on.

Why: the parser reports in English, with line 0 (it reads a ``line_number`` attribute lxml elements do not
have) and often no element; a file in UTF-16 or ISO-8859-1 must be read as bytes so its XML declaration is
honoured. This module gives every parser error the element, its source line and a Vietnamese message.
"""
from __future__ import annotations

import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.core.errors import Problem
from engine.process import timerevents

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiff": SPIFF}

# Elements the engine cannot run, refused here rather than at the first filing.
UNSUPPORTED = {
    "serviceTask": "service task (gọi dịch vụ ngoài) không được hỗ trợ; dùng script task hoặc công việc của cán bộ",
    "sendTask": "send task không được hỗ trợ",
    "receiveTask": "receive task không được hỗ trợ",
    "businessRuleTask": "business rule task (DMN) không được hỗ trợ",
}


def bpmn_name(el) -> str | None:
    """The local name of a BPMN model element; None for comments and other namespaces' elements (a Camunda
    ``zeebe:userTask`` inside extensionElements is not a user task)."""
    if not isinstance(el.tag, str):
        return None
    name = etree.QName(el)
    return name.localname if name.namespace == BPMN else None


def parse_xml(bpmn: bytes):
    """The lxml tree of a BPMN file, read as bytes so the XML declaration's encoding (UTF-16, ISO-8859-1...)
    is honoured. Raises etree.XMLSyntaxError."""
    return etree.fromstring(bpmn, etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False))


def xml_text(bpmn: bytes, tree) -> str:
    """The file as text to store and serve: unchanged when it is UTF-8, else re-encoded with a UTF-8 declaration
    (a text that still declared UTF-16 would be served as UTF-8 and misread)."""
    declared = (tree.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
    if declared in ("UTF-8", "UTF8"):
        try:
            return bpmn.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return etree.tostring(tree, encoding="UTF-8", xml_declaration=True).decode("utf-8")


def schema_problems(tree, file_name: str) -> list[Problem]:
    """The file checked against the BPMN XML schema ([] if it conforms)."""
    try:
        VALIDATOR.validate(tree, file_name)
    except ValidationException as exc:
        return [spiff_problem(exc, tree, file_name)]
    return []


def parse_spec(tree, file_name: str, process_id: str) -> tuple[object, dict]:
    """SpiffWorkflow's spec of a linted file; its parser's errors become Problems (raised as a list)."""
    parser = timerevents.Parser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, file_name)
        return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    except (ValidationException, SpiffWorkflowException) as exc:
        raise ParseFailed([spiff_problem(exc, tree, file_name)]) from exc
    except Exception as exc:  # the parser's own bugs on odd input: still a problem of the file, never a 500
        raise ParseFailed([Problem(file_name, None, "", f"trình phân tích BPMN không đọc được tệp "
                                                        f"({type(exc).__name__}: {exc})"[:500])]) from exc


class ParseFailed(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message)
        self.problems = problems


# SpiffWorkflow's messages (parser and XML schema), in Vietnamese; the English follows in brackets.
_MESSAGES = [
    (r"There is no support implemented for this task type", "loại phần tử này không được hỗ trợ"),
    (r"Process (.*) is not executable", "quy trình {0} không thực thi được (isExecutable)"),
    (r"No start event found", "quy trình không có sự kiện bắt đầu"),
    (r"Duplicate process ID: (.*)", "trùng mã quy trình: {0}"),
    (r"The process '(.*?)' was not found", "không tìm thấy quy trình '{0}' trong tệp"),
    (r"Unknown Time Specification", "hẹn giờ cần timeDuration, timeDate hoặc timeCycle"),
    (r"Time Specification Error\. ?(.*)", "biểu thức hẹn giờ lỗi: {0}"),
    (r"Exactly one start event is required in a SubWorkflow Task", "quy trình con cần đúng một sự kiện bắt đầu"),
    (r"A SubWorkflow Must contain an End event", "quy trình con cần một sự kiện kết thúc"),
    (r'No "calledElement" attribute', "hoạt động gọi (callActivity) thiếu thuộc tính calledElement"),
    (r"Invalid Script Task\. +No Script Provided", "script task không có kịch bản"),
    (r"A Service Task must have an operator", UNSUPPORTED["serviceTask"]),
    (r"Non-default exclusive outgoing sequence flow without condition",
     "luồng ra của cổng rẽ nhánh (không phải mặc định) thiếu điều kiện"),
    (r"Conditional event definition with missing condition", "sự kiện điều kiện thiếu điều kiện"),
    (r"Cannot resolve data(In|Out)putAssociation (.*)", "không tìm thấy dữ liệu được liên kết: {1}"),
    (r"(Message|Signal|Error|Escalation|Correlation|Data Store) identifier is missing",
     "thiếu mã định danh của {0} trong tệp"),
    (r"Could not find messageRef", "không tìm thấy thông điệp (messageRef) được tham chiếu"),
    (r"Ad hoc subprocesses", "quy trình con ad hoc không được hỗ trợ như thế này"),
    (r"Sequential ordering for ad hoc", "quy trình con ad hoc tuần tự không được hỗ trợ"),
    # the BPMN XML schema's (lxml): an element "{namespace}name" is said by its name
    (r"^Element '(?:\{[^}]*\})?([^']*)': No matching global declaration available for the validation root",
     "XML không đúng lược đồ BPMN: phần tử gốc <{0}> không phải <definitions> của BPMN 2.0 (không gian tên "
     "http://www.omg.org/spec/BPMN/20100524/MODEL)"),
    (r"^Element '(?:\{[^}]*\})?([^']*)': The attribute '([^']*)' is required but missing",
     "XML không đúng lược đồ BPMN: phần tử <{0}> thiếu thuộc tính bắt buộc {1}"),
    (r"^Element '(?:\{[^}]*\})?([^']*)', attribute '([^']*)': The attribute '[^']*' is not allowed",
     "XML không đúng lược đồ BPMN: phần tử <{0}> không có thuộc tính {1}"),
    (r"^Element '(?:\{[^}]*\})?([^']*)', attribute '([^']*)': '(.*)' is not a valid value",
     "XML không đúng lược đồ BPMN: giá trị '{2}' của thuộc tính {1} (phần tử <{0}>) không hợp lệ"),
    (r"^Element '(?:\{[^}]*\})?([^']*)': This element is not expected",
     "XML không đúng lược đồ BPMN: phần tử <{0}> không được phép ở vị trí này"),
    (r"^Element '(?:\{[^}]*\})?([^']*)': Missing child element",
     "XML không đúng lược đồ BPMN: phần tử <{0}> thiếu phần tử con bắt buộc"),
    (r"^Element '", "XML không đúng lược đồ BPMN"),
    (r"^\w+\(", "trình phân tích BPMN không đọc được phần tử này"),  # a Python error the parser wrapped
]


def _translate(english: str) -> str:
    for pattern, vietnamese in _MESSAGES:
        match = re.search(pattern, english)
        if match:
            return vietnamese.format(*match.groups())
    return "trình phân tích BPMN từ chối tệp"


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # SpiffWorkflow's __str__ fails when a note is None
        text = type(exc).__name__
    return (text.splitlines() or [type(exc).__name__])[0].strip().rstrip(".")


def spiff_problem(exc: BaseException, tree, file_name: str) -> Problem:
    """A parser error as a Problem with a Vietnamese message, the element and its source line (the library's
    own line number is read from an attribute lxml elements do not have, so it is always empty)."""
    element = getattr(exc, "id", "") or ""
    line = None
    if element and tree is not None:
        found = tree.xpath("//*[@id=$i]", i=element)
        line = found[0].sourceline if found else None
    raw_line = getattr(exc, "line_number", None)
    if line is None and isinstance(raw_line, int) and raw_line > 0:
        line = raw_line
        if not element and tree is not None:  # the schema names a line: name the element found there
            at_line = next((el for el in tree.iter() if isinstance(el.tag, str) and el.sourceline == line), None)
            while at_line is not None and not at_line.get("id"):
                at_line = at_line.getparent()
            element = at_line.get("id", "") if at_line is not None else ""
    english = _first_line(exc)
    return Problem(file_name, line, element, f"{_translate(english)} ({english})")
