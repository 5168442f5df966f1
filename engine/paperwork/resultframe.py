"""A procedure's result layout is filled into the NĐ 30/2020 frame (docs/bpmn-conventions.md, "The result"): it
extends ``van-ban.html`` (or a layout that does) and fills the frame's blocks. Jinja2 accepts, in silence, three
mistakes that leave every result without what the designer wrote:

- no ``{% extends %}``: the page has no issuing body, motto, number, signer block nor "Nơi nhận";
- a block the frame does not have (``{% block noi_dung %}`` for ``body``): never printed;
- text outside the blocks of a layout that extends: never printed.

Each is a TemplateProblem with its line, at validate, deploy and upload (engine.paperwork.resultlayouts.trial).
"""
from __future__ import annotations

from jinja2 import nodes

from engine.core.templating import TemplateProblem

FRAME = "van-ban.html"


def check(env, name: str, tree) -> None:
    """Raise TemplateProblem when the parsed layout ``tree`` (named ``name``) is not filled into the frame."""
    extends = next(iter(tree.find_all(nodes.Extends)), None)
    if extends is None:
        raise TemplateProblem(name, 1, f'mẫu kết quả không mở rộng khung văn bản: thêm {{% extends "{FRAME}" %}} ở '
                                       "đầu tệp và đặt nội dung vào các khối title, subtitle, body, style (nếu "
                                       "không, kết quả thiếu quốc hiệu, số, chữ ký và nơi nhận)")
    if isinstance(extends.template, nodes.Const):
        known = blocks_of(env, extends.template.value)
        for block in tree.body:
            if isinstance(block, nodes.Block) and block.name not in known:
                raise TemplateProblem(name, block.lineno, f"khung {extends.template.value} không có khối "
                                                          f"{block.name!r}, nội dung của nó không được in (các khối "
                                                          f"có: {', '.join(sorted(known))})")
    for node in tree.body:
        if isinstance(node, nodes.Output) and any(
                not isinstance(part, nodes.TemplateData) or part.data.strip() for part in node.nodes):
            raise TemplateProblem(name, node.lineno, "nội dung nằm ngoài các khối {% block %} không được in khi "
                                                     "mẫu mở rộng khung văn bản; đặt nó vào khối body")


def blocks_of(env, layout: str, depth: int = 0) -> set[str]:
    """The blocks of the engine's layout ``layout`` and of the layouts it extends."""
    source = env.loader.get_source(env, layout)[0]
    tree = env.parse(source)
    found = {b.name for b in tree.find_all(nodes.Block)}
    parent = next(iter(tree.find_all(nodes.Extends)), None)
    if parent is not None and isinstance(parent.template, nodes.Const) and depth < 5:
        found |= blocks_of(env, parent.template.value, depth + 1)
    return found
