"""The officers' daily digest is shown once a day (D28), also when two workers write it at the same time on SQLite,
where the agency's row is not locked: the second worker read the officers' settings before the first committed,
and still writes no second digest. The interleaving is made by hand (no timing). Vietnam time."""
from __future__ import annotations

import sys

import pytest
from sqlalchemy import func, select

from conftest import CITIZEN, vn
from engine.cases import digests
from engine.data.model import User
from engine.data.notice_model import Notice

SPECIALIST = "demo.chuyenvien"


def _digests_of(sessions, username: str) -> int:
    with sessions() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
        return s.scalar(select(func.count()).select_from(Notice).where(Notice.event == "digest",
                                                                       Notice.user_id == uid))


@pytest.mark.parametrize("settings_rows", [True, False], ids=["settings_kept", "no_settings_yet"])
def test_a_second_worker_that_read_before_the_first_committed_writes_no_second_digest(api, app, settings,
                                                                                       monkeypatch, settings_rows):
    """A dossier received, its specialist's task due Fri 27/11/2026 09:00. Thu 26/11/2026 09:00: worker 1 reads
    the officers' settings (no digest today yet); worker 2 then writes and commits the day's digests; worker 1
    goes on with what it read: the specialist still has one digest of Thu 26/11."""
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as s:
        agency_id = s.scalar(select(User.agency_id).where(User.username == SPECIALIST))
    if settings_rows:  # the officers have chosen their settings already (as after any earlier digest)
        with sessions.begin() as s:
            for user in s.scalars(select(User)):
                digests.notices.choose(s, user)
    thursday = vn(2026, 11, 26, 9, 0)
    real, second, started = digests.notices.settings_of, [], []

    def second_worker_meanwhile(session, user_ids):
        read = real(session, user_ids)  # worker 1's view: nobody has today's digest
        if not started and sys._getframe(1).f_code is digests._agency_digest.__code__:  # its own read, not another
            started.append(True)
            second.append(digests._agency_digest(sessions, settings, agency_id, thursday))
        return read

    monkeypatch.setattr(digests.notices, "settings_of", second_worker_meanwhile)
    first = digests._agency_digest(sessions, settings, agency_id, thursday)
    assert _digests_of(sessions, SPECIALIST) == 1, (first, second)
    if sessions.kw["bind"].dialect.name == "sqlite":
        assert second[0] >= 1 and first == 0  # the second worker wrote them; the first one, none again
    monkeypatch.setattr(digests.notices, "settings_of", real)
    assert digests._agency_digest(sessions, settings, agency_id, vn(2026, 11, 26, 10, 0)) == 0  # once a day
