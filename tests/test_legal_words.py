"""People read the law, not our rule ids: no page or message shows "(D19)"; every id the code names is in
engine/law/rules.py and in docs/rules.md, so an error body's ``rule`` always points inside the repository."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from engine.law.rules import RULES, cite

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
SHOWN_ID = re.compile(r"\(([^()]*[,\s])?D\d{1,2}\b[^()]*\)|\btheo D\d{1,2}\b")


def _shown_python_strings(path: Path) -> list[tuple[int, str]]:
    """String literals of a module that are not docstrings (the texts a person may be shown)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_page_template_shows_a_rule_id():
    found = [f"{p.relative_to(ROOT)}:{n}" for p in (ENGINE / "web" / "templates").rglob("*.html")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if SHOWN_ID.search(line)]
    assert found == []


def test_no_message_of_the_engine_shows_a_rule_id():
    # rules.py is the table itself; openapi.py describes the API's ``rule`` field to integrators by its ids
    found = [f"{p.relative_to(ROOT)}:{n}: {text[:60]}" for p in ENGINE.rglob("*.py")
             if p.name not in ("rules.py", "openapi.py")
             for n, text in _shown_python_strings(p) if SHOWN_ID.search(text)]
    assert found == []


def test_every_rule_the_code_names_is_explained_in_the_repository():
    named = set()
    for p in ENGINE.rglob("*.py"):
        named |= set(re.findall(r"rule=\"(D\d{1,2})\"", p.read_text(encoding="utf-8")))
    documented = set(re.findall(r"^## (D\d{1,2})\.", (ROOT / "docs" / "rules.md").read_text(encoding="utf-8"), re.M))
    assert named and named <= set(RULES) and set(RULES) == documented


@pytest.mark.parametrize("rule,words", [("D19", "theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND"),
                                        ("D18", "theo Điều 19 Nghị định 61/2018/NĐ-CP")])
def test_a_rule_is_cited_by_its_legal_text(rule, words):
    assert cite(rule) == words


def test_rules_on_the_same_text_cite_it_once():
    assert cite("D30", "D31") == "theo Thông tư 01/2018/TT-VPCP, Thông tư 03/2025/TT-VPCP"


def test_an_error_body_names_the_rule_and_its_message_cites_the_law(api):
    """D3: the second account with a CCCD is refused; the body keeps ``rule`` and the message speaks law."""
    payload = {"full_name": "Lê Văn Cường", "cccd": "001099000001", "cccd_issued_on": "2021-06-01",
               "phone": "0905123456", "email": "cuong@example.vn", "password": "mat-khau-dai-123"}
    err = api.post("/api/v1/citizens", json=payload).get_json()["error"]
    assert err["code"] == "cccd_taken" and err["rule"] == "D3"
    assert "theo Nghị định 45/2020/NĐ-CP" in err["message"] and "D3" not in err["message"]
