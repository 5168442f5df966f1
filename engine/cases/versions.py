"""Procedure versions as administrators see them (issue 13, item 5): the procedures of their agencies with their
current version, each procedure's versions with what changed and how many dossiers are still open on each,
a version's state (active, suspended, retired), and deploying an uploaded BPMN file with its forms.

A procedure's versions are administered by the administrators whose subtree holds the agency that publishes it
(engine.cases.administration). ``Procedure.latest_version_id`` names the procedure's *current* version: its
newest version not retired. Filing uses it while it is active (engine.process.procedures.filing_version);
retiring it makes the version before it current again, retiring every version takes the procedure out of the
catalogue. Open dossiers always continue on the version they were filed on. A liên thông hand-over (D33) opens its
sub-dossier on the callee's current version, suspended or not: the last version of a procedure that published
procedures hand over to is not retired.
"""
from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine.cases import administration, trialstart
from engine.cases.dossiers import Context
from engine.core import templating, vocabulary
from engine.core.errors import Conflict, DefinitionError, Forbidden, NotFound, Problem
from engine.data import agencies
from engine.data.model import OPEN_DOSSIER, Dossier, Procedure, ProcedureVersion
from engine.paperwork import resultlayouts
from engine.process import procedures, similarity, versiondiff

STATES = ("active", "suspended", "retired")
# action -> (states it may start from, state it leaves)
MOVES = {"suspend": (("active",), "suspended"), "resume": (("suspended",), "active"),
         "retire": (("active", "suspended"), "retired")}
# the actions as the versions page's buttons name them (a refusal is read next to them, in Vietnamese)
ACTION_WORDS = {"suspend": "tạm ngừng tiếp nhận", "resume": "tiếp nhận trở lại", "retire": "thôi áp dụng"}
PAGE = 50


def _scoped(session: Session, user):
    """Procedures whose publishing agency the administrator administers."""
    return select(Procedure).where(Procedure.agency_id.in_(administration.agency_ids(session, user)))


def procedure_page(session: Session, user, after: str | None = None, limit: int = PAGE
                   ) -> tuple[list[tuple[Procedure, ProcedureVersion | None]], str | None]:
    """One page of the procedures the administrator administers, by code, each with its current version
    (None when every version is retired); the code to continue after, when there are more."""
    query = (_scoped(session, user).add_columns(ProcedureVersion)
             .outerjoin(ProcedureVersion, ProcedureVersion.id == Procedure.latest_version_id)
             .order_by(Procedure.code).limit(limit + 1))
    if after:
        query = query.where(Procedure.code > after)
    rows = [(p, v) for p, v in session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0].code if more and rows else None)


def procedure_of(session: Session, user, code: str) -> Procedure:
    """The procedure ``code``; 404 when there is none, 403 when it is published outside the caller's subtree."""
    proc = session.scalar(select(Procedure).where(Procedure.code == code))
    if proc is None:
        raise NotFound(f"Không tìm thấy thủ tục {code}", code="procedure_not_found")
    administration.require(session, user, proc.agency)
    return proc


def open_counts(session: Session, version_ids: list[int]) -> dict[int, int]:
    """Open dossiers per version, counted from the partial index of open dossiers (no history is read)."""
    if not version_ids:
        return {}
    rows = session.execute(select(Dossier.procedure_version_id, func.count())
                           .where(Dossier.procedure_version_id.in_(version_ids), text(OPEN_DOSSIER))
                           .group_by(Dossier.procedure_version_id))
    return {vid: n for vid, n in rows}


def versions_of(session: Session, proc: Procedure) -> list[dict]:
    """Every version of ``proc``, newest first, with what changed from the one before and its open dossiers.
    A procedure has a handful of versions: their info and forms are read together."""
    rows = list(session.scalars(select(ProcedureVersion).where(ProcedureVersion.procedure_id == proc.id)
                                .order_by(ProcedureVersion.version)))
    counts = open_counts(session, [v.id for v in rows])
    result, previous = [], None
    for v in rows:
        result.append({"version": v.version, "deployed_at": v.deployed_at, "deployed_by": v.deployed_by,
                       "state": v.state, "current": v.id == proc.latest_version_id,
                       "changes": versiondiff.changes(previous.info if previous else None,
                                                      previous.forms if previous else None, v.info, v.forms),
                       "open_dossiers": counts.get(v.id, 0)})
        previous = v
    return result[::-1]


def version_of(session: Session, proc: Procedure, number: int) -> ProcedureVersion:
    version = session.scalar(select(ProcedureVersion).where(ProcedureVersion.procedure_id == proc.id,
                                                            ProcedureVersion.version == number))
    if version is None:
        raise NotFound(f"Thủ tục {proc.code} không có phiên bản {number}", code="version_not_found")
    return version


