"""Where time goes, kept when each step completes (issue 15 item 3): the working minutes and the lateness stored
on the hand-over give the same report as the trail recomputed with the working calendar (events written before
migration 0016 hold NULL and are recomputed), alone or mixed; the stored values stay outside the events' hash.
March 2027 of tests/test_statistics.py, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update

from engine.data import audit
from engine.data.model import AuditEvent, Dossier
from engine.law import lateness
from engine.reports.scope import Scope
from engine.reports.steptimes import step_times
from test_statistics import database_url, march, pki_2027, settings  # noqa: F401  (fixtures)

MONTH = Scope(date(2027, 3, 1), date(2027, 3, 31))
NOW = datetime(2027, 4, 1, 8, 0)


def report(app, settings):
    with app.extensions["tthc"]["sessions"].begin() as session:
        return step_times(session, settings, MONTH, NOW)


def forget(app, where=True) -> int:
    """Turn kept events back into events written before the migration."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        return session.execute(update(AuditEvent).where(AuditEvent.working_minutes.is_not(None), where)
                               .values(working_minutes=None, late=None)).rowcount


def test_kept_and_recomputed_step_times_agree(march, app, settings):
    kept = report(app, settings)
    with app.extensions["tthc"]["sessions"].begin() as session:
        rows = session.execute(select(AuditEvent.working_minutes, AuditEvent.late, AuditEvent.due_at, AuditEvent.at)
                               .where(AuditEvent.working_minutes.is_not(None))).all()
        assert rows and all(late == lateness.done_late(due, at) for _m, late, due, at in rows)
        assert any(late for *_x, late, _d, _a in rows) and any(m > 0 for m, *_x in rows)
        # Every completed step of the month kept its values: the report reads no trail.
        assert not session.scalar(select(func.count()).where(
            AuditEvent.work_item_id.is_not(None), AuditEvent.action.in_(audit.HANDOVER_ACTIONS),
            AuditEvent.working_minutes.is_(None), AuditEvent.at >= MONTH.window[0]))
        odd = session.scalars(select(AuditEvent.dossier_id).where(AuditEvent.working_minutes.is_not(None))
                              .order_by(AuditEvent.dossier_id).distinct()).all()[::2]
    assert forget(app, AuditEvent.dossier_id.in_(odd)) > 0  # some dossiers kept, some recomputed
    assert report(app, settings) == kept
    assert forget(app) > 0  # all recomputed: the data of before the migration
    assert report(app, settings) == kept
    assert sum(s.count for s in kept) == len(rows) and any(s.late for s in kept)


def test_the_kept_values_stay_outside_the_hash(march, app):
    with app.extensions["tthc"]["sessions"].begin() as session:
        dossier = session.scalars(select(Dossier).order_by(Dossier.id.desc())).first()
        session.execute(update(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                        .values(working_minutes=None, late=None))
        session.expire_all()
        assert audit.verify_chain(audit.history(session, dossier.id), dossier.audit_head)
