"""What a result template is given: the facts of one result, from a dossier or from sample data.

A template (engine/paperwork/templates/results/van-ban.html and the procedures' own) sees these names:

- ``issuer``: ``name`` (the agency), ``parent`` (the body above it, may be empty), ``place`` (of the date line);
- ``number`` ("12/GCN-UBND", empty until the number is allocated) and ``symbol`` ("GCN-UBND");
- ``issued_on`` (a date-time: ``{{ issued_on | vn_date_words(issuer.place) }}``), ``title``; numbers in words:
  ``{{ 2026 | vn_number_words }}`` (engine.core.vocabulary.number_words);
- ``dossier``: ``code``, ``owner_name``, ``owner_cccd``, ``owner_birth_date``, ``received_at``;
- ``procedure``: ``code``, ``name``;
- ``form``: the filing form's data as filed; ``values``: the same keys printed by their type in the form
  schema (money grouped with its unit, dates dd/mm/yyyy, years and codes as they are); ``rows``: (label,
  printed value) for every filled field, in the schema's order;
- ``registration``: the registration number given to the approved result (empty when none is declared);
- ``outcome`` ("approved" or "refused"), ``opinion`` (the approver's opinion or the reasons of a refusal);
- ``assessment``: the data of the specialist's proposal the decision followed (the ``propose_approval`` or
  ``propose_refusal`` form, by its keys; empty when there was none): what the result states as found (a criminal
  record certificate's finding is the specialist's ``tinh_trang_an_tich``, not the leader's comment);
- ``signer``: ``authority`` (the lines of the signer block) and ``name``;
- ``recipients`` (the "Nơi nhận" lines), ``lookup_url`` and ``qr`` (the QR code of the public lookup, an ``<img>``);
- ``replaces``: for a re-issued (corrected) result, ``number``, ``issued_on`` and ``reason`` of the one it
  replaces (the frame prints the line itself), else None.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from engine.core import vocabulary
from engine.paperwork import authority, pdf

DEFAULT_RECIPIENTS = ["Như trên;", "Lưu: VT."]
REFUSAL_TITLE = "Thông báo từ chối giải quyết hồ sơ"


@dataclass
class ResultFacts:
    """One result, whatever it comes from (a dossier, or sample data in ``tthc render``)."""

    procedure_code: str
    procedure_name: str
    agency_name: str
    dossier_code: str
    owner_name: str
    form: dict
    schema: dict
    issued_on: datetime
    outcome: str = "approved"
    opinion: str = ""
    signer_role: str = "head_of_agency"
    signer_name: str = ""
    number: str = ""
    registration: str = ""
    owner_cccd: str = ""
    owner_birth_date: date | None = None
    received_at: datetime | None = None
    declaration: dict = field(default_factory=dict)  # the version's info["result"] (engine.process.resultdecl)
    place: str = ""  # the settings' place name, when the procedure declares none
    replaces: dict | None = None  # a re-issue: {"number", "issued_on", "reason"} of the document it replaces
    requested_by: str = ""  # a liên thông share (D33): the agency whose request it answers, not the citizen
    public_url: str = ""
    assessment: dict = field(default_factory=dict)  # the specialist's proposal the decision followed
    issuer_symbol: str = ""  # the issuing agency's abbreviation in symbols (Agency.symbol), "" if it has none


def rows(data: dict, schema: dict, prefix: str = "") -> list[tuple[str, str]]:
    """(label, printed value) of every filled field, in the schema's order, nested objects flattened."""
    props = schema.get("properties", {})
    found = []
    for key in list(props) + [k for k in data if k not in props]:
        if key not in data or data[key] in (None, "", [], {}):
            continue
        sub = props.get(key, {})
        label = prefix + sub.get("title", key)
        if isinstance(data[key], dict):
            found += rows(data[key], sub, label + " — ")
        else:
            found.append((label, vocabulary.vn_value(data[key], sub)))
    return found


def values(data: dict, schema: dict) -> dict:
    """The data with each value printed by its schema property (nested objects stay objects)."""
    props = schema.get("properties", {})
    return {key: values(value, props.get(key, {})) if isinstance(value, dict)
            else vocabulary.vn_value(value, props.get(key, {})) for key, value in data.items()}


def symbol(declared: str, refused: bool, issuer: str = "") -> str:
    """The symbol after the number (Nghị định 30/2020/NĐ-CP: the kind of document, then the issuing agency): the
    kind the procedure declares ("GCN" of "GCN-UBND"), or "TB" for a refusal notice, then the abbreviation of the
    agency that issues it (``issuer``, Agency.symbol: a Sở Tài chính processing a ward's procedure gives
    "GCN-STC"), else the agency part the procedure declares ("GCN-UBND", "TB-UBND")."""
    kind, _, declared_agency = declared.partition("-")
    agency_part = issuer or declared_agency
    head = "TB" if refused else kind
    return f"{head}-{agency_part}" if agency_part else head


