"""Charts drawn on the server as SVG: data in, markup out (no JavaScript, nothing loaded from elsewhere).

Leaders would rather look than read, but a chart alone shuts out whoever cannot see it: each chart is an
``<svg role="img">`` named by its ``<title>`` and summarised by its ``<desc>``, and comes with the table of the
same numbers (``Chart.headers``/``Chart.rows``, formatted from the same values the bars are drawn from). The
SVG carries presentation attributes only (no script, no event attribute, no style element), so the pages'
Content-Security-Policy (engine/web/headers.py) has nothing to refuse. Numbers are written the page's way
(engine.web.numbers: "1.234,5" on a Vietnamese page, "1,234.5" on an English one). The words are the caller's
(the pages pass them translated; the counts with their noun, COUNTS, are ngettext's: "1 case", "2 cases"); the
defaults are the Vietnamese ones. No data, or only zeros, draws a message instead of bars: nothing divides by zero.

Colours reach at least 4.5:1 against the white background (WCAG 1.4.11 asks 3:1 of graphics): blue #1f4e79
(8.6:1), orange #a84300 (5.9:1), ink #1b1f24 for text, grey #5f6b76 (5.4:1) for axes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

from flask_babel import ngettext
from markupsafe import Markup

from engine.core.vocabulary import N_

from .numbers import number, percent

BLUE, ORANGE, INK, GREY, GRID = "#1f4e79", "#a84300", "#1b1f24", "#5f6b76", "#d0d5db"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, Arial, sans-serif"
WIDTH = 720
LABEL_CHARS = 34  # longer names are cut with "…" in the chart (the table and the tooltip keep them whole)
MAX_BARS = 15     # the slowest steps: the first fifteen

WORDS = {  # the defaults, Vietnamese (N_: the pages translate them)
    "empty": N_("Không có dữ liệu trong kỳ đã chọn."),
    "trend_title": N_("Hồ sơ tiếp nhận và đã giải quyết theo tháng"),
    "trend_desc": N_("Biểu đồ cột theo tháng, từ {first} đến {last}: tổng cộng {received_cases} và {resolved} "
                     "hồ sơ đã giải quyết; tháng tiếp nhận nhiều nhất là {peak} ({peak_cases})."),
    "month": N_("Tháng"),
    "received": N_("Tiếp nhận"),
    "resolved": N_("Đã giải quyết"),
    "count_axis": N_("Số hồ sơ"),
    "share_title": N_("Tỷ lệ hồ sơ giải quyết đúng hạn theo cơ quan"),
    "share_desc": N_("Biểu đồ thanh ngang, xếp từ cao xuống thấp: {best} cao nhất ({best_value}), {worst} thấp "
                     "nhất ({worst_value})."),
    "share_one_desc": N_("Biểu đồ thanh ngang: tỷ lệ giải quyết đúng hạn của {name} là {value}."),
    "agency": N_("Cơ quan"),
    "on_time": N_("Trước hạn và đúng hạn"),
    "counted": N_("Hồ sơ được tính"),
    "share": N_("Tỷ lệ đúng hạn"),
    "steps_title": N_("Các bước xử lý lâu nhất"),
    "steps_desc": N_("Biểu đồ thanh ngang: thời gian trung bình và dài nhất (giờ làm việc) của mỗi bước, xếp "
                     "từ lâu nhất; lâu nhất là {slowest} (trung bình {slowest_value} giờ)."),
    "step": N_("Bước"),
    "mean": N_("Trung bình (giờ làm việc)"),
    "max": N_("Dài nhất (giờ làm việc)"),
    "late_share": N_("Tỷ lệ trễ hạn"),
    "done": N_("Số lần thực hiện"),
    "late_label": N_("trễ {share}"),
    "hours_axis": N_("Giờ làm việc"),
}
# Counts with their noun, in the page's language: English says "1 case", "2 cases" (ngettext picks the form; a
# Vietnamese noun has one). Callables of the count; the caller's words may replace them.
COUNTS = {
    "received_cases": lambda n: ngettext("%(n)s hồ sơ tiếp nhận", "%(n)s hồ sơ tiếp nhận", n, n=number(n)),
    "peak_cases": lambda n: ngettext("%(n)s hồ sơ", "%(n)s hồ sơ", n, n=number(n)),
}


@dataclass(frozen=True)
class Chart:
    """One chart: its SVG and the table of the same numbers."""

    id: str
    title: str
    desc: str
    svg: Markup
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Month:
    label: str  # "03/2026"
    received: int
    resolved: int


@dataclass(frozen=True)
class Share:
    name: str
    on_time: int  # resolved early or on time
    counted: int  # the denominator (resolved, and pending already overdue, as the caller counts it)

    @property
    def share(self) -> float | None:
        return self.on_time / self.counted if self.counted else None


@dataclass(frozen=True)
class Step:
    name: str
    mean_hours: float | None
    max_hours: float | None
    late_share: float | None
    done: int


def _words(words: dict | None) -> dict:
    return {**WORDS, **COUNTS, **(words or {})}


def _cut(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1].rstrip() + "…"


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12, fill: str = INK,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    """The SVG element: named by its title, described by its desc, scaled to its container's width."""
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" id={quoteattr(chart_id)} class="chart" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family={quoteattr(FONT)}>'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _empty(chart_id: str, title: str, words: dict, headers: tuple[str, ...]) -> Chart:
    body = [f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="79" fill="#ffffff" stroke="{GRID}"/>',
            _text(WIDTH / 2, 45, words["empty"], anchor="middle", size=14, fill=GREY)]
    return Chart(chart_id, title, words["empty"], _svg(chart_id, title, words["empty"], 80, body), headers, [])


