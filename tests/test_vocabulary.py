"""One vocabulary: the Vietnamese date formats, the CCCD pattern and the words for roles, steps and actions
are declared in engine/core/vocabulary.py, and no other module of the engine keeps its own."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import SAMPLE_CODE, SAMPLE_FORM
from engine.core import vocabulary
from engine.core.clock import VN_TZ
from engine.core.vocabulary import vn_time
from engine.data import model
from engine.cases.steps.catalogue import STEP_ACTIONS  # every step kind, the one the engine opens too

ENGINE = Path(__file__).resolve().parent.parent / "engine"
HOME = ENGINE / "core" / "vocabulary.py"
# 02:05 UTC on 1 March 2026 is 09:05 the same day in Vietnam; 20:30 UTC on 28 Feb is 03:30 on 1 March.
MORNING = datetime(2026, 3, 1, 2, 5, tzinfo=timezone.utc)
NIGHT = datetime(2026, 2, 28, 20, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(("style", "morning", "night"), [
    ("datetime", "01/03/2026 09:05", "01/03/2026 03:30"),
    ("date", "01/03/2026", "01/03/2026"),
    ("clock", "09:05 01/03/2026", "03:30 01/03/2026"),
    ("at", "09:05 ngày 01/03/2026", "03:30 ngày 01/03/2026"),
    ("formal", "09 giờ 05 phút, ngày 01/03/2026", "03 giờ 30 phút, ngày 01/03/2026"),
])
def test_each_style_shows_vietnam_time(style, morning, night):
    assert vn_time(MORNING, style) == morning
    assert vn_time(NIGHT, style) == night  # the day changes at midnight in Vietnam, not in UTC
    assert vn_time(MORNING.astimezone(timezone(timedelta(hours=-5))), style) == morning


def test_missing_values_and_plain_dates():
    assert vn_time(None) == "" and vn_time(None, "formal", missing="chưa xác định") == "chưa xác định"
    assert vn_time(date(2026, 9, 2), "formal") == "02/09/2026"  # a date has no time to show
    assert vn_time(datetime(2026, 9, 2, 7, 0), "at") == "07:00 ngày 02/09/2026"  # naive: shown as it is
    with pytest.raises(KeyError):
        vn_time(datetime(2026, 9, 2, tzinfo=VN_TZ), "iso")


@pytest.mark.parametrize(("value", "ok"), [("001099000001", True), ("00109900000", False), ("0010990000012", False),
                                           ("00109900000a", False), ("001099000001\n", False), (None, False),
                                           ("٠٠١٠٩٩٠٠٠٠٠١", False), ("00109900000١", False)])
def test_the_cccd_pattern(value, ok):
    # Python's \d takes other scripts' digits and $ lets a final newline in: both were accepted before.
    assert vocabulary.is_cccd(value) is ok
    assert (re.fullmatch(vocabulary.CCCD_PATTERN.strip("^$"), value or "") is not None) is ok


def test_an_owner_cccd_with_a_trailing_newline_is_refused(api):
    owner = {"full_name": "Trần Văn Bình", "birth_date": "1990-01-01", "cccd": "001099000777\n"}
    r = api.post("/api/v1/dossiers", "demo.tiepnhan", json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                                            "owner": owner, "channel": "desk"})
    assert r.status_code == 422 and "owner.cccd" in r.get_json()["error"]["fields"], r.get_json()


def test_every_step_kind_and_action_has_its_words():
    assert set(vocabulary.STEPS) == set(STEP_ACTIONS)
    offered = {a for actions in STEP_ACTIONS.values() for a in actions}
    assert all(vocabulary.ACTIONS[a].button for a in offered - {"supplement"})  # the citizen has a page of her own
    assert model.ROLES is vocabulary.ROLES


def _engine_sources():
    for path in sorted(ENGINE.rglob("*.py")):
        if path != HOME:
            yield path, path.read_text(encoding="utf-8")


def test_no_other_module_keeps_a_date_format_a_cccd_pattern_or_a_label_table():
    found = []
    for path, text in _engine_sources():
        rel = path.relative_to(ENGINE.parent)
        for pattern, what in [(r"strftime\([^)]*%d/%m", "a date format"), (r"\\d\{12\}|\[0-9\]\{12\}", "the CCCD pattern"),
                              (r"\"Thủ trưởng cơ quan\"|\"Thẩm định hồ sơ\"|\"Đề xuất từ chối", "a label table")]:
            if re.search(pattern, text):
                found.append(f"{rel}: {what}")
    assert not found, found
