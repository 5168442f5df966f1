"""A notice's lines stay apart: the templates trim the line break after a block tag (trim_blocks), so a line that
ends with ``{% endif %}`` must be followed by an empty one, or the next line is glued to it ("…sẽ được hoàn
trả.Lý do: …")."""
from __future__ import annotations

import pytest

from engine.cases import notices


@pytest.mark.parametrize("language, reason", [("vi", "Lý do:"), ("en", "Reason:")])
@pytest.mark.parametrize("for_officers", [True, False])
def test_the_refund_notice_gives_its_reason_on_a_line_of_its_own(language, reason, for_officers):
    values = dict(amount=100000, fee_name="Lệ phí đăng ký hộ kinh doanh", code="000.00.06.H56-261207-0001",
                  procedure="Đăng ký thành lập hộ kinh doanh", reason="Hồ sơ đã được rút", link="/ca-nhan/ho-so/x",
                  for_officers=for_officers)
    title, body = notices.render("refunded", language, values)
    lines = body.split("\n")
    assert lines[1] == f"{reason} Hồ sơ đã được rút", body
    assert lines[0].endswith("." if not for_officers else "fees." if language == "en" else "của hồ sơ."), body
    assert "000.00.06.H56-261207-0001" in title


@pytest.mark.parametrize("language,how,title", [
    ("vi", "withdraw", "Hồ sơ 000.00.06.H56-261207-0001 đã được rút"),
    ("en", "withdraw", "Dossier 000.00.06.H56-261207-0001 has been withdrawn"),
    ("vi", "stop", "Hồ sơ 000.00.06.H56-261207-0001 đã dừng giải quyết"),
    ("en", "stop", "Dossier 000.00.06.H56-261207-0001 has ended")])
def test_a_withdrawn_dossiers_notice_says_withdrawn_in_its_title(language, how, title):
    """D16, D28: the citizen who withdrew a dossier was told in the title that it had been stopped (dừng giải
    quyết), as if the agency had ended it; the body said withdrawn. The title now says so too."""
    values = dict(code="000.00.06.H56-261207-0001", procedure="Đăng ký thành lập hộ kinh doanh", how=how,
                  agency="Ủy ban nhân dân phường Thuận Hóa", reason="Không kinh doanh nữa", document_link="/tai-lieu/1",
                  link="/ca-nhan/ho-so/x")
    assert notices.render("ended", language, values)[0] == title
