"""Edges of the designer's and operator's commands (README: bad input is refused in one Vietnamese line with a
non-zero exit, never a traceback, and nothing half-written): `tthc procedure import` into another folder never
deploys a skeleton over a procedure already in the catalogue (D29: a deployed flow changes only by its own
file), `tthc simulate` runs scenarios of any time of 1976–2100, `tthc procedure new` refuses an agency the
database lacks (D29), the national time text is one positive duration or refused (D18), and `tthc pki token`
checks the officer before it asks for a PIN."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE, SAMPLE_CODE

from engine.cli import main
from engine.process import catalogue_import

ROOT = Path(__file__).resolve().parent.parent
AGENCY = "000.00.06.H56"


class Tthc:
    """`tthc ...` in this process with its own data folder, SQLite file and procedure library."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes = folder / "processes"
        self.processes.mkdir()
        self.database = folder / "cli.sqlite3"
        self.env = {"TTHC_DATA_DIR": str(folder / "data"), "TTHC_DATABASE_URL": f"sqlite:///{self.database}",
                    "TTHC_PROCESSES_DIR": str(self.processes), "TTHC_FORMS_DIR": str(ROOT / "forms"),
                    "TTHC_PKI_PASSPHRASE": "mat-khau-pki-thu"}

    def __call__(self, *args: str):
        return CliRunner().invoke(main, list(args), env=self.env)

    def with_agency(self) -> None:
        assert self("db", "upgrade").exit_code == 0
        added = self("agency", "add", AGENCY, "--name", "Ủy ban nhân dân phường Thuận Hóa", "--level", "commune")
        assert added.exit_code == 0, added.output

    def versions(self, code: str) -> list[int]:
        with sqlite3.connect(self.database) as db:
            return [v for (v,) in db.execute("SELECT v.version FROM procedure_version v JOIN procedure p ON "
                                             "p.id = v.procedure_id WHERE p.code = ? ORDER BY v.version", (code,))]


@pytest.fixture
def tthc(tmp_path):
    return Tthc(tmp_path)


