"""`tthc procedure new|import`: a procedure folder from the standard legal skeleton, or from the national
procedure database's records, checked as `tthc validate` checks them.
"""
from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import click

from engine.cases import preflight
from engine.cli.demo import AGENCIES, DEMO_AGENCY
from engine.core.errors import DefinitionError
from engine.core.vocabulary import has_control
from engine.process import catalogue_import, procedures, scaffold, similarity
from engine.process.forms import clean_text
from engine.process.lint import AGENCY_RE

_settings = preflight.command_settings


@click.group(help="Soạn thủ tục: tạo thư mục thủ tục từ khung pháp lý chuẩn, nhập từ CSDL quốc gia về TTHC.")
def procedure() -> None:
    pass


def _agency_name(code: str) -> str | None:
    return next((name.removesuffix(" (demo)") for c, name, *_ in AGENCIES if c == code), None)


@procedure.command("new", help="Tạo processes/NAME/ (BPMN có sơ đồ, biểu mẫu, mẫu kết quả, sample.json, README, "
                               "kịch bản) kiểm tra được ngay bằng tthc validate.")
@click.argument("name")
@click.option("--code", default=None, help="Mã TTHC quốc gia (ví dụ 1.001612); không có: mã tạm 0.xxxxxx.")
@click.option("--title", default=None, help="Tên thủ tục (tiếng Việt).")
@click.option("--agency", default=DEMO_AGENCY[0], show_default=True, help="Mã định danh cơ quan công bố.")
@click.option("--days", type=click.IntRange(1, 365), default=None, help="Thời hạn giải quyết, ngày làm việc "
                                                                        "(mặc định 5).")
@click.option("--same-day", is_flag=True, help="Giải quyết trong ngày (nhận sau 15 giờ: ngày làm việc kế tiếp).")
@click.option("--dir", "directory", default=None, help="Thư mục chứa các thủ tục (mặc định processes_dir).")
def new(name: str, code: str | None, title: str | None, agency: str, days: int | None, same_day: bool,
        directory: str | None) -> None:
    settings = _settings()
    base = Path(directory) if directory is not None else settings.processes_dir
    problem = scaffold.name_problem(name) or _dir_problem(directory)
    if problem is None and days is not None and same_day:
        problem = "chỉ dùng một trong --days và --same-day"
    if problem is None and code is not None and not catalogue_import.CODE_RE.match(code):
        problem = f"mã thủ tục {code!r} không hợp lệ (dạng 1.001612)"
    if problem is None and title is not None and clean_text(title, min_length=2, max_length=500) is None:
        problem = f"--title {title!r}: tên thủ tục 2–500 ký tự, không có ký tự điều khiển"  # it broke the XML
    if problem is None and not AGENCY_RE.match(agency):  # the folder failed `tthc validate` at once
        problem = f"--agency {agency!r}: mã định danh cơ quan không hợp lệ (ví dụ {DEMO_AGENCY[0]})"
    if problem is None and (base / name).exists():
        problem = f"{base / name}: thư mục đã có; chọn tên khác hoặc xóa thư mục cũ"
    if problem is None and _in_database(settings, lambda session: _agency_known(session, agency)) is False:
        problem = (f"--agency {agency!r}: cơ quan chưa có trong hệ thống (tthc validate sẽ từ chối thư mục); tạo cơ "
                   "quan trước (tthc agency add) hoặc chọn cơ quan khác")
    if problem is not None:
        click.echo(f"lỗi: {problem}", err=True)
        sys.exit(1)
    facts = scaffold.Facts(slug=name, code=code or scaffold.placeholder_code(name),
                           # NFC: a title typed decomposed is written, deployed and searched as one spelling
                           title=unicodedata.normalize("NFC", title or name.replace("-", " ").capitalize()).strip(),
                           agency=agency,
                           duration=None if same_day else (days or 5), unit="same_day" if same_day else "working_day",
                           agency_name=_agency_name(agency))
    facts.components = [("don_de_nghi", f"Đơn đề nghị ({facts.title})"),
                        ("giay_to_tuy_than", "Giấy tờ tùy thân của người đề nghị (nếu không khai thác được từ "
                                             "Cơ sở dữ liệu quốc gia về dân cư)")]
    taken = {k.process_id for k in similarity.known_files(base)}
    made = scaffold.files(facts, scaffold.process_id_for(name, taken))
    problems = _checked(made, base / name / f"{name}.bpmn")
    if problems:  # what the options above let through and `tthc validate` would refuse: nothing written
        for line in problems:
            click.echo(line, err=True)
        sys.exit(1)
    scaffold.write(base / name, made)
    for relative in sorted(made):
        click.echo(f"{base / name / relative}")
    click.echo(f"tạo xong {base / name}: tthc validate --simulate {base / name}")


