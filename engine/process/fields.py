"""The names a procedure gives its data: declared in the BPMN, read by the engine, never guessed.

The generic engine must not know one procedure's field names. A procedure declares, as properties of its
``bpmn:process`` (docs/bpmn-conventions.md), where the result's document number, the approver's opinion and
the applicant's contact details are in its forms, and under which keys the dossier code and the filing form
are put into the workflow data its scripts and gateways read. Each has a default, the sample procedure's
name, so a file that declares nothing behaves as before; versions deployed before these properties existed
carry no declaration and get the defaults too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields

from engine.core.errors import Problem

# BPMN property name -> (attribute, default).
PROPERTIES: dict[str, tuple[str, str]] = {
    "documentNumberField": ("document_number", "so_van_ban"),
    "documentDateField": ("document_date", "ngay_ban_hanh"),
    "opinionField": ("opinion", "y_kien_phe_duyet"),
    "contactAddressField": ("address", "dia_chi_tru_so"),
    "contactPhoneField": ("phone", "dien_thoai"),
    "contactEmailField": ("email", "email"),
    "dossierCodeKey": ("dossier_code_key", "ma_ho_so"),
    "filingDataKey": ("filing_key", "ho_so"),
}
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}(\.[A-Za-z][A-Za-z0-9_]{0,63}){0,7}$")
CONTACT = ("address", "phone", "email")


@dataclass(frozen=True)
class ProcedureFields:
    """Where a procedure keeps what the engine needs from its data (attributes as in PROPERTIES)."""

    document_number: str = "so_van_ban"
    document_date: str = "ngay_ban_hanh"
    opinion: str = "y_kien_phe_duyet"
    address: str = "dia_chi_tru_so"
    phone: str = "dien_thoai"
    email: str = "email"
    dossier_code_key: str = "ma_ho_so"
    filing_key: str = "ho_so"

    def start_data(self, dossier_code: str, form: dict) -> dict:
        """The workflow data a dossier starts with: its code and its filing form, under the declared keys."""
        return {self.dossier_code_key: dossier_code, self.filing_key: form}

    def contact(self, form: dict | None) -> dict[str, str]:
        """Address, phone and e-mail read from the filing form at the declared paths ('' when absent)."""
        return {name: _text(_at(form or {}, getattr(self, name))) for name in CONTACT}


def _at(data, path: str):
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _text(value) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _schema_has(schema: dict, path: str) -> bool:
    for part in path.split("."):
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(props, dict) or part not in props:
            return False
        schema = props[part]
    return True


def read(props: dict[str, str], filing_schema: dict | None, file_name: str, line: int | None,
         element: str) -> tuple[dict, list[Problem]]:
    """The declared names of a process (its properties) with defaults, and the problems of bad declarations.

    Data keys must be plain names (scripts read them as variables); a contact path must name a field of the
    filing form when it is declared (the default is only looked for).
    """
    values, problems = {}, []
    for prop, (attr, default) in PROPERTIES.items():
        raw = props.get(prop)
        value = default if raw is None else raw.strip()
        pattern = _KEY if attr.endswith("_key") or attr in ("document_number", "document_date", "opinion") \
            else _PATH
        if not pattern.match(value):
            problems.append(Problem(file_name, line, element, f"{prop} không hợp lệ: {raw!r}"))
        elif raw is not None and attr in CONTACT and filing_schema is not None \
                and not _schema_has(filing_schema, value):
            problems.append(Problem(file_name, line, element,
                                    f"{prop}: biểu mẫu nộp hồ sơ không có trường {value!r}"))
        values[attr] = value
    if values["dossier_code_key"] == values["filing_key"]:
        problems.append(Problem(file_name, line, element, "dossierCodeKey và filingDataKey phải khác nhau"))
    return values, problems


def of(info: dict | None) -> ProcedureFields:
    """The names stored with a procedure version; a version deployed before they were declared gets defaults."""
    stored = (info or {}).get("fields") or {}
    known = {f.name for f in fields(ProcedureFields)}
    return ProcedureFields(**{k: v for k, v in stored.items() if k in known})


