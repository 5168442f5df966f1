"""The administrators' log (/quan-tri/nhat-ky) names every administrative action in words (D29: every
administrative action is audited, and read by people): an action recorded by the engine without a label showed its
code ("citizen.unseat", the desk or the e-ID locking a self-registered account that held someone's CCCD)."""
from __future__ import annotations

import re
from pathlib import Path

from engine.web.admin_ops import ADMIN_ACTION_TEXT

ENGINE = Path(__file__).resolve().parent.parent / "engine"
AUDITED = re.compile(r'(?:administration\.audit|record_admin)\(\s*session,\s*[^,]+,\s*[^,]+,\s*"([a-z_.]+)"')


def test_every_action_the_engine_audits_has_its_words_on_the_log_page():
    actions = {m.group(1) for path in ENGINE.rglob("*.py") for m in AUDITED.finditer(path.read_text("utf-8"))}
    assert "citizen.unseat" in actions and "officer.create" in actions  # the search finds what it looks for
    assert sorted(actions - set(ADMIN_ACTION_TEXT)) == []