def change_state(session: Session, ctx: Context, code: str, number: int, action: str) -> ProcedureVersion:
    """Suspend, resume or retire a version (audited). Retiring the current version makes the newest version
    left current (none: the procedure leaves the catalogue)."""
    if action not in MOVES:
        raise NotFound("Không có thao tác này", code="no_such_action")
    proc = procedure_of(session, ctx.user, code)
    session.refresh(proc, with_for_update=True)  # two administrators at once: one after the other
    version = version_of(session, proc, number)
    sources, target = MOVES[action]
    if version.state not in sources:
        state = vocabulary.VERSION_STATES.get(version.state, version.state).lower()
        raise Conflict(f"Phiên bản {number} đang ở trạng thái “{state}”, không thể {ACTION_WORDS[action]}",
                       code="illegal_version_transition")
    if target == "retired":
        _refuse_stranding_callers(session, proc, version)
    before, version.state = version.state, target
    if target == "retired" and proc.latest_version_id == version.id:
        proc.latest_version_id = session.scalar(
            select(ProcedureVersion.id).where(ProcedureVersion.procedure_id == proc.id,
                                              ProcedureVersion.state != "retired")
            .order_by(ProcedureVersion.version.desc()).limit(1))
    session.flush()
    administration.audit(session, ctx.now, ctx.user, f"version_{action}", "procedure", f"{code} v{number}",
                         proc.agency, version=number, before=before, after=target)
    return version


def restore(session: Session, ctx: Context, code: str, number: int) -> ProcedureVersion:
    """Roll back to version ``number``: its stored file, forms and result layout deployed again, unchanged, as the
    procedure's next version, active and current (audited). The versions in between are left as they are (their
    open dossiers go on; an administrator retires them or moves their dossiers). Refused when the current
    version already has that content: there is nothing to roll back to."""
    proc = procedure_of(session, ctx.user, code)
    session.refresh(proc, with_for_update=True)  # two administrators at once: one after the other
    old = version_of(session, proc, number)
    current = session.get(ProcedureVersion, proc.latest_version_id) if proc.latest_version_id is not None else None
    if current is not None and current.content_hash == old.content_hash:
        raise Conflict(f"Phiên bản hiện hành ({current.version}) đã có đúng nội dung của phiên bản {number}; "
                       "không cần khôi phục", code="already_current")
    definition = procedures.Definition(file_name=old.file_name, process_id=old.process_id, bpmn_xml=old.bpmn_xml,
                                       spec_json=old.spec_json, forms=dict(old.forms), info=dict(old.info),
                                       content_hash=old.content_hash)
    ensure_deployable(session, ctx, definition)  # the agency the old file names: in the administrator's subtree
    version, _changed = procedures.deploy(session, definition, ctx.now, ctx.user.username)
    administration.audit(session, ctx.now, ctx.user, "version_restore", "procedure", f"{code} v{version.version}",
                         proc.agency, version=version.version, restored=number)
    return version


def handover_callers(session: Session, proc: Procedure) -> list[Procedure]:
    """D33: the other procedures whose current version hands dossiers over to ``proc`` (their sub-requests open
    on its current version, suspended or not: engine.cases.lienthong.hand_over)."""
    return [p for p in procedures.callers(session, proc.code) if p.id != proc.id]


def _named(procs: list[Procedure]) -> str:
    return "; ".join(f"{p.code} – {p.name}" for p in procs)


def _refuse_stranding_callers(session: Session, proc: Procedure, version: ProcedureVersion) -> None:
    """Retiring the last version not retired of a procedure that published procedures hand over to would leave
    their dossiers, filed and received, with nowhere to send their sub-request (D33; D1: they keep their own
    version): refused until those procedures are retired (or stop handing over to it) first."""
    left = session.scalar(select(func.count()).select_from(ProcedureVersion)
                          .where(ProcedureVersion.procedure_id == proc.id, ProcedureVersion.state != "retired",
                                 ProcedureVersion.id != version.id))
    callers = handover_callers(session, proc) if not left else []
    if callers:
        raise Conflict(f"Không thể thôi áp dụng phiên bản {version.version}, phiên bản cuối cùng còn áp dụng của thủ "
                       f"tục {proc.code}: thủ tục {_named(callers)} vẫn chuyển hồ sơ liên thông đến thủ tục này. "
                       "Hãy thôi áp dụng các thủ tục đó trước.", code="illegal_version_transition")


def state_warnings(session: Session, code: str, action: str) -> list[dict]:
    """What the answer to a version's suspension tells the administrator (the suspension is not refused): the
    procedures that hand over to this one, whose dossiers still open their sub-requests on it, since suspending
    stops only the applicants' new filings."""
    if action != "suspend":
        return []
    proc = session.scalar(select(Procedure).where(Procedure.code == code))
    callers = handover_callers(session, proc) if proc is not None else []
    if not callers:
        return []
    return [{"message": f"Thủ tục {_named(callers)} chuyển hồ sơ liên thông đến thủ tục {code}: việc tạm ngừng chỉ "
                        "dừng nộp hồ sơ mới trực tiếp; hồ sơ liên thông của các thủ tục đó vẫn được chuyển đến "
                        "phiên bản hiện hành.", "procedures": [p.code for p in callers]}]


