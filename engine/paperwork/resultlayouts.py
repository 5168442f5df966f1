"""Render a result from its layout: the procedure version's template, else the engine's own (D34).

The engine's layouts are in engine/paperwork/templates/results: ``van-ban.html`` (the NĐ 30/2020 frame every
result extends), ``ket-qua.html`` (a procedure that ships no layout) and ``tu-choi.html`` (the notice of
refusal to resolve, an official form kept as data like the others). A procedure's template is the text its
version stored at deploy (engine.process.resultdecl); it may extend or include the engine's layouts and
nothing else (the loader knows no other folder).
"""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, meta, nodes

from engine.core import templating
from engine.paperwork import layout, resultdata, resultframe

LAYOUTS = Path(__file__).resolve().parent / "templates" / "results"
GENERIC, REFUSAL = "ket-qua.html", "tu-choi.html"


@lru_cache(maxsize=1)
def environment():
    return templating.environment(FileSystemLoader(str(LAYOUTS)))


def template_of(facts: resultdata.ResultFacts) -> tuple[str, str]:
    """(name, text) of the layout for ``facts``: the refusal notice, the version's own, or the generic one."""
    decl = facts.declaration or {}
    if facts.outcome == "refused":
        return REFUSAL, (LAYOUTS / REFUSAL).read_text(encoding="utf-8")
    if decl.get("template"):
        return decl.get("template_name") or "result.html", decl["template"]
    return GENERIC, (LAYOUTS / GENERIC).read_text(encoding="utf-8")


def html(facts: resultdata.ResultFacts, template: tuple[str, str] | None = None) -> tuple[str, str]:
    """(HTML, title) of the result; a TemplateProblem, with its line, when the template is broken."""
    name, text = template or template_of(facts)
    context = resultdata.context(facts)
    return templating.render(environment(), text, name, context), context["title"]


def render(facts: resultdata.ResultFacts, font_dir: Path, template: tuple[str, str] | None = None) -> bytes:
    """The unsigned result as PDF/A-3b."""
    page, title = html(facts, template)
    return layout.render(page, font_dir, title=title, author=facts.agency_name)


def trial(info: dict, forms: dict, now: datetime, place: str = "", public_url: str = "") -> None:
    """Render the procedure's own result layout (its HTML, no PDF) on sample data made from its filing form, for
    ``tthc validate``, ``tthc deploy`` and an upload: a layout that compiles but fails as it renders (a value the
    sandbox refuses, a division by zero, a filter given a wrong argument) is a TemplateProblem now, not at the
    first dossier's result. A procedure with no layout of its own has nothing to try."""
    decl = info.get("result") or {}
    if not decl.get("template"):
        return
    schema = forms.get(info.get("filing_form") or "", {})
    facts = resultdata.sample_facts(info, schema, now, place=place, public_url=public_url)
    name, text = decl.get("template_name") or "result.html", decl["template"]
    html(facts, (name, text))
    env = environment()
    known = set(resultdata.context(facts)) | set(env.globals)
    tree = env.parse(text)
    resultframe.check(env, name, tree)  # the frame filled: extends it, its own blocks, nothing outside them
    made = {m.name for m in tree.find_all(nodes.Macro)} | {
        n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}  # its macros, sets, loops
    unknown = sorted(meta.find_undeclared_variables(tree) - known - made)
    if unknown:  # a typo (``von_kinh_doan``) would print as nothing on every result
        found = re.search(rf"\b{re.escape(unknown[0])}\b", text)
        line = text[:found.start()].count("\n") + 1 if found else None
        raise templating.TemplateProblem(name, line, f"không có tên {', '.join(unknown)} trong dữ liệu của kết quả "
                                         f"(các tên có: {', '.join(sorted(set(resultdata.context(facts))))})")