def one_line(result, *needles: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def record(code: str, time: str = "05 ngày làm việc") -> dict:
    return {"Mã thủ tục": code, "Tên thủ tục": "Thủ tục thử nghiệm", "Cấp thực hiện": "Cấp xã",
            "Thời hạn giải quyết": time, "Phí, lệ phí": [],
            "Thành phần hồ sơ": [{"Tên giấy tờ": "Đơn đề nghị", "Số bản": 1}], "Cơ quan thực hiện": AGENCY}


def deployed_sample(tthc: Tthc) -> None:
    """The sample procedure (1.001612) deployed from the library folder, version 1."""
    tthc.with_agency()
    shutil.copytree(SAMPLE.parent, tthc.processes / SAMPLE.parent.name)
    done = tthc("deploy", str(tthc.processes / SAMPLE.parent.name))
    assert done.exit_code == 0, done.output
    assert tthc.versions(SAMPLE_CODE) == [1]


# -- finding 1: import into another folder ---------------------------------------------------------------------
@pytest.mark.parametrize("deploy", [("--deploy",), ()], ids=["deploy", "no-deploy"])
def test_import_into_another_folder_never_makes_a_skeleton_of_a_deployed_procedure(tthc, tmp_path, deploy):
    """D29: a procedure already in the catalogue keeps its flow; imported with --dir naming a folder that lacks
    its file, its row is refused (naming the code and where its file is) rather than 'created' as the blank
    skeleton that --deploy made version 2 of the live procedure. The whole file is refused: the new code beside
    it is said not written (would-create) and nothing is written."""
    deployed_sample(tthc)
    source = tmp_path / "r.json"
    source.write_text(json.dumps([record("9.000780"), record(SAMPLE_CODE)], ensure_ascii=False), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    done = tthc("procedure", "import", str(source), "--dir", str(elsewhere), *deploy)
    assert done.exit_code == 1, done.output
    rows = {line.split("\t")[0]: line.split("\t") for line in done.stdout.splitlines()}
    assert rows["dòng 1"][2] == "would-create"
    assert rows["dòng 2"][1:3] == [SAMPLE_CODE, "refused"]
    assert SAMPLE_CODE in rows["dòng 2"][3] and "ho-kinh-doanh.bpmn" in rows["dòng 2"][3]
    assert "1 dòng bị từ chối" in done.stderr
    assert not elsewhere.exists() or list(elsewhere.iterdir()) == []
    assert tthc.versions(SAMPLE_CODE) == [1] and tthc.versions("9.000780") == []


def test_import_without_dir_still_updates_the_deployed_procedures_folder(tthc, tmp_path):
    """The same record imported into the library that holds its file: 'updated', the flow untouched (README)."""
    deployed_sample(tthc)
    source = tmp_path / "r.json"
    source.write_text(json.dumps([record(SAMPLE_CODE)], ensure_ascii=False), encoding="utf-8")
    done = tthc("procedure", "import", str(source), "--deploy")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0].split("\t")[2] == "updated"
    assert tthc.versions(SAMPLE_CODE) == [1, 2]


# -- finding 2: simulate before 2020 ---------------------------------------------------------------------------
@pytest.mark.parametrize("when", ["1976-01-02T09:00:00+07:00", "2019-12-30T09:00:00+07:00"])
def test_simulate_runs_a_scenario_of_any_time_of_1976_to_2100(tmp_path, when):
    """README: a scenario's times of 1976–2100 are accepted; the simulated citizen's CCCD was issued on
    2020-01-01, so any filing before it was refused ('Ngày cấp không thể ở tương lai')."""
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"procedure": str(SAMPLE), "steps": [
        {"at": when, "do": "file"}, {"at": when.replace("T09", "T10"), "do": "receive"}]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dossier"]["status"] == 4


# -- finding 3: procedure new with an unknown agency -----------------------------------------------------------
def test_procedure_new_refuses_an_agency_the_database_lacks_and_writes_nothing(tthc, tmp_path):
    """D29: the folder `procedure new` writes must pass `tthc validate --simulate` at once (README); one naming
    an agency the database lacks failed it. Refused up front, one line naming the agency, nothing written."""
    tthc.with_agency()
    done = tthc("procedure", "new", "thu-nghiem", "--agency", "999.00.06.H56", "--dir", str(tmp_path / "p"))
    one_line(done, "999.00.06.H56", "tthc agency add")
    assert not (tmp_path / "p").exists()
    made = tthc("procedure", "new", "thu-nghiem", "--agency", AGENCY, "--dir", str(tmp_path / "p"))
    assert made.exit_code == 0, made.output
    checked = tthc("validate", "--simulate", str(tmp_path / "p" / "thu-nghiem"))
    assert checked.exit_code == 0, checked.output


# -- finding 4: the national time text -------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["-5 ngày làm việc", "3-5 ngày làm việc", "3 – 5 ngày", "từ 3 đến 5 ngày làm việc"])
def test_a_time_text_that_is_not_one_positive_duration_is_refused(text):
    """D18: the deadline is counted from the duration read; a minus sign or a range was read as 5 working days."""
    with pytest.raises(ValueError):
        catalogue_import.parse_duration(text)


def test_a_time_text_of_several_cases_keeps_the_ordinary_first_one():
    """The national database writes the cases of one procedure in one text: the first is the ordinary one."""
    assert catalogue_import.parse_duration("05 ngày làm việc; trường hợp phải xác minh: 10 ngày làm việc") == \
        (5.0, "working_day")


def test_import_names_the_time_field_of_a_range_and_writes_nothing(tthc, tmp_path):
    source = tmp_path / "r.json"
    source.write_text(json.dumps([record("9.000780", "3-5 ngày làm việc")], ensure_ascii=False), encoding="utf-8")
    done = tthc("procedure", "import", str(source), "--dir", str(tmp_path / "p"))
    assert done.exit_code == 1, done.output
    row = done.stdout.splitlines()[0].split("\t")
    assert row[2] == "refused" and row[3].startswith("time: ") and "3-5" in row[3]
    assert not (tmp_path / "p").exists()


# -- finding 5: pki token --------------------------------------------------------------------------------------
def tthc_process(*args: str, env: dict, typed: str | None = None) -> subprocess.CompletedProcess:
    """The real `tthc` (engine.cli.run) with no terminal: stdin /dev/null, or a pipe holding ``typed``."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", *args], cwd=ROOT, env=full,
                          stdin=subprocess.DEVNULL if typed is None else None, input=typed, capture_output=True,
                          text=True, timeout=120)


def refused_in_one_line(done: subprocess.CompletedProcess, *needles: str, exit_code: int = 1) -> str:
    assert done.returncode == exit_code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr and "PIN của thiết bị:" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def test_pki_token_checks_the_officer_and_the_module_before_asking_for_the_pin(tthc):
    """The PIN was asked first (Click's English "Aborted!" with no terminal), the officer checked after it."""
    tthc.with_agency()
    added = tthc("officer", "add", "kyso.a", "--agency", AGENCY, "--role", "head_of_agency", "--name", "Lê Ký Số",
                 "--password", "mat-khau-1")
    assert added.exit_code == 0, added.output
    refused_in_one_line(tthc_process("pki", "token", "nobody", "--token", "X", env=tthc.env), "nobody",
                        exit_code=2)  # a name that is no officer: a usage error, as before
    refused_in_one_line(tthc_process("pki", "token", "kyso.a", "--token", "X", "--module", "/khong/co.so",
                                     env=tthc.env), "/khong/co.so")
    line = refused_in_one_line(tthc_process("pki", "token", "kyso.a", "--token", "X", "--module", sys.executable,
                                            env=tthc.env), "PIN")
    assert line.startswith("lỗi: ")
    empty_line = refused_in_one_line(tthc_process("pki", "token", "kyso.a", "--token", "X", "--module",
                                                  sys.executable, env=tthc.env, typed="\n"), "PIN")
    assert empty_line == line


@pytest.mark.parametrize("text", ["- 05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
                                  "Trực tiếp: 05 ngày làm việc;\n- 03 ngày làm việc đối với hồ sơ trực tuyến"])
def test_a_time_text_listed_with_bullets_reads_its_first_duration(text):
    """A bullet opening a line of the national database's text is no minus sign: the first case is read."""
    assert catalogue_import.parse_duration(text) == (5.0, "working_day")