def nice_ticks(top: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round steps from 0 to at least ``top`` (1, 2 or 5 times a power of ten), for the value axis; ``whole``: of
    a count, whose steps are whole numbers (no line at 0.5 dossiers)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(step, 1.0)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def tick_decimals(ticks: Sequence[float]) -> int:
    """The decimals that tell the ticks apart (a step of 0.05 hours: 2), none for whole steps."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return 0 if step >= 1 and float(step).is_integer() else max(0, -math.floor(math.log10(step) + 1e-9))


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> list[str]:
    out = []
    for colour, label in items:
        out += [f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>',
                _text(x + 17, y, label)]
        x += 30 + 7.2 * len(label)
    return out


def monthly_trend(chart_id: str, months: Sequence[Month], words: dict | None = None) -> Chart:
    """Received and resolved per month, side by side (grouped columns)."""
    w = _words(words)
    headers = (w["month"], w["received"], w["resolved"])
    if not months or not any(m.received or m.resolved for m in months):
        return _empty(chart_id, w["trend_title"], w, headers)
    left, right, top, bottom = 64, 16, 34, 44
    height = 320
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    ticks = nice_ticks(max(max(m.received, m.resolved) for m in months), whole=True)
    scale = plot_h / ticks[-1]
    body = _legend(left, 16, ((BLUE, w["received"]), (ORANGE, w["resolved"])))
    for t in ticks:
        y = top + plot_h - t * scale
        body += [f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}"/>',
                 _text(left - 6, y + 4, number(t), anchor="end", size=11, fill=GREY)]
    body.append(_text(12, top + plot_h / 2, w["count_axis"], anchor="middle", size=11, fill=GREY)
                .replace("<text ", f'<text transform="rotate(-90 12 {top + plot_h / 2:.1f})" ', 1))
    slot = plot_w / len(months)
    bar = min(28.0, slot * 0.36)
    show_values = len(months) <= 13
    for i, m in enumerate(months):
        x0 = left + i * slot + slot / 2 - bar
        for j, (value, colour, label) in enumerate(((m.received, BLUE, w["received"]),
                                                     (m.resolved, ORANGE, w["resolved"]))):
            h = value * scale
            x = x0 + j * bar
            body.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                        f'fill="{colour}"><title>{escape(f"{m.label} – {label}: {number(value)}")}</title></rect>')
            if show_values:
                body.append(_text(x + bar / 2, top + plot_h - h - 4, number(value), anchor="middle", size=10))
        body.append(_text(left + i * slot + slot / 2, height - bottom + 18, m.label, anchor="middle", size=11))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}" stroke="{GREY}"/>')
    peak = max(months, key=lambda m: m.received)
    received = sum(m.received for m in months)
    desc = w["trend_desc"].format(first=months[0].label, last=months[-1].label, received=number(received),
                                  received_cases=w["received_cases"](received),
                                  resolved=number(sum(m.resolved for m in months)), peak=peak.label,
                                  peak_value=number(peak.received), peak_cases=w["peak_cases"](peak.received))
    rows = [(m.label, number(m.received), number(m.resolved)) for m in months]
    return Chart(chart_id, w["trend_title"], desc, _svg(chart_id, w["trend_title"], desc, height, body), headers, rows)


def _hbar_frame(labels: Sequence[str], row_h: float, top: float) -> tuple[float, float, float]:
    """(left edge of the bars, the bars' full width, the height) for horizontal bars under labels."""
    left = 16 + 7.2 * max(len(_cut(label)) for label in labels)  # ~7 units a character at 12 units high
    left = min(max(left, 120.0), 16 + 7.2 * LABEL_CHARS)
    return left, WIDTH - left - 130, top + row_h * len(labels) + 28


def on_time_by_agency(chart_id: str, shares: Sequence[Share], words: dict | None = None) -> Chart:
    """The share of dossiers handled on time per agency, highest first (agencies with nothing counted last)."""
    w = _words(words)
    headers = (w["agency"], w["on_time"], w["counted"], w["share"])
    ranked = sorted(shares, key=lambda s: (s.share is None, -(s.share or 0), s.name))
    if not any(s.counted for s in ranked):
        return _empty(chart_id, w["share_title"], w, headers)
    row_h, top = 30.0, 12.0
    left, full, height = _hbar_frame([s.name for s in ranked], row_h, top)
    body = []
    for t in (0, 0.25, 0.5, 0.75, 1):
        x = left + t * full
        body += [f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 24:.1f}" stroke="{GRID}"/>',
                 _text(x, height - 8, percent(t, 0), anchor="middle", size=11, fill=GREY)]
    for i, s in enumerate(ranked):
        y = top + i * row_h
        body.append(f'<g><title>{escape(s.name)}</title>'
                    + _text(left - 8, y + row_h / 2 + 4, _cut(s.name), anchor="end") + "</g>")
        if s.share is None:
            body.append(_text(left + 4, y + row_h / 2 + 4, "—", fill=GREY))
            continue
        bar = s.share * full
        body += [f'<rect x="{left:.1f}" y="{y + 5:.1f}" width="{bar:.1f}" height="{row_h - 10:.1f}" fill="{BLUE}"/>',
                 _text(left + bar + 6, y + row_h / 2 + 4, f"{percent(s.share)} ({number(s.on_time)}/"
                       f"{number(s.counted)})", size=11)]
    counted = [s for s in ranked if s.share is not None]
    if len(counted) == 1:  # one agency (a ward's leader sees his own): not both "highest" and "lowest"
        desc = w["share_one_desc"].format(name=counted[0].name, value=percent(counted[0].share))
    else:
        desc = w["share_desc"].format(best=counted[0].name, best_value=percent(counted[0].share),
                                      worst=counted[-1].name, worst_value=percent(counted[-1].share))
    rows = [(s.name, number(s.on_time), number(s.counted), percent(s.share)) for s in ranked]
    return Chart(chart_id, w["share_title"], desc, _svg(chart_id, w["share_title"], desc, height, body),
                 headers, rows)


def slowest_steps(chart_id: str, steps: Sequence[Step], words: dict | None = None) -> Chart:
    """Per step, the mean and the longest working hours (two bars) and the share that ran late (text), the
    slowest first (by mean), the first MAX_BARS."""
    w = _words(words)
    headers = (w["step"], w["mean"], w["max"], w["late_share"], w["done"])
    ranked = sorted((s for s in steps if s.done), key=lambda s: (-(s.mean_hours or 0), s.name))[:MAX_BARS]
    if not ranked:
        return _empty(chart_id, w["steps_title"], w, headers)
    row_h, top = 40.0, 34.0
    left, full, height = _hbar_frame([s.name for s in ranked], row_h, top)
    ticks = nice_ticks(max(max(s.mean_hours or 0, s.max_hours or 0) for s in ranked), 4)
    scale = full / ticks[-1]
    body = _legend(left, 16, ((BLUE, w["mean"]), (ORANGE, w["max"])))
    for t in ticks:
        x = left + t * scale
        body += [f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 24:.1f}" stroke="{GRID}"/>',
                 _text(x, height - 8, number(t, tick_decimals(ticks) if t else 0), anchor="middle", size=11, fill=GREY)]
    for i, s in enumerate(ranked):
        y = top + i * row_h
        body.append(f'<g><title>{escape(s.name)}</title>'
                    + _text(left - 8, y + row_h / 2 + 4, _cut(s.name), anchor="end") + "</g>")
        for j, (value, colour) in enumerate(((s.mean_hours, BLUE), (s.max_hours, ORANGE))):
            bar = (value or 0) * scale
            body.append(f'<rect x="{left:.1f}" y="{y + 4 + j * 16:.1f}" width="{bar:.1f}" height="14" '
                        f'fill="{colour}"/>')
            body.append(_text(left + bar + 5, y + 15 + j * 16, number(value, 1), size=10))
        if s.late_share:
            body.append(_text(WIDTH - 6, y + row_h / 2 + 4, w["late_label"].format(share=percent(s.late_share)),
                              anchor="end", size=11, fill=ORANGE, weight="bold"))
    desc = w["steps_desc"].format(slowest=ranked[0].name, slowest_value=number(ranked[0].mean_hours, 1))
    rows = [(s.name, number(s.mean_hours, 1), number(s.max_hours, 1), percent(s.late_share),
             number(s.done)) for s in ranked]
    return Chart(chart_id, w["steps_title"], desc, _svg(chart_id, w["steps_title"], desc, height, body),
                 headers, rows)
