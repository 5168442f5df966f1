"""What a field's digit pattern says when it is not met: how to write it, not "Không đúng định dạng".

A phone number (^0\\d{9}$, the sample forms' dien_thoai) is 10 digits starting with 0; a CCCD (^[0-9]{12}$) is 12
digits; any other pattern keeps the general message.
"""
from __future__ import annotations

import pytest

from engine.process.forms import field_errors


@pytest.mark.parametrize("pattern, typed, said", [
    (r"^0\d{9}$", "12345", "Gồm đúng 10 chữ số, bắt đầu bằng số 0"),
    (r"^0[0-9]{9}$", "0912 345 678", "Gồm đúng 10 chữ số, bắt đầu bằng số 0"),
    (r"^0\d{10}$", "0912345678", "Gồm đúng 11 chữ số, bắt đầu bằng số 0"),
    (r"^[0-9]{12}$", "0010990000", "Gồm đúng 12 chữ số"),
    (r"^0\d{9,10}$", "1", "Không đúng định dạng"),
    (r"^[A-Z]{3}$", "ab", "Không đúng định dạng"),
])
def test_a_digit_pattern_says_how_to_write_the_field(pattern, typed, said):
    schema = {"type": "object", "properties": {"f": {"type": "string", "pattern": pattern}}}
    assert field_errors(schema, {"f": typed}) == {"f": said}
    assert field_errors(schema, {}) == {}
