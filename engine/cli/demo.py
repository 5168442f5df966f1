"""The demo: a small province a newcomer can walk through from `tthc serve --demo` (D29).

Thành phố Huế (a centrally-run city since 1/7/2025, the province level of the two-level government) with its
public-administration centre and one branch, two departments (Sở) and three wards. The household-business
registration (processes/ho-kinh-doanh) is offered by the three wards; the Sở Tư pháp's copies of civil-status
extracts (processes/trich-luc-ho-tich) and criminal record certificates (processes/ly-lich-tu-phap, with the
city police's verification through liên thông, D33) by that department. Each agency has its officers (receiving,
specialist, leader, head, clerk); ``demo.admin`` administers the whole province and ``phuxuan.admin`` one ward.
The original demo users keep their ward, Thuận Hóa, whose electronic id ``000.00.06.H56`` keeps its shape
(QĐ 20/2020/QĐ-TTg: four groups, the last one the province's).

``load_demo(..., province=False)`` loads only that ward, its users and the sample procedure: the fixture the
test suite builds its databases from.
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from sqlalchemy import select

from engine.cases import accounts
from engine.cases.preflight import command_sessions, upgrade_database
from engine.core.clock import SystemClock
from engine.core.errors import DefinitionError
from engine.core.settings import Settings
from engine.data import agencies
from engine.data.agency_model import AdminEvent, Agency, ProcedureOffer
from engine.data.model import Procedure, User

DEMO_AGENCY = ("000.00.06.H56", "Ủy ban nhân dân phường Thuận Hóa (demo)")
DEMO_USERS = [
    ("demo.tiepnhan", "Trần Thị Tiếp Nhận", {"receiving_officer"}),
    ("demo.chuyenvien", "Lê Văn Chuyên", {"specialist"}),
    ("demo.lanhdao", "Phạm Minh Lãnh", {"department_leader"}),
    ("demo.thutruong", "Hoàng Văn Trưởng", {"head_of_agency"}),
    ("demo.giamdoc", "Đỗ Thị Giám", {"centre_director"}),
    ("demo.vanthu", "Vũ Thị Văn", {"clerk"}),
    ("demo.admin", "Ngô Quản Trị", {"administrator"}),
]
DEMO_CITIZEN = {"full_name": "Nguyễn Văn An", "cccd": "001099000001", "cccd_issued_on": "2021-05-10",
                "phone": "0912345678", "email": "an.nguyen@example.vn"}
SAMPLE_FOLDER = "ho-kinh-doanh"
SAMPLE_PROCEDURE = "1.001612"      # offered by the three wards, as every procedure a ward publishes
DEPARTMENT_PROCEDURE = "2.000635"  # offered by the Sở Tư pháp (its BPMN names it)

ROOT = "000.00.00.H56"
POLICE = "000.00.20.H56"
CENTRE = "000.00.01.H56"
HOURS = {day: ["07:00-11:30", "13:30-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
# code, name, level, parent's code, address
AGENCIES = [
    (ROOT, "Ủy ban nhân dân thành phố Huế (demo)", "province", None, "16 Lê Lợi, phường Thuận Hóa, thành phố Huế"),
    (CENTRE, "Trung tâm Phục vụ hành chính công thành phố Huế (demo)", "centre", ROOT,
     "1 Lê Lai, phường Thuận Hóa, thành phố Huế"),
    ("000.01.01.H56", "Chi nhánh số 1 Trung tâm Phục vụ HCC thành phố Huế (demo)", "centre", CENTRE,
     "22 Nguyễn Hoàng, phường Kim Long, thành phố Huế"),
    ("000.00.12.H56", "Sở Tư pháp thành phố Huế (demo)", "department", ROOT,
     "10 Tôn Đức Thắng, phường Thuận Hóa, thành phố Huế"),
    ("000.00.10.H56", "Sở Tài chính thành phố Huế (demo)", "department", ROOT,
     "4 Hoàng Hoa Thám, phường Thuận Hóa, thành phố Huế"),
    # answers the Sở Tư pháp's liên thông requests (processes/ly-lich-tu-phap, D33)
    (POLICE, "Công an thành phố Huế (demo)", "department", ROOT, "50 Hà Nội, phường Thuận Hóa, thành phố Huế"),
    (DEMO_AGENCY[0], DEMO_AGENCY[1], "commune", ROOT, "24 Tố Hữu, phường Thuận Hóa, thành phố Huế"),
    ("000.00.07.H56", "Ủy ban nhân dân phường Phú Xuân (demo)", "commune", ROOT,
     "3 Lê Duẩn, phường Phú Xuân, thành phố Huế"),
    ("000.00.08.H56", "Ủy ban nhân dân phường Kim Long (demo)", "commune", ROOT,
     "180 Kim Long, phường Kim Long, thành phố Huế"),
]
WARDS = (DEMO_AGENCY[0], "000.00.07.H56", "000.00.08.H56")
# each agency's abbreviation in its documents' symbols (NĐ 30/2020): the Sở Tài chính's results are "n/GCN-STC"
SYMBOLS = {ROOT: "UBND", CENTRE: "TTPVHCC", "000.01.01.H56": "TTPVHCC", "000.00.12.H56": "STP",
           "000.00.10.H56": "STC", POLICE: "CATP", **dict.fromkeys(WARDS, "UBND")}
STAFF = [("tiepnhan", {"receiving_officer"}), ("chuyenvien", {"specialist"}), ("lanhdao", {"department_leader"}),
         ("thutruong", {"head_of_agency"}), ("vanthu", {"clerk"})]
# the officers of the other agencies: username prefix -> (agency code, names in the order of STAFF)
OFFICES = {
    "phuxuan": ("000.00.07.H56", ["Nguyễn Thị Hạnh", "Trương Văn Lực", "Phan Thị Nga", "Lê Quang Vinh",
                                  "Hồ Thị Liên"]),
    "kimlong": ("000.00.08.H56", ["Đặng Văn Hùng", "Tôn Nữ Minh Thư", "Bùi Văn Toàn", "Nguyễn Phước Sang",
                                  "Lê Thị Hoa"]),
    "sotuphap": ("000.00.12.H56", ["Võ Thị Thanh", "Ngô Đình Khoa", "Trần Thị Bích", "Hoàng Trọng Nghĩa",
                                   "Phạm Thị Yến"]),
    "sotaichinh": ("000.00.10.H56", ["Lê Văn Tài", "Nguyễn Thị Diệu", "Trần Hữu Phước", "Đoàn Văn Khánh",
                                     "Mai Thị Thu"]),
    "congan": (POLICE, ["Trần Thị Hằng", "Nguyễn Văn Cường", "Lê Minh Đức", "Phạm Quốc Bảo", "Võ Thị Mỹ"]),
}
OTHERS = [
    ("trungtam.tiepnhan", "Huỳnh Thị Ngọc", {"receiving_officer"}, CENTRE),
    ("trungtam.giamdoc", "Nguyễn Đức Minh", {"centre_director"}, CENTRE),
    ("chinhanh1.tiepnhan", "Dương Thị Lan", {"receiving_officer"}, "000.01.01.H56"),
    ("phuxuan.admin", "Lê Văn Quản", {"administrator"}, "000.00.07.H56"),  # a ward's administrator
]


# Every office of the demo receives dossiers at its own one-stop section (Bộ phận Một cửa: STAFF has its
# receiving officer), led by the agency's head where no centre director is appointed (Thuận Hóa has
# demo.giamdoc): who confirms an extension (D17: engine.cases.dossiers.work_agency keeps that item at the
# receiving agency) and signs the apology of an intake-stage second supplement request (D11b). Without it a Phú
# Xuân or Kim Long extension, then one of a trích lục the Sở Tư pháp received itself, waited forever in no one's
# inbox and the dossier ran late; that letter had no signer. The same account rather than a new one: the
# province keeps its list of officers.
ONE_STOP_HEAD = "thutruong"  # in every office of OFFICES


def province_officers() -> list[tuple[str, str, set[str], str]]:
    """(username, full name, roles, agency code) of every demo officer; ``demo.admin`` belongs to the root."""
    people = [(u, n, r, ROOT if u == "demo.admin" else DEMO_AGENCY[0]) for u, n, r in DEMO_USERS]
    for prefix, (code, names) in OFFICES.items():
        people += [(f"{prefix}.{suffix}", name,
                    roles | {"centre_director"} if suffix == ONE_STOP_HEAD else roles, code)
                   for (suffix, roles), name in zip(STAFF, names)]
    return people + OTHERS


def load_demo(settings: Settings, password: str, province: bool = True) -> None:
    """Build (or bring up to date: idempotent) the demo; ``province=False``: the single ward of the tests'
    fixtures, with the sample procedure only."""
    from engine.cli.deploying import deploy_paths
    from engine.cli.keys import init_pki

    upgrade_database(settings)
    folder = _procedures_folder(settings, province)  # before the first write: all of the demo or none of it
    sessions = command_sessions(settings)
    now = SystemClock().now()
    hashed = accounts.hash_password(password)  # one hash for the demo's one published password (not 37 scrypts)
    with sessions.begin() as session:
        if province:
            by_code = _agencies(session)
            for username, name, roles, code in province_officers():
                accounts.ensure_officer(session, now, username, name, roles, by_code[code], password,
                                        password_hash=hashed)
        else:
            agency = agencies.by_code(session, DEMO_AGENCY[0])
            if agency is None:
                agency = Agency(code=DEMO_AGENCY[0], name=DEMO_AGENCY[1])
                session.add(agency)
                session.flush()
            for username, name, roles in DEMO_USERS:
                accounts.ensure_officer(session, now, username, name, roles, agency, password,
                                        password_hash=hashed)
        citizen = session.scalar(select(User).where(User.username == DEMO_CITIZEN["cccd"]))
        if citizen is None:
            citizen = accounts.register_citizen(session, now, {**DEMO_CITIZEN, "password": password})
        citizen.password_hash = hashed
        citizen.identity_checked = "desk"  # as if checked at the desk: it sees the desk dossiers filed for it
        citizen.birth_date = date(1999, 3, 14)
    deploy_paths(settings, (str(folder),), "demo")
    if province:
        with sessions.begin() as session:
            # every procedure a ward publishes (the library's commune-level ones) is offered by the three wards
            ward_ids = {agencies.by_code(session, code).id for code in WARDS}
            for code in session.scalars(select(Procedure.code).where(Procedure.agency_id.in_(ward_ids))):
                _offer(session, now, code, WARDS)
    init_pki(settings, pin=password, renew=True)  # the demo officers' keys take the demo password as their PIN (D35)


def _procedures_folder(settings: Settings, province: bool) -> Path:
    """The folder of procedures the demo deploys (the ward's fixture: the sample's, when there), refused before
    anything is written when it is missing, holds no BPMN file or a file that does not load: the agencies,
    officers and citizen were committed first, then the deployment failed and left a demo with no procedure."""
    from engine.process import procedures

    sample = Path(settings.processes_dir) / SAMPLE_FOLDER
    folder = Path(settings.processes_dir) if province or not sample.is_dir() else sample
    if not folder.is_dir():
        raise click.ClickException(f"không có thư mục thủ tục {folder}")
    files = sorted(folder.rglob("*.bpmn"))
    if not files:
        raise click.ClickException(f"thư mục thủ tục {folder} không có tệp BPMN (*.bpmn) nào")
    problems = []
    for path in files:  # the lines `tthc deploy` prints for them, then its exit status
        try:
            procedures.load_file(path, settings.forms_dir)
        except DefinitionError as exc:
            problems += [str(problem) for problem in exc.problems]
        except OSError as exc:  # a folder named *.bpmn, an unreadable file
            problems.append(f"{path}:0: -: không đọc được tệp BPMN: {exc.strerror or exc}")
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    return folder


def _agencies(session) -> dict[str, Agency]:
    """The province's tree, each agency placed under its parent (an older demo's ward moves under the root)."""
    found: dict[str, Agency] = {}
    for code, name, level, parent, address in AGENCIES:
        agency = agencies.by_code(session, code)
        if agency is None:
            agency = Agency(code=code, name=name, active=True)
        # an agency an administrator closed stays closed, its address as they wrote it (the demo's when none)
        agency.level, agency.address = level, agency.address or address
        agency.office_hours = agency.office_hours or HOURS
        agency.seal_name = agency.seal_name or name.removesuffix(" (demo)")
        agency.symbol = agency.symbol or SYMBOLS.get(code)
        found[code] = agencies.place(session, agency, found[parent] if parent else None)
    return found


def _offer(session, now, procedure_code: str, codes) -> None:
    """``codes`` offer the procedure (each receives and processes its own dossiers); existing offers stay. Once an
    administrator changed the procedure's offers (an audited "offers" action), they are theirs: loading the demo
    again adds none back (D29: what an administrator decided is undone by an administrator, audited)."""
    procedure = session.scalar(select(Procedure).where(Procedure.code == procedure_code))
    if procedure is None:  # a processes folder without the sample
        return
    if session.scalar(select(AdminEvent.id).where(AdminEvent.target_kind == "offer", AdminEvent.action == "offers",
                                                  AdminEvent.target == procedure_code).limit(1)) is not None:
        return
    for code in codes:
        agency = agencies.by_code(session, code)
        if not agency.active:  # closed by an administrator: it takes no new offer from the demo either
            continue
        if session.scalar(select(ProcedureOffer.id).where(ProcedureOffer.procedure_id == procedure.id,
                                                          ProcedureOffer.agency_id == agency.id)) is None:
            session.add(ProcedureOffer(procedure_id=procedure.id, agency_id=agency.id, settings={}, created_at=now,
                                       created_by="demo"))
