"""Two agencies for the liên thông tests (D33): the Sở Tư pháp, which files the criminal record procedure
(processes/ly-lich-tu-phap), and the city police, which answers its part; each with its officers and signing
keys, both procedures deployed (the police's first: the Sở's names it)."""
from __future__ import annotations

from pathlib import Path

from conftest import CITIZEN, PASSWORD, password_hash, vn

from engine.cases import accounts
from engine.cli.demo import OFFICES, POLICE, ROOT, STAFF
from engine.data import agencies
from engine.data.agency_model import Agency
from engine.paperwork import results
from engine.process import procedures

FOLDER = Path(__file__).resolve().parent.parent / "processes" / "ly-lich-tu-phap"
SO = "000.00.12.H56"
SO_NAME, POLICE_NAME = "Sở Tư pháp thành phố Huế (demo)", "Công an thành phố Huế (demo)"
PARENT_CODE, CHILD_CODE = "2.000488", "2.000505"
FORM = {"ho_ten": "Nguyễn Văn An", "gioi_tinh": "nam", "ngay_sinh": "1999-03-14", "noi_sinh": "Thành phố Huế",
        "quoc_tich": "Việt Nam", "cccd": "001099000001", "dia_chi": "24 Tố Hữu, phường Thuận Hóa, thành phố Huế",
        "dien_thoai": "0912345678", "muc_dich": "Bổ sung hồ sơ xin việc", "so_luong_phieu": 1}


def officer(agency: str, step: str) -> str:
    """The username of ``agency``'s officer for a step kind (the demo's: sotuphap.*, congan.*)."""
    prefix = "sotuphap" if agency == SO else "congan"
    suffix = {"intake": "tiepnhan", "return": "tiepnhan", "assessment": "chuyenvien", "approval": "lanhdao",
              "signing": "vanthu"}[step]
    return f"{prefix}.{suffix}"


def build_lienthong(app) -> None:
    ext = app.extensions["tthc"]
    now, settings = ext["clock"].now(), ext["settings"]
    with ext["sessions"].begin() as session:
        root = agencies.by_code(session, ROOT) or agencies.place(
            session, Agency(code=ROOT, name="Ủy ban nhân dân thành phố Huế (demo)", level="province"), None)
        for prefix in ("sotuphap", "congan"):
            code, names = OFFICES[prefix]
            agency = agencies.by_code(session, code) or agencies.place(
                session, Agency(code=code, name=SO_NAME if code == SO else POLICE_NAME, level="department"), root)
            for (suffix, roles), name in zip(STAFF, names):
                accounts.ensure_officer(session, now, f"{prefix}.{suffix}", name, roles, agency, PASSWORD,
                                        password_hash=password_hash())
        for bpmn in ("xac-minh-ly-lich.bpmn", "ly-lich-tu-phap.bpmn"):
            procedures.deploy(session, procedures.load_file(FOLDER / bpmn, settings.forms_dir), now, "tester")
        results.ensure_keys(session, settings, now, pin=PASSWORD)
    assert OFFICES["congan"][0] == POLICE


def filed(app, api, clock) -> str:
    """The Sở's dossier filed by the demo citizen on Monday 07/12/2026 08:30 (the two agencies built first), the
    clock left at 09:00; its code."""
    build_lienthong(app)
    clock.set(vn(2026, 12, 7, 8, 30))
    api.tokens.clear()
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    clock.set(vn(2026, 12, 7, 9, 0))
    api.tokens.clear()
    return r.get_json()["code"]


def handed_over(app, api, clock) -> str:
    """``filed``, then received at 09:00, when its hand-over to the police is reached at once; the Sở's code (the
    police's part is the one dossier with a parent)."""
    code = filed(app, api, clock)
    api.act(officer(SO, "intake"), code, "receive")
    return code
