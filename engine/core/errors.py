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
