"""Liên thông (D33) in a real browser (headless Debian Chromium, as tests/test_e2e_browser.py): a criminal record
request filed at the Sở Tư pháp is received there, goes to the city police's inbox (and to no inbox of the Sở),
the police verify, approve, sign and issue their answer; the answer comes back to the Sở, whose specialist,
leader and clerk finish the Phiếu lý lịch tư pháp. The citizen sees one dossier with its stage at the police.
Screenshots go to tests/artifacts/."""
from __future__ import annotations

from conftest import CITIZEN
from lienthong_support import FORM, PARENT_CODE, POLICE_NAME, SO, build_lienthong, officer
from test_e2e_browser import Person, backend, browser, pytestmark, server  # noqa: F401 (fixtures, skip mark)

from engine.cli.demo import POLICE


def test_a_lienthong_dossier_goes_through_two_agencies_inboxes(app, api, browser, server):  # noqa: F811
    build_lienthong(app)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]

    desk = Person(browser, server, officer(SO, "intake"))  # 1. the Sở's one-stop receives it
    desk.act(code, "receive")
    desk.close()

    so_specialist = Person(browser, server, officer(SO, "assessment"))  # 2. nothing waits in the Sở's inbox
    page = so_specialist.goto("/can-bo/cong-viec")
    assert page.locator(f'tr[data-dossier="{code}"]').count() == 0

    police = Person(browser, server, officer(POLICE, "assessment"))  # 3. the police's inbox has the sub-dossier
    page = police.goto("/can-bo/cong-viec")
    rows = page.locator(f'tr[data-dossier^="{POLICE}-"]')
    assert rows.count() == 1
    child = rows.first.get_attribute("data-dossier")
    police.shot("71-police-inbox.png")
    assert police.goto(f"/can-bo/ho-so/{code}").locator(".code").count() == 0  # not the police's to open
    police.act(child, "propose_approval", {"#propose_approval-y_kien_tham_dinh": "Không có thông tin án tích"})
    police.close()

    citizen = Person(browser, server, CITIZEN)  # the citizen: one dossier, at the police for now
    page = citizen.goto("/ca-nhan/ho-so")
    assert page.locator(f'text="{code}"').count() >= 1 and page.locator(f'text="{child}"').count() == 0
    citizen.goto(f"/ca-nhan/ho-so/{code}")
    assert f"Đang xử lý tại {POLICE_NAME} (liên thông)" in page.inner_text("#stage")
    citizen.shot("72-citizen-stage.png")
    citizen.close()

    leader = Person(browser, server, officer(POLICE, "approval"))  # 4. the police's leader approves and signs
    leader.act(child, "approve", {"#approve-y_kien_phe_duyet": "Đồng ý trả lời"})
    leader.sign(child)
    leader.close()
    clerk = Person(browser, server, officer(POLICE, "signing"))  # 5. the police's clerk issues the answer
    clerk.act(child, "issue_result")  # the number the register gave, filled in
    clerk.close()

    so_specialist.goto(f"/can-bo/ho-so/{code}")  # 6. back at the Sở: the answer and the police's time
    table = so_specialist.page.inner_text("#handovers")
    assert POLICE_NAME in table and "Đúng hạn" in table
    so_specialist.shot("73-so-handovers.png")
    so_specialist.act(code, "propose_approval", {"#propose_approval-y_kien_tham_dinh": "Công an trả lời không có án tích"})
    so_specialist.close()
    so_leader = Person(browser, server, officer(SO, "approval"))
    so_leader.act(code, "approve", {"#approve-y_kien_phe_duyet": "Không có án tích"})
    so_leader.sign(code)
    so_leader.close()
    so_clerk = Person(browser, server, officer(SO, "signing"))
    so_clerk.act(code, "issue_result")  # the number the register gave, filled in
    so_clerk.close()
    done = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert done["status"] == 9 and done["handovers"][0]["status"] == 10
