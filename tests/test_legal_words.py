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
    assert cite("D30", "D31") == "theo Thông tư 01/2018/TT-VPCP và Thông tư 03/2025/TT-VPCP"


@pytest.mark.parametrize("rules,words", [
    # D16's basis names D13's decree again: "theo Nghị định 61/2018/NĐ-CP; Nghị định 61/2018/NĐ-CP, Điều 21 ..."
    (("D13", "D16"), "theo Nghị định 61/2018/NĐ-CP và Điều 21 Nghị định 118/2025/NĐ-CP"),
    # an article of a text already named refers back to it: "...; Điều 112 Bộ luật Lao động 2019"
    (("D14", "D15"), "theo Bộ luật Lao động 2019 và Điều 112 của Bộ luật này"),
    (("D7", "D19"), "theo Điều 13 Quyết định 88/2017/QĐ-UBND và Điều 22 khoản 7 của Quyết định này"),
    (("D8", "D10"), "theo Thông tư 01/2018/TT-VPCP, Thông tư 03/2025/TT-VPCP và Điều 11 Nghị định 118/2025/NĐ-CP"),
    (("D10", "D11"), "theo Điều 11 Nghị định 118/2025/NĐ-CP và Điều 13 khoản 2, Điều 14 khoản 1 Quyết định "
                     "88/2017/QĐ-UBND"),
    (("D11",), "theo Điều 13 khoản 2 và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND"),
])
def test_several_rules_cite_each_text_once_as_a_sentence(rules, words):
    assert cite(*rules) == words


INSTRUMENT = re.compile(r"(?:Bộ luật|Luật|Nghị định|Thông tư|Quyết định) (?:\d+/\d{4}/[A-ZĐ-]+|[^\d(),;]*?\d{4})")


def _cited_twice(text: str) -> list[str]:
    """The legal texts a "(theo ...)" of ``text`` names more than once."""
    found = []
    for basis in re.findall(r"\(theo ([^()]*)\)", text):
        names = INSTRUMENT.findall(basis)
        found += sorted({n for n in names if names.count(n) > 1})
    return found


def test_no_text_shown_to_people_cites_the_same_legal_text_twice():
    """"(theo Nghị định 61/2018/NĐ-CP; Nghị định 61/2018/NĐ-CP, Điều 21 Nghị định 118/2025/NĐ-CP)" and "(theo Bộ
    luật Lao động 2019; Điều 112 Bộ luật Lao động 2019)" were on every dossier's deadline section."""
    assert _cited_twice("(theo Bộ luật Lao động 2019; Điều 112 Bộ luật Lao động 2019)") == ["Bộ luật Lao động 2019"]
    found = [f"{p.relative_to(ROOT)}:{n}: {twice}" for p in ENGINE.rglob("*.py")
             for n, text in _shown_python_strings(p) for twice in _cited_twice(text)]
    found += [f"{p.relative_to(ROOT)}:{n}: {twice}" for p in (ENGINE / "web" / "templates").rglob("*.html")
              for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) for twice in _cited_twice(line)]
    assert found == []


def test_an_error_body_names_the_rule_and_its_message_cites_the_law(api):
    """D3: the second account with a CCCD is refused; the body keeps ``rule`` and the message speaks law."""
    payload = {"full_name": "Lê Văn Cường", "cccd": "001099000001", "cccd_issued_on": "2021-06-01",
               "phone": "0905123456", "email": "cuong@example.vn", "password": "mat-khau-dai-123"}
    err = api.post("/api/v1/citizens", json=payload).get_json()["error"]
    assert err["code"] == "cccd_taken" and err["rule"] == "D3"
    assert "theo Nghị định 45/2020/NĐ-CP" in err["message"] and "D3" not in err["message"]
