"""A procedure's result as it declares it (D34): the layout file of its folder, the title, the issuing body.

The layout is part of the procedure version: ``tthc deploy`` reads the template named by the property
``result.template`` next to the BPMN file and stores its text in the version's info, so a dossier renders with
its own version's layout however the folder changes later (and a changed template makes a new version).
Properties of the ``bpmn:process`` (docs/bpmn-conventions.md):

- ``result.template``: the Jinja2 HTML file in the procedure's folder (extends ``van-ban.html``);
- ``result.title``: the document's title ("Giấy chứng nhận đăng ký hộ kinh doanh");
- ``result.symbol``: the symbol after the number ("GCN-UBND": "Số: 12/GCN-UBND");
- ``result.registrationPrefix``: a registration number is given to each approved result, this prefix followed
  by the agency's next number on six digits (a household business: "33A8000012");
- ``result.recipients``: the "Nơi nhận" lines, separated by ";";
- ``agencyParent`` and ``agencyPlace``: the body above the issuing agency (empty for a People's Committee) and
  the place name of the date line ("Huế", where the agency sits, not the province).
"""
from __future__ import annotations

import re
from pathlib import Path

from engine.core import templating
from engine.core.errors import Problem

PREFIX_RE = re.compile(r"^[0-9A-Z]{1,8}$")
SYMBOL_RE = re.compile(r"^[0-9A-ZĐ][0-9A-ZĐ/-]{0,39}$")
TEMPLATE_LIMIT = 200_000  # characters: a layout, not a data file


def read(prop: dict[str, str], folder: Path | None, file_name: str, line: int | None,
         uploaded: dict[str, bytes] | None = None) -> tuple[dict, list[Problem]]:
    """The result declaration (with the template's text) and the problems found in it. The template is an
    uploaded file of that name (the API's deploy), else the file in ``folder``; when neither has it (a copy of
    the BPMN file alone), the version renders with the engine's generic layout and says so
    (``template_missing``: `tthc deploy` warns, `tthc render` refuses)."""
    problems: list[Problem] = []

    def problem(message: str, where: int | None = line, name: str = file_name) -> None:
        problems.append(Problem(name, where, "result", message))

    result = {"title": prop.get("result.title", "").strip(), "symbol": prop.get("result.symbol", "").strip(),
              "registration_prefix": prop.get("result.registrationPrefix", "").strip(),
              "recipients": [r.strip() for r in prop.get("result.recipients", "").split(";") if r.strip()],
              "issuer_parent": prop.get("agencyParent", "").strip(),
              "issuer_place": prop.get("agencyPlace", "").strip(), "template": None, "template_name": None}
    if result["registration_prefix"] and not PREFIX_RE.match(result["registration_prefix"]):
        problem("result.registrationPrefix: 1 đến 8 chữ số hoặc chữ in hoa")
    if result["symbol"] and not SYMBOL_RE.match(result["symbol"]):
        problem("result.symbol: chữ in hoa, chữ số, '-' và '/' (ví dụ GCN-UBND)")
    name = prop.get("result.template", "").strip()
    if name and ("/" in name or "\\" in name or name.startswith(".")):
        problem(f"result.template: tên tệp không hợp lệ: {name!r}")
    elif name:
        raw = (uploaded or {}).get(name)
        where = name
        if raw is None and folder is not None and (folder / name).is_file():
            raw, where = (folder / name).read_bytes(), str(folder / name)
        if raw is None:  # a copy of the BPMN without its folder: the engine's generic layout
            result["template_missing"] = name
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                problem(f"result.template: tệp {name} không phải văn bản UTF-8")
            else:
                if len(text) > TEMPLATE_LIMIT:
                    problem(f"result.template: tệp {name} quá lớn (tối đa {TEMPLATE_LIMIT} ký tự)")
                try:
                    templating.check(templating.environment(), text, name)
                except templating.TemplateProblem as exc:
                    problem(f"mẫu kết quả không hợp lệ: {exc.message}", exc.line, where)
                result.update(template=text, template_name=name)
    return result, problems
