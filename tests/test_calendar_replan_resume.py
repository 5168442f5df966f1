"""`tthc calendar set` re-plans the open dossiers page by page after the override is committed (D14, D15, D19):
a page made stale by an officer's commit is counted again, and a run interrupted half-way is finished by running
the same command again, so that no dossier keeps a deadline counted on the old calendar. Times are Vietnam time.

Dossiers A and B are received Mon 23/11/2026 09:00 and 09:05 (3 working days; Tue 24/11 is a day off): due Fri
27/11 09:00 and 09:05. At 10:00 Wed 25/11 is declared off: both are due Mon 30/11 (09:00 and 09:05).
"""
from __future__ import annotations

import importlib

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from conftest import iso
from engine.cases import replanning
from engine.cli import main
from engine.data.model import Dossier
from test_calendar_changes_running import at, received_at, shown

STORM = ["calendar", "set", "2026-11-25", "off", "--name", "Nghỉ bão"]


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch, clock):
    monkeypatch.setattr(importlib.import_module("engine.cli.calendar"), "clock", clock, raising=False)


def _two_received(api, clock) -> tuple[str, str]:
    a = received_at(api, clock, 2026, 11, 23, 9, 0)
    b = received_at(api, clock, 2026, 11, 23, 9, 5)
    assert (shown(api, a)["due_at"], shown(api, b)["due_at"]) == (iso(2026, 11, 27, 9, 0), iso(2026, 11, 27, 9, 5))
    at(api, clock, 2026, 11, 23, 10, 0)
    return a, b


def _crash_on(monkeypatch, code: str):
    """Re-plan one dossier a page, and stop (a power cut) when the run reaches ``code``; returns the real writer, to
    put back."""
    real_replan, real_write = replanning.replan, replanning.write
    monkeypatch.setattr(replanning, "replan", lambda *args, **kw: real_replan(*args, **{**kw, "page": 1}))

    def crash(session, settings_, dossier, steps, now, *rest):
        if dossier.code == code:
            raise RuntimeError("mất điện")
        return real_write(session, settings_, dossier, steps, now, *rest)

    monkeypatch.setattr(replanning, "write", crash)
    return real_write


def _env(settings) -> dict:
    return {"TTHC_DATA_DIR": str(settings.data_dir), "TTHC_DATABASE_URL": settings.database_url}


def test_a_page_made_stale_by_an_officer_commit_is_read_again_and_both_dossiers_move(api, app, settings, clock,
                                                                                     monkeypatch):
    """An officer commits on B after the page was read (its row's version changes): the page is counted again."""
    a, b = _two_received(api, clock)
    sessions, real, bumped = app.extensions["tthc"]["sessions"], replanning.calendar_code, []

    def officer_commits_on_b(dossier):
        if not bumped:
            bumped.append(dossier.code)
            with sessions.begin() as other:
                other.execute(update(Dossier).where(Dossier.code == b).values(version=Dossier.version + 1))
        return real(dossier)

    monkeypatch.setattr(replanning, "calendar_code", officer_commits_on_b)
    done = CliRunner().invoke(main, STORM, env=_env(settings))
    assert done.exit_code == 0, done.output
    assert bumped and "2 hồ sơ" in done.output
    assert shown(api, a)["due_at"] == iso(2026, 11, 30, 9, 0)
    assert shown(api, b)["due_at"] == iso(2026, 11, 30, 9, 5)


def test_an_interrupted_run_is_finished_by_the_same_command_again_without_moving_a_twice(api, app, settings, clock,
                                                                                         monkeypatch):
    """Pages of one dossier; the run crashes on B after A's page was committed. Running the command again moves
    B and leaves A (already on the new calendar) where it is; a third run moves nothing."""
    a, b = _two_received(api, clock)
    real_write = _crash_on(monkeypatch, b)
    first = CliRunner().invoke(main, STORM, env=_env(settings))
    assert first.exit_code != 0
    assert shown(api, a)["due_at"] == iso(2026, 11, 30, 9, 0)
    assert shown(api, b)["due_at"] == iso(2026, 11, 27, 9, 5)  # left on the old calendar by the crash
    monkeypatch.setattr(replanning, "write", real_write)
    again = CliRunner().invoke(main, STORM, env=_env(settings))
    assert again.exit_code == 0, again.output
    assert "1 hồ sơ" in again.output
    assert shown(api, a)["due_at"] == iso(2026, 11, 30, 9, 0)  # not moved a second day
    assert shown(api, b)["due_at"] == iso(2026, 11, 30, 9, 5)
    third = CliRunner().invoke(main, STORM, env=_env(settings))
    assert third.exit_code == 0 and "0 hồ sơ" in third.output, third.output
    assert (shown(api, a)["due_at"], shown(api, b)["due_at"]) == (iso(2026, 11, 30, 9, 0), iso(2026, 11, 30, 9, 5))


def test_a_clear_run_again_after_an_interruption_says_how_many_it_re_planned(api, app, settings, clock, monkeypatch):
    """The override was removed before the run stopped: run again, the command has nothing to remove but re-plans
    the dossier left behind, and says so (it said "nothing changed", the count line gone)."""
    a, b = _two_received(api, clock)
    assert CliRunner().invoke(main, STORM, env=_env(settings)).exit_code == 0
    real_write = _crash_on(monkeypatch, b)
    clear = ["calendar", "clear", "2026-11-25"]
    assert CliRunner().invoke(main, clear, env=_env(settings)).exit_code != 0
    assert shown(api, b)["due_at"] == iso(2026, 11, 30, 9, 5)  # left on the stormy calendar
    monkeypatch.setattr(replanning, "write", real_write)
    again = CliRunner().invoke(main, clear, env=_env(settings))
    assert again.exit_code == 0, again.output
    assert "không có ghi đè nào của ngày này" in again.output and "lịch không đổi" not in again.output
    assert "1 hồ sơ đang giải quyết được tính lại hạn" in again.output
    assert (shown(api, a)["due_at"], shown(api, b)["due_at"]) == (iso(2026, 11, 27, 9, 0), iso(2026, 11, 27, 9, 5))
