"""README.md as a new user reads it (issue 11 item 12): the first command works on a Debian python3 (which
refuses `pip install` outside a virtual environment, PEP 668), and every page it lists exists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CITIZEN, Api
from web_support import Web

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def backend():
    """The pages are the same on both databases; one is enough here."""
    return "sqlite"


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def commands() -> list[str]:
    """The indented command lines of "Two commands"."""
    return [line.strip() for line in section("Two commands").splitlines() if line.startswith("    ")]


def test_the_first_command_installs_into_a_virtual_environment_in_one_line():
    first, second = commands()
    steps = [step.strip() for step in first.split("&&")]
    assert steps[0].startswith("python3 -m venv ")  # Debian's python3: pip only inside a venv (PEP 668)
    venv = steps[0].split()[-1]
    assert steps[1:] == [f"{venv}/bin/pip install -e .", f"{venv}/bin/tthc serve --demo"]
    assert "sudo" not in first and "break-system-packages" not in first
    assert second == "bash .ci/run"


def page_paths() -> list[str]:
    """Every page path the "Web pages" section lists (in backquotes)."""
    found = re.findall(r"`(/[^`\s]*)`", section("Web pages"))
    assert len(found) >= 8, found
    return found


def test_every_page_the_readme_lists_answers_on_the_demo_app(app):
    api = Api(app.test_client())
    code = api.file(CITIZEN)["code"]
    task = api.task_for("demo.tiepnhan", code)["id"]
    visitors = {"anonymous": Web(app.test_client()), "citizen": Web(app.test_client()).login(CITIZEN),
                "officer": Web(app.test_client()).login("demo.tiepnhan"),
                "leader": Web(app.test_client()).login("demo.lanhdao"),
                "administrator": Web(app.test_client()).login("demo.admin")}
    for listed in page_paths():
        path = listed.replace("<code>", code).replace("<id>", str(task))
        assert "<" not in path, f"README lists {listed}: a placeholder this test does not know"
        answers = {who: web.get(path, status=None).status_code for who, web in visitors.items()}
        assert 404 not in answers.values() and max(answers.values()) < 500, (listed, answers)
        assert 200 in answers.values(), (listed, answers)  # someone sees the page itself
