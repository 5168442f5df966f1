"""One error tree. Every error the engine raises on purpose is an EngineError, mapped to HTTP in one place."""
from __future__ import annotations

from dataclasses import dataclass, field


class EngineError(Exception):
    """Base error; ``code`` is machine-readable, ``message`` is Vietnamese text for people."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None,
                 rule: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.rule = rule


class BadRequest(EngineError):
    status, code = 400, "bad_request"


class Unauthorized(EngineError):
    status, code = 401, "unauthorized"


class Forbidden(EngineError):
    status, code = 403, "forbidden"


class NotFound(EngineError):
    status, code = 404, "not_found"


class Conflict(EngineError):
    status, code = 409, "conflict"


class TooLarge(EngineError):
    status, code = 413, "too_large"


class Invalid(EngineError):
    """Invalid input or a legal rule that says no (with the rule id)."""

    status, code = 422, "invalid"


@dataclass
class Problem:
    """One problem in a procedure definition: file, line, element and a plain message."""

    file: str
    line: int | None
    element: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.element or '-'}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "element": self.element, "message": self.message}


@dataclass
class DefinitionError(EngineError):
    """A BPMN file (or its forms) cannot be deployed."""

    problems: list[Problem] = field(default_factory=list)

    def __init__(self, problems: list[Problem]):
        EngineError.__init__(self, "Quy trình có lỗi, chưa được triển khai", code="invalid_definition")
        self.problems = problems

    status = 422


# -- every field refused at once -------------------------------------------------------------------------------
FIELD_CODES = ("bad_request", "invalid", "invalid_form")  # the codes of a field refused for its own value


def gathered(found: list, check, *args, **kwargs):
    """``check(*args, **kwargs)``; a refusal of some fields' values is added to ``found`` (None returned) rather
    than raised, so that the others are checked too; any other refusal (a rule, a state) is raised at once."""
    try:
        return check(*args, **kwargs)
    except Invalid as refusal:
        if refusal.code not in FIELD_CODES or refusal.rule is not None or not refusal.fields:
            raise
        found.append(refusal)
        return None


def together(found: list, what: str = "Tờ khai") -> Invalid:
    """The refusals ``gathered`` kept, as one: each field's message, the first refusal's words when it is alone,
    else the form's (its count of fields then counts them all)."""
    fields = {k: v for refusal in found for k, v in refusal.fields.items()}
    if len(found) == 1:
        return found[0]
    codes = {refusal.code for refusal in found}  # one code when they share it (a client switching on it), else
    return Invalid(f"{what} chưa hợp lệ: {len(fields)} trường cần sửa",  # the form's, which names them all
                   code=codes.pop() if len(codes) == 1 else "invalid_form", fields=fields)
