"""engine.process.specmigration through runtime.Process.migrate: a waiting timer keeps its armed due time when
its version moves, a changed waiting timer is a reason to refuse, and a refusal leaves the instance as it was."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from test_timer_clock import bpmn_with, duration, fired, reload, spec_json_of, start

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def test_a_waiting_timer_keeps_its_due_time_on_the_new_version():
    old = spec_json_of(bpmn_with(duration('"PT1H"')))
    new = spec_json_of(bpmn_with(duration('"PT1H"')).replace("Tiếp nhận hồ sơ".encode(), "Tiếp nhận".encode()))
    process = start(old, T0, "mig-old")
    assert process.next_timer_at() == T0 + timedelta(hours=1)
    tasks = process.ready_user_tasks()
    assert process.migrate(("mig-new", "mig-new"), new) == []
    assert process.next_timer_at() == T0 + timedelta(hours=1)  # not re-armed from now
    assert [(t.task_id, t.name) for t in process.ready_user_tasks()] == [(tasks[0].task_id, "Tiếp nhận")]
    process = reload(process, new, "mig-new")
    process.fire_timers(T0 + timedelta(minutes=61))
    assert fired(process)


def test_a_changed_waiting_timer_is_refused_and_nothing_changes():
    old = spec_json_of(bpmn_with(duration('"PT1H"')))
    new = spec_json_of(bpmn_with(duration('"PT2H"')))
    process = start(old, T0, "mig-old-2")
    before = process.dump()
    reasons = process.migrate(("mig-new-2", "mig-new-2"), new)
    assert reasons and "hẹn giờ" in reasons[0][1], reasons
    assert process.dump() == before
    process = reload(process, old, "mig-old-2")
    process.fire_timers(T0 + timedelta(minutes=61))
    assert fired(process)
