"""Timer events that read the engine's clock, plugged into SpiffWorkflow by its own extension points.

SpiffWorkflow 3.2's timer event definitions call ``datetime.now(timezone.utc)`` directly (notes: the timer
clock trap), so a command acting "at" an injected instant (tests, the simulator, a sweep that replays a due
time) would see the machine's clock instead. Rather than replacing the library module's ``datetime`` for the
whole process, we subclass the three timer definitions, override the methods that read the time, and hand
the subclasses to the library the way it is meant to be extended (they keep the library's class names, which
are also the event types ``waiting_events`` reports): a parser whose event parsers build them,
and serializer converters registered under the library's own type names, so a spec or a workflow state
stored before this module existed restores into these classes unchanged, and what we store reads the same.

The instant comes from a context variable set by ``runtime`` around each library call (``at``); outside one,
timers read the real clock, as the library would.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser, SpiffIntermediateCatchEventParser, SpiffStartEventParser)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("tthc_timer_now", default=None)
Timer = spiff_timer.TimerEventDefinition


def now() -> datetime:
    """The instant timers compare against: the injected one inside ``at``, else the real clock (UTC)."""
    injected = _NOW.get()
    return injected.astimezone(timezone.utc) if injected is not None else datetime.now(timezone.utc)


@contextmanager
def at(instant: datetime | None):
    """Run library calls with timers seeing ``instant`` (None: the real clock)."""
    token = _NOW.set(instant)
    try:
        yield
    finally:
        _NOW.reset(token)


def _fire_if_due(my_task, due: datetime) -> bool:
    if due < now():
        my_task._set_internal_data(event_fired=True)
    return my_task._get_internal_data("event_fired", False)


class TimeDateEventDefinition(spiff_timer.TimeDateEventDefinition):
    """A timer at a date-time, judged on the engine's clock."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        return _fire_if_due(my_task, Timer.parse_time_or_duration(event_value))


class DurationTimerEventDefinition(spiff_timer.DurationTimerEventDefinition):
    """A timer after a duration, counted from the engine's clock when the timer starts waiting."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            start = now()
            event_value = (start + Timer.get_timedelta_from_start(Timer.parse_iso_duration(expression), start)
                           ).isoformat()
            my_task._set_internal_data(event_value=event_value)
        return _fire_if_due(my_task, Timer.get_datetime(event_value))


def _recurring_interval(expression: str) -> tuple[int, datetime, timedelta]:
    """The library's ``parse_iso_recurring_interval``, with a bare interval counted from the engine's clock."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    if len(components) == 2 and components[1].startswith("P"):
        cycles = int(components[0]) if components[0] else -1
        start = now()
        duration = Timer.get_timedelta_from_start(Timer.parse_iso_duration(components[1]), start)
        return cycles, start + duration, duration
    return Timer.parse_iso_recurring_interval(expression)  # start or end given: no clock read


class CycleTimerEventDefinition(spiff_timer.CycleTimerEventDefinition):
    """A repeating timer whose cycles are judged on the engine's clock."""

    def cycle_complete(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = _recurring_interval(expression)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event < now():
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


CLASSES = {spiff_timer.TimeDateEventDefinition: TimeDateEventDefinition,
           spiff_timer.DurationTimerEventDefinition: DurationTimerEventDefinition,
           spiff_timer.CycleTimerEventDefinition: CycleTimerEventDefinition}


def _clocked(definition):
    cls = CLASSES.get(type(definition))
    if cls is None:
        return definition
    return cls(definition.name, definition.expression, description=definition.description)


class _TimerParsing:
    """Event parsers that build our timer definitions from what the library's parser reads."""

    def parse_timer_event(self, event):
        return _clocked(super().parse_timer_event(event))


class _StartEventParser(_TimerParsing, SpiffStartEventParser):
    pass


class _IntermediateCatchEventParser(_TimerParsing, SpiffIntermediateCatchEventParser):
    pass


class _BoundaryEventParser(_TimerParsing, SpiffBoundaryEventParser):
    pass


class Parser(SpiffBpmnParser):
    """SpiffWorkflow's parser (spiff dialect) whose timer events read the engine's clock."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): (_StartEventParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("startEvent")][1]),
        full_tag("intermediateCatchEvent"): (
            _IntermediateCatchEventParser,
            SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("intermediateCatchEvent")][1]),
        full_tag("boundaryEvent"): (_BoundaryEventParser,
                                    SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("boundaryEvent")][1]),
    }


def serializer_config(config: dict) -> dict:
    """``config`` plus converters for our timers under the library's type names, registered after the
    library's: restoring a stored timer (old or new) builds ours, and ours are written as the library's."""
    out = dict(config)
    for cls in CLASSES.values():
        out.pop(cls, None)
        out[cls] = TimerConditionalEventDefinitionConverter
    return out