def check_upload(ctx: Context, name: str, bpmn: bytes, uploaded: dict[str, bytes]) -> procedures.Definition:
    """The uploaded BPMN file and its forms, checked as `tthc validate` does; DefinitionError lists every
    problem with its file and line. Nothing is stored. XML entities are never expanded nor fetched
    (engine.process.bpmnparser.parse_xml); the request's size is bounded by max_request_bytes."""
    if not bpmn:
        raise DefinitionError([Problem(name or "upload.bpmn", None, "", "tệp BPMN rỗng")])
    settings = ctx.settings
    folder = procedures.procedure_folder(settings.processes_dir, name)
    form_data, problems = procedures.read_forms(settings.forms_dir, procedures.referenced_forms(bpmn), uploaded,
                                                folder=folder, source=(name, bpmn))
    if problems:
        raise DefinitionError(problems)
    definition = procedures.load_definition(bpmn, name, form_data, uploaded=uploaded, folder=folder)
    problems = trial_problems(definition, settings, ctx.now)
    if problems:
        raise DefinitionError(problems)
    return definition


def trial_problems(definition: procedures.Definition, settings, now) -> list[Problem]:
    """What the version would fail at every dossier, tried before it is deployed: its result layout on sample data,
    and its process started as a filing starts it (a script that never ends: engine.cases.trialstart)."""
    return template_problems(definition, settings, now) or trialstart.start_problems(
        definition, settings.script_time_limit, now)


def template_problems(definition: procedures.Definition, settings, now) -> list[Problem]:
    """The procedure's result layout tried on sample data (engine.paperwork.resultlayouts.trial): a layout that
    would fail at every dossier's result is refused at validate and deploy, with its line."""
    try:
        resultlayouts.trial(definition.info, definition.forms, now, settings.place_name, settings.public_url)
    except templating.TemplateProblem as exc:
        return [Problem(exc.name, exc.line, "result.template",
                        f"mẫu kết quả không hiển thị được với dữ liệu mẫu của biểu mẫu: {exc.message}")]
    return []


def upload_warnings(session: Session, ctx: Context, definition: procedures.Definition) -> list[Problem]:
    """What looks copied in an upload (engine.process.similarity): the library's files and the catalogue; and a
    result template the file names but nobody uploaded (the version would issue the engine's generic layout,
    as `tthc validate` and `tthc deploy` warn)."""
    found = similarity.warnings_for([definition], ctx.settings.processes_dir, session)
    missing = definition.info["result"].get("template_missing")
    if missing:
        found.append(Problem(definition.file_name, None, definition.process_id,
                             f"không có tệp mẫu kết quả {missing} (result.template): tải tệp này lên cùng tệp BPMN; "
                             "nếu không, kết quả sẽ dùng mẫu chung của hệ thống"))
    return found


def ensure_deployable(session: Session, ctx: Context, definition: procedures.Definition) -> None:
    """Forbidden unless the administrator may deploy the file: a new version of a procedure already published
    only by an administrator of its publishing agency (D29: the version replaces the procedure wherever it is
    offered, and the file's agency never changes its publisher, engine.process.procedures.deploy); and the
    agency the file names lies in their subtree (an agency the database does not know: only an administrator of
    the whole province gets the deploy's own problem line). The check of the upload page asks it too, so that
    it never says "deployable" to someone the deploy then refuses."""
    published = session.scalar(select(Procedure).where(Procedure.code == definition.code))
    if published is not None:
        administration.require(session, ctx.user, published.agency)
    agency = agencies.by_code(session, definition.info["agency"])
    if agency is not None:
        administration.require(session, ctx.user, agency)
    elif administration.scope(session, ctx.user) is not None:
        raise Forbidden("Cơ quan của quy trình không thuộc phạm vi quản trị của bạn.",
                        code="outside_your_agencies")


def deploy_upload(session: Session, ctx: Context, name: str, bpmn: bytes, uploaded: dict[str, bytes],
                  warnings: list[Problem] | None = None) -> tuple[ProcedureVersion, bool]:
    """Check and deploy an upload as the next version of its procedure (the API and the page both come here),
    audited. The publishing agency (the procedure's, for a new version; and the one the file names) must lie
    in the administrator's subtree (``ensure_deployable``); an agency the database does not know is refused:
    403 to an administrator of a subtree (nothing said of other agencies), else the deploy's problem line naming
    it (422, engine.process.procedures.agency_problems). ``warnings`` (a list) receives the upload's warnings,
    found before the deploy changes the catalogue."""
    definition = check_upload(ctx, name, bpmn, uploaded)
    if warnings is not None:
        warnings += upload_warnings(session, ctx, definition)
    ensure_deployable(session, ctx, definition)
    version, changed = procedures.deploy(session, definition, ctx.now, ctx.user.username)
    if changed:
        administration.audit(session, ctx.now, ctx.user, "version_deploy", "procedure",
                             f"{definition.code} v{version.version}", version.procedure.agency,
                             version=version.version, file=name[:200])
    return version, changed