def _dir_problem(directory: str | None) -> str | None:
    """--dir "" was taken for processes_dir: the folder was written into the current folder's processes/."""
    if directory is not None and not directory.strip():
        return "--dir: tên thư mục trống (bỏ --dir để dùng processes_dir)"
    return None


def _checked(made: dict[str, bytes], bpmn: Path) -> list[str]:
    """The problems of a folder about to be written (`file:line: element: message`), checked as `tthc validate`
    checks it: none for the skeleton; each option that would break it has its own message first."""
    forms = {k.removeprefix("forms/"): json.loads(v) for k, v in made.items() if k.startswith("forms/")}
    try:
        procedures.load_definition(made[bpmn.name], str(bpmn), forms, uploaded={"result.html": made["result.html"]})
    except DefinitionError as exc:
        return [str(p) for p in exc.problems]
    return []


def _in_database(settings, ask):
    """``ask(session)`` on the configured database, as `tthc validate` asks it of the agencies (D29); None when
    the database is not created yet (a designer's own folder) or cannot be reached: it cannot say, and the
    deploy checks again."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from engine.core.settings import SettingsError

    try:
        url = make_url(settings.resolved_database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
                and not Path(url.database).is_file():
            return None
        with preflight.command_sessions(settings)() as session:
            return ask(session)
    except (DBAPIError, SettingsError):
        return None


def _agency_known(session, code: str) -> bool:
    from sqlalchemy import select

    from engine.data.agency_model import Agency

    return session.scalar(select(Agency.id).where(Agency.code == code)) is not None


def _deployed(session) -> dict[str, tuple[int, str]]:
    """Each procedure of the catalogue: its current version and the file it was deployed from."""
    from sqlalchemy import select

    from engine.data.model import Procedure, ProcedureVersion

    rows = session.execute(select(Procedure.code, ProcedureVersion.version, ProcedureVersion.file_name)
                           .join(ProcedureVersion, ProcedureVersion.id == Procedure.latest_version_id))
    return {code: (version, file_name or "") for code, version, file_name in rows}


def _deployed_elsewhere(code: str, base: Path, version: int, file_name: str) -> catalogue_import.RowError:
    """A code of the catalogue whose file is not under ``base``: a new folder would be the blank skeleton, and
    --deploy (or a later deploy) made it the next version of the live procedure, its flow gone (D29). Refused,
    naming where its file is: the designer imports into the folder holding it (the command's --dir)."""
    where = Path(file_name)
    hint = (f"nhập với --dir {where.parent.parent}" if where.is_file()
            else f"đặt thư mục của nó vào {base} rồi nhập lại")
    return catalogue_import.RowError("code", f"mã thủ tục {code} đã triển khai (phiên bản {version}, tệp "
                                             f"{file_name or '-'}) nhưng {base} không có tệp BPMN của mã này; "
                                             f"{hint} (không tạo khung mới đè lên quy trình đang chạy)")


def _control_problem(facts) -> None:
    """A RowError naming the record's text that has a control character (an XML file cannot hold it: the row was
    refused with "XML không đúng cú pháp: invalid character in attribute value", naming neither)."""
    texts = [("name", "tên thủ tục", facts.title)]
    texts += [(f"components[{i}].name", "thành phần hồ sơ", name) for i, (_, name) in enumerate(facts.components)]
    texts += [(f"fees[{i}].name", "tên phí", fee.split(";", 2)[-1]) for i, (_, fee) in enumerate(facts.fees)]
    for field, what, text in texts:
        if has_control(text):
            raise catalogue_import.RowError(field, f"{what} {text!r} có ký tự điều khiển; xóa ký tự đó trong "
                                                   "tệp nguồn")


def _plan_new(settings, base: Path, facts, taken_ids: set[str], slugs: set[str]) -> tuple[Path, dict[str, bytes]]:
    """The files of a new folder for ``facts``, checked as `tthc validate` checks (RowError otherwise)."""
    if not facts.agency:
        raise catalogue_import.RowError("agency", "cần mã định danh cơ quan (ví dụ 000.00.06.H56) hoặc --agency")
    problem = scaffold.name_problem(facts.slug)
    if problem:
        raise catalogue_import.RowError("slug", problem)
    if (base / facts.slug).exists() or facts.slug in slugs:  # another procedure of the same name: add the code
        facts.slug = f"{facts.slug}-{facts.code.replace('.', '-')}"
        if (base / facts.slug).exists() or facts.slug in slugs:
            raise catalogue_import.RowError("slug", f"{base / facts.slug}: thư mục đã có")
    facts.agency_name = _agency_name(facts.agency)
    process_id = scaffold.process_id_for(facts.slug, taken_ids)
    made = scaffold.files(facts, process_id)
    forms = {k.removeprefix("forms/"): json.loads(v) for k, v in made.items() if k.startswith("forms/")}
    folder = base / facts.slug
    try:
        procedures.load_definition(made[f"{facts.slug}.bpmn"], str(folder / f"{facts.slug}.bpmn"), forms,
                                   uploaded={"result.html": made["result.html"]})
    except DefinitionError as exc:
        raise catalogue_import.RowError("procedure", str(exc.problems[0])) from exc
    taken_ids.add(process_id)
    slugs.add(facts.slug)
    return folder, made


def _plan_update(settings, path: Path, facts) -> tuple[bytes, str] | None:
    """The file with the record's catalogue facts, checked, and the agency it names (an update keeps the file's);
    None when nothing changes."""
    before = path.read_bytes()
    after = catalogue_import.update_bpmn(before, facts)
    if catalogue_import.catalogue_of(before) == catalogue_import.catalogue_of(after):
        return None
    forms, problems = procedures.read_forms(settings.forms_dir, procedures.referenced_forms(after), folder=path.parent,
                                            source=(str(path), after))
    try:
        if problems:
            raise DefinitionError(problems)
        definition = procedures.load_definition(after, str(path), forms, settings.forms_dir, folder=path.parent)
    except DefinitionError as exc:
        raise catalogue_import.RowError("procedure", str(exc.problems[0])) from exc
    return after, definition.info["agency"]


def _agency_check(settings):
    """For --deploy: a function refusing the row (RowError on ``agency``) whose agency the database lacks, asked
    one code at a time. The deploy refused such a file only after the folders had been written (D29)."""
    from sqlalchemy import select

    from engine.data.agency_model import Agency

    known: dict[str, bool] = {}

    def check(code: str) -> None:
        if code not in known:
            with preflight.command_sessions(settings)() as session:
                known[code] = session.scalar(select(Agency.id).where(Agency.code == code)) is not None
        if not known[code]:
            raise catalogue_import.RowError("agency", f"cơ quan {code!r} chưa có trong hệ thống; tạo cơ quan trước "
                                                      "(tthc agency add) rồi nhập lại")
    return check


@procedure.command("import", help="Nhập thủ tục từ tệp JSON hoặc XLSX theo dạng CSDL quốc gia về TTHC: tạo thư mục "
                                  "cho mã mới, cập nhật tên, thời hạn, phí, thành phần của thư mục đã có.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--agency", default=None, help="Mã định danh cơ quan cho các bản ghi chỉ ghi tên cơ quan.")
@click.option("--dir", "directory", default=None, help="Thư mục chứa các thủ tục (mặc định processes_dir).")
@click.option("--deploy", "deploy_after", is_flag=True, help="Triển khai các tệp đã ghi.")
def import_command(file: str, agency: str | None, directory: str | None, deploy_after: bool) -> None:
    settings = _settings()
    base = Path(directory) if directory is not None else settings.processes_dir
    problem = _dir_problem(directory)
    try:
        records = [] if problem else catalogue_import.read_records(Path(file).read_bytes(), file)
        if not problem and not records:  # "[]" or a sheet of headers only: exit 0 and not a word
            problem = f"{file}: tệp không có bản ghi thủ tục nào; không ghi tệp nào"
    except catalogue_import.FileError as exc:  # an XLSX's ("không đọc được tệp XLSX") named no file
        problem = str(exc) if str(exc).startswith(f"{file}: ") else f"{file}: {exc}"
    if problem:
        click.echo(f"lỗi: {problem}", err=True)
        sys.exit(1)
    library = similarity.known_files(base)
    existing: dict[str, Path] = {}
    for known in library:
        existing.setdefault(known.code, Path(known.path))
    taken_ids, slugs, codes = {k.process_id for k in library}, set(), set()
    deployed = _in_database(settings, _deployed) or {}  # a code of the catalogue is never made anew here
    plans, refused = [], 0
    agency_known = _agency_check(settings) if deploy_after else None
    for number, record in records:  # every row is checked before anything is written
        code = str(catalogue_import.pick(record, catalogue_import.KEYS["code"]) or "")
        try:
            facts = catalogue_import.facts_of(record, agency)
            _control_problem(facts)
            if facts.code in codes:
                raise catalogue_import.RowError("code", f"mã thủ tục {facts.code} lặp lại trong tệp")
            codes.add(facts.code)
            if facts.code in existing:
                path = existing[facts.code]
                planned = _plan_update(settings, path, facts)
                if planned is not None and agency_known:
                    agency_known(planned[1])
                plans.append((number, facts.code, "unchanged" if planned is None else "updated", path,
                              planned and planned[0]))
            elif facts.code in deployed:
                raise _deployed_elsewhere(facts.code, base, *deployed[facts.code])
            else:
                folder, made = _plan_new(settings, base, facts, taken_ids, slugs)
                if agency_known:
                    agency_known(facts.agency)
                plans.append((number, facts.code, "created", folder, made))
        except catalogue_import.RowError as exc:
            refused += 1
            plans.append((number, code, "refused", None, f"{exc.field}: {exc.message}"))
    not_written = {"created": "would-create", "updated": "would-update"} if refused else {}
    for number, code, status, target, what in plans:  # a refused row: the others are said not written
        click.echo(f"dòng {number}\t{code or '-'}\t{not_written.get(status, status)}\t"
                   f"{what if status == 'refused' else target}")
    if refused:
        click.echo(f"lỗi: {refused} dòng bị từ chối; không ghi tệp nào", err=True)
        sys.exit(1)
    written = []
    for _, _, status, target, what in plans:
        if status == "created":
            scaffold.write(target, what)
            written.append(target / f"{target.name}.bpmn")
        elif status == "updated":
            target.write_bytes(what)
            written.append(target)
    if deploy_after and written:
        from engine.cli.deploying import deploy_paths

        for code, version, changed in deploy_paths(settings, tuple(str(p) for p in written), "cli"):
            click.echo(f"{code}\tversion {version}\t{'changed' if changed else 'unchanged'}")
