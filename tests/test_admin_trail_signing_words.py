"""The administrators' trail says in words what an officer's suspension or change did to the documents waiting
for their signature (engine.cases.signer_duty: handed to another holder of the role, or left without one)."""
from __future__ import annotations

import pytest

from engine.web.admin_ops import detail_text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_handed_over_signatures_are_said_in_words(app):
    with app.test_request_context("/quan-tri/nhat-ky"):
        text = detail_text({"signing": {"handed_over": ["000.00.06.H56-261207-0001"], "unassigned": []}})
    assert text == "Văn bản chờ ký: Chuyển cho người ký khác: 000.00.06.H56-261207-0001; Chưa có người ký thay: —"