def context(facts: ResultFacts) -> dict:
    """The names a result template sees (module docstring)."""
    decl = facts.declaration or {}
    refused = facts.outcome == "refused"
    title = REFUSAL_TITLE if refused else (decl.get("title") or f"Kết quả giải quyết thủ tục {facts.procedure_name}")
    lookup = f"{facts.public_url.rstrip('/')}/tra-cuu?q={facts.dossier_code}"
    return {
        "issuer": {"name": facts.agency_name, "parent": decl.get("issuer_parent") or "",
                   "place": decl.get("issuer_place") or facts.place},
        "number": facts.number, "symbol": symbol(decl.get("symbol") or "KQ", refused, facts.issuer_symbol),
        "issued_on": facts.issued_on, "title": title,
        "dossier": {"code": facts.dossier_code, "owner_name": facts.owner_name, "owner_cccd": facts.owner_cccd,
                    "owner_birth_date": facts.owner_birth_date, "received_at": facts.received_at},
        "procedure": {"code": facts.procedure_code, "name": facts.procedure_name},
        "form": facts.form, "values": values(facts.form, facts.schema), "rows": rows(facts.form, facts.schema),
        "registration": facts.registration, "outcome": facts.outcome, "opinion": facts.opinion,
        "assessment": facts.assessment,
        "signer": {"authority": authority.signer_block(facts.agency_name, facts.signer_role),
                   "name": facts.signer_name},
        "recipients": (([f"{facts.requested_by or facts.owner_name};"] + DEFAULT_RECIPIENTS) if refused
                       else decl.get("recipients") or DEFAULT_RECIPIENTS),
        "requested_by": facts.requested_by,
        "lookup_url": lookup, "qr": Markup(f'<img class="qr" alt="QR" src="data:image/png;base64,'
                                               f'{base64.b64encode(pdf.qr_png(lookup)).decode()}">'),
        "replaces": facts.replaces,
    }


def sample_form(schema: dict, root: dict | None = None) -> dict:
    """Plausible data for every field of a form schema (a preview without a dossier, the trial render at deploy):
    money 100.000.000, other integers 1, dates 14/03/1990, an enum's first value, text its own title; a list of
    one item of its ``items`` schema; a local ``$ref`` followed, the first type of a list of types not null."""
    root = schema if root is None else root
    return {key: _sample(prop, root, 0, key) for key, prop in schema.get("properties", {}).items()}


def _resolved(prop: dict, root: dict, depth: int = 0) -> dict:
    ref = prop.get("$ref") if isinstance(prop, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/") or depth > 8:
        return prop if isinstance(prop, dict) else {}
    target = root
    for part in ref[2:].split("/"):
        target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
    return _resolved({**target, **{k: v for k, v in prop.items() if k != "$ref"}}, root, depth + 1)


def _sample(prop: dict, root: dict, depth: int = 0, key: str = "Mẫu"):
    prop = _resolved(prop, root)
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if "enum" in prop and prop["enum"]:
        return prop["enum"][0]
    if "const" in prop:
        return prop["const"]
    if kind == "object" or (kind is None and "properties" in prop):
        return sample_form(prop, root) if depth < 8 else {}
    if kind in ("integer", "number"):
        return 100_000_000 if prop.get("format") == vocabulary.MONEY_FORMAT else max(1, prop.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "array":
        items = _resolved(prop.get("items") or {}, root)
        if items.get("type") in ("object", ["object"]) or "properties" in items or "$ref" in (prop.get("items") or {}):
            return [_sample(items, root, depth + 1)]
        return [items.get("title") or "Mục 1"] if not items.get("type") or items.get("type") == "string" \
            else [_sample(items, root, depth + 1)]
    if prop.get("format") == "date":
        return "1990-03-14"
    if prop.get("format") == "email":
        return "ho.kinh.doanh@example.vn"
    return prop.get("title") or key


def sample_facts(info: dict, schema: dict, now: datetime, *, form: dict | None = None, place: str = "",
                 public_url: str = "") -> ResultFacts:
    """A result of the procedure ``info`` (a definition's catalogue entry) on sample data: ``form``, else one made
    from its filing form's ``schema`` (``tthc render``'s preview, and the trial render at validate and deploy)."""
    return ResultFacts(
        procedure_code=info.get("code", "0.000000"), procedure_name=info.get("name", "Thủ tục mẫu"),
        agency_name=info.get("agency_name", "Ủy ban nhân dân phường Mẫu"),
        dossier_code=f"{info.get('agency', '000.00.00.H00')}-{now:%y%m%d}-0001", owner_name="Nguyễn Văn An",
        form=sample_form(schema) if form is None else form, schema=schema, issued_on=now,
        declaration=info.get("result") or {}, place=place, public_url=public_url, received_at=now)
