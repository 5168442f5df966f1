"""Verifying one dossier's audit trail (GET /api/v1/dossiers/{code}/audit, the admin page, `tthc audit verify
CODE`) reads the newest checkpoint's row and that dossier's own entry, whatever the number of dossiers: each entry
is signed on its own, so that rewriting it is still seen; the full verification still checks the whole digest;
and a checkpoint written before entries had their signature is checked the old way. Real SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import event, insert, select, update

from conftest import CITIZEN
from engine.data import audit, audit_checkpoints
from engine.data.model import AuditCheckpointEntry, AuditEvent, Dossier

RECEIVER, ADMIN = "demo.tiepnhan", "demo.admin"


def sessions(app):
    return app.extensions["tthc"]["sessions"]


def received(api) -> str:
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def copies(app, code: str, first: int, n: int) -> list[str]:
    """``n`` copies of dossier ``code`` (its row and its events, rehashed as the copy's chain), numbered from
    ``first``: many dossiers, each with a sound chain, at the cost of a few statements."""
    dossier_t, event_t = Dossier.__table__, AuditEvent.__table__
    made = []
    with sessions(app).begin() as session:
        row = session.execute(select(dossier_t).where(dossier_t.c.code == code)).mappings().one()
        events = session.execute(select(event_t).where(event_t.c.dossier_id == row["id"])
                                 .order_by(event_t.c.id)).mappings().all()
        for k in range(first, first + n):
            copy = {key: value for key, value in row.items() if key != "id"}
            copy.update(code=code[:-4] + f"{5000 + k}", next_timer_at=None)
            new_id = session.execute(insert(dossier_t).values(**copy)).inserted_primary_key[0]
            prev, chain = audit.GENESIS, []
            for e in events:
                values = {key: value for key, value in e.items() if key != "id"}
                values.update(dossier_id=new_id, prev_hash=prev)
                values["hash"] = prev = audit._digest(prev, values)
                chain.append(values)
            session.execute(insert(event_t), chain)
            session.execute(update(dossier_t).where(dossier_t.c.id == new_id).values(audit_head=prev,
                                                                                     audit_count=len(chain)))
            made.append(copy["code"])
    return made


def checkpoint(app, settings, clock) -> int:
    return audit_checkpoints.write_checkpoint(sessions(app), settings, clock.now())[0].id


def verify_one(app, settings, code: str) -> list[str]:
    with sessions(app)() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        return audit_checkpoints.verify_dossier(session, settings, dossier)[1]


def verify_all(app, settings, code: str | None = None) -> list[str]:
    said = []
    audit_checkpoints.verify(sessions(app), settings, said.append, code=code)
    return said


def reads(app, work) -> tuple[int, int]:
    """How many statements ``work`` runs, and the most rows any of its statements on the checkpoint entries
    returns (each one run again on its own connection)."""
    engine = app.extensions["tthc"]["engine"]
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as connection:
        rows = [len(connection.exec_driver_sql(statement, parameters).all()) for statement, parameters in seen
                if "audit_checkpoint_entry" in statement and statement.lstrip().upper().startswith("SELECT")]
    return len(seen), max(rows, default=0)


def entry_of(app, code: str):
    with sessions(app)() as session:
        return session.execute(select(AuditCheckpointEntry)
                               .join(Dossier, Dossier.id == AuditCheckpointEntry.dossier_id).where(Dossier.code == code)
                               .order_by(AuditCheckpointEntry.checkpoint_id.desc()).limit(1)).scalar_one()


def test_one_dossier_is_verified_reading_its_own_entry_whatever_the_number_of_dossiers(app, settings, api, clock):
    code = received(api)
    counts = []
    for first, n in ((1, 29), (30, 270)):  # 30 dossiers, then 300
        copies(app, code, first, n)
        checkpoint(app, settings, clock)
        one = reads(app, lambda: verify_one(app, settings, code))
        command = reads(app, lambda: verify_all(app, settings, code))
        counts.append((one[0], command[0]))
        assert one[1] == 1 and command[1] == 1  # no other dossier's entry
        assert entry_of(app, code).mac is not None
    assert counts[0] == counts[1]
    assert verify_one(app, settings, code) == [] and verify_all(app, settings, code) == []
    assert verify_all(app, settings) == []


def test_a_rewritten_entry_is_seen_by_the_check_of_its_dossier_and_any_by_the_full_one(app, settings, api, clock):
    code = received(api)
    other = copies(app, code, 1, 4)[2]
    cp = checkpoint(app, settings, clock)
    mine, theirs = entry_of(app, code), entry_of(app, other)
    with sessions(app).begin() as session:  # this dossier's entry moved to another head
        session.execute(update(AuditCheckpointEntry).where(AuditCheckpointEntry.dossier_id == mine.dossier_id)
                        .values(head="0" * 64))
    expected = f"{code}: dòng của hồ sơ trong điểm kiểm tra #{cp}"
    problems = verify_one(app, settings, code)
    assert len(problems) == 1 and problems[0].startswith(expected)
    said = verify_all(app, settings, code)  # `tthc audit verify CODE`
    assert len(said) == 1 and said[0].startswith(expected)
    assert api.get(f"/api/v1/dossiers/{code}/audit", ADMIN).get_json()["valid"] is False
    assert verify_all(app, settings)[0].startswith(f"điểm kiểm tra #{cp}: các dòng của điểm kiểm tra bị sửa")

    with sessions(app).begin() as session:  # put back; another dossier's entry changed instead
        session.execute(update(AuditCheckpointEntry).where(AuditCheckpointEntry.dossier_id == mine.dossier_id)
                        .values(head=mine.head))
        session.execute(update(AuditCheckpointEntry).where(AuditCheckpointEntry.dossier_id == theirs.dossier_id)
                        .values(events=AuditCheckpointEntry.events - 1))
    assert verify_one(app, settings, code) == [] and verify_all(app, settings, code) == []
    said = verify_all(app, settings)
    assert len(said) == 1 and said[0].startswith(f"điểm kiểm tra #{cp}: các dòng của điểm kiểm tra bị sửa")
    assert verify_one(app, settings, other)[0].startswith(f"{other}: dòng của hồ sơ trong điểm kiểm tra #{cp}")


def test_a_checkpoint_written_before_entries_were_signed_is_checked_by_its_whole_digest(app, settings, api, clock):
    code = received(api)
    other = copies(app, code, 1, 4)[0]
    cp = checkpoint(app, settings, clock)
    dossier_id, theirs = entry_of(app, code).dossier_id, entry_of(app, other).dossier_id
    with sessions(app).begin() as session:  # as migration 0036 leaves the entries of an older checkpoint
        session.execute(update(AuditCheckpointEntry).values(mac=None))
    assert verify_one(app, settings, code) == [] and verify_all(app, settings, code) == []
    assert verify_all(app, settings) == []
    assert reads(app, lambda: verify_one(app, settings, code))[1] == 5  # the old way: every entry

    with sessions(app).begin() as session:  # the last event cut, the head rolled back: the entry still tells
        last = session.scalar(select(AuditEvent).where(AuditEvent.dossier_id == dossier_id)
                              .order_by(AuditEvent.id.desc()).limit(1))
        session.delete(last)
        session.execute(update(Dossier).where(Dossier.id == dossier_id)
                        .values(audit_head=last.prev_hash, audit_count=Dossier.audit_count - 1))
    problems = verify_one(app, settings, code)
    assert len(problems) == 1 and f"điểm kiểm tra #{cp} lúc" in problems[0] and "(sự kiện cuối bị xóa)" in problems[0]

    with sessions(app).begin() as session:  # another entry changed: the whole digest no longer holds
        session.execute(update(AuditCheckpointEntry).where(AuditCheckpointEntry.dossier_id == theirs)
                        .values(head="0" * 64))
    said = verify_all(app, settings, code)
    assert said[0].startswith(f"điểm kiểm tra #{cp}: các dòng của điểm kiểm tra bị sửa")
    assert verify_all(app, settings)[0].startswith(f"điểm kiểm tra #{cp}: các dòng của điểm kiểm tra bị sửa")
