"""Charts drawn on the server (engine/web/charts.py): well-formed SVG named and described for screen readers,
the numbers in Vietnamese format in both the chart and its table, bars in proportion, nothing the pages' CSP
refuses, and a message (not a division by zero) when there is nothing to draw."""
from __future__ import annotations

import pytest
from lxml import etree

from engine.core.vocabulary import vn_number, vn_percent
from engine.web import charts
from engine.web.headers import PAGE_POLICY

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: charts.Chart):
    return etree.fromstring(str(chart.svg).encode())


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def bars(root, colour: str | None = None) -> list[etree._Element]:
    return [r for r in root.iter(f"{SVG}rect") if colour is None or r.get("fill") == colour]


def assert_accessible(chart: charts.Chart) -> None:
    root = parse(chart)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == chart.title and desc.text == chart.desc and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # nothing for the CSP to refuse: no script, no event handler, no style element, no link out
    assert "script-src 'self'" in PAGE_POLICY
    for element in root.iter():
        assert etree.QName(element).localname not in ("script", "style", "foreignObject", "a", "image")
        assert not [name for name in element.attrib if name.lower().startswith("on") or "href" in name]


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (0, 0, "0"), (1234, 0, "1.234"), (1234567.25, 1, "1.234.567,3"), (12.5, 1, "12,5"), (-1500, 0, "-1.500"),
    (None, 0, "—"), (-0.01, 1, "0,0")])
def test_numbers_are_written_the_vietnamese_way(value, decimals, text):
    assert vn_number(value, decimals) == text


def test_shares_are_percentages_with_a_decimal_comma():
    assert vn_percent(0.875) == "87,5%" and vn_percent(1) == "100,0%" and vn_percent(None) == "—"
    assert vn_percent(0.5, 0) == "50%"


def test_the_monthly_trend_draws_both_series_in_proportion_with_its_table():
    months = [charts.Month("01/2026", 120, 100), charts.Month("02/2026", 1500, 90), charts.Month("03/2026", 0, 750)]
    chart = charts.monthly_trend("trend", months)
    assert_accessible(chart)
    root = parse(chart)
    received, resolved = bars(root, charts.BLUE), bars(root, charts.ORANGE)
    legend = 1  # one square of each colour in the legend
    assert len(received) == len(resolved) == 3 + legend
    heights = [float(r.get("height")) for r in received[legend:]]
    assert heights[2] == 0 and heights[0] / heights[1] == pytest.approx(120 / 1500, rel=1e-2)
    words = texts(root)
    assert {"01/2026", "02/2026", "03/2026", "1.500", "750", "Tiếp nhận", "Đã giải quyết"} <= set(words)
    assert chart.rows == [("01/2026", "120", "100"), ("02/2026", "1.500", "90"), ("03/2026", "0", "750")]
    assert chart.headers == ("Tháng", "Tiếp nhận", "Đã giải quyết")
    assert "1.620 hồ sơ tiếp nhận" in chart.desc and "02/2026 (1.500 hồ sơ)" in chart.desc
    tooltips = [t.text for t in root.iter(f"{SVG}title")][1:]
    assert "02/2026 – Tiếp nhận: 1.500" in tooltips


def test_on_time_share_per_agency_is_sorted_highest_first_and_an_agency_without_dossiers_last():
    shares = [charts.Share("UBND phường Thuận Hóa", 5, 10), charts.Share("Sở Tư pháp", 0, 0),
              charts.Share("Sở Kế hoạch và Đầu tư tỉnh Thừa Thiên Huế, Trung tâm Phục vụ hành chính công", 90, 100),
              charts.Share("Công an tỉnh", 7, 7)]
    chart = charts.on_time_by_agency("share", shares)
    assert_accessible(chart)
    assert [r[0] for r in chart.rows] == ["Công an tỉnh", shares[2].name, "UBND phường Thuận Hóa", "Sở Tư pháp"]
    assert [r[3] for r in chart.rows] == ["100,0%", "90,0%", "50,0%", "—"]
    root = parse(chart)
    widths = [float(r.get("width")) for r in bars(root, charts.BLUE)]
    assert len(widths) == 3 and widths[0] / widths[2] == pytest.approx(2.0)
    words = texts(root)
    assert "90,0% (90/100)" in words and "—" in words
    long_label = next(w for w in words if w.startswith("Sở Kế hoạch"))
    assert long_label.endswith("…") and len(long_label) == charts.LABEL_CHARS  # cut in the chart ...
    assert shares[2].name in [t.text for t in root.iter(f"{SVG}title")]   # ... whole in its tooltip and table
    assert "Công an tỉnh cao nhất (100,0%)" in chart.desc and "UBND phường Thuận Hóa thấp nhất (50,0%)" in chart.desc


def test_the_share_of_a_single_agency_is_not_called_both_highest_and_lowest():
    """A ward's leader sees one agency, his own: the summary said "X cao nhất (60,0%), X thấp nhất (60,0%)"."""
    chart = charts.on_time_by_agency("share", [charts.Share("UBND phường Thuận Hóa", 3, 5),
                                               charts.Share("Sở Tư pháp", 0, 0)])
    assert chart.desc == "Biểu đồ thanh ngang: tỷ lệ giải quyết đúng hạn của UBND phường Thuận Hóa là 60,0%."


def test_the_slowest_steps_first_with_their_late_share():
    steps = [charts.Step("Tiếp nhận", 0.5, 1.0, None, 40), charts.Step("Thẩm định", 18.25, 40.0, 0.125, 8),
             charts.Step("Phê duyệt", 4.0, 6.5, 0.5, 8), charts.Step("Chưa làm", None, None, None, 0)]
    chart = charts.slowest_steps("steps", steps)
    assert_accessible(chart)
    assert [r[0] for r in chart.rows] == ["Thẩm định", "Phê duyệt", "Tiếp nhận"]  # a step never done is left out
    assert chart.rows[0] == ("Thẩm định", "18,3", "40,0", "12,5%", "8")
    words = texts(parse(chart))
    assert "trễ 12,5%" in words and "trễ 50,0%" in words and "18,3" in words
    assert "Thẩm định (trung bình 18,3 giờ)" in chart.desc


def test_more_steps_than_fit_keep_the_slowest():
    steps = [charts.Step(f"Bước {n}", float(n), float(n), 0.0, 1) for n in range(1, 31)]
    chart = charts.slowest_steps("steps", steps)
    assert len(chart.rows) == charts.MAX_BARS and chart.rows[0][0] == "Bước 30"


@pytest.mark.parametrize("draw", [
    lambda: charts.monthly_trend("c", []),
    lambda: charts.monthly_trend("c", [charts.Month("01/2026", 0, 0)]),
    lambda: charts.on_time_by_agency("c", []),
    lambda: charts.on_time_by_agency("c", [charts.Share("Sở Tư pháp", 0, 0)]),
    lambda: charts.slowest_steps("c", []),
    lambda: charts.slowest_steps("c", [charts.Step("Thẩm định", 0.0, 0.0, None, 3)]),
])
def test_nothing_to_draw_says_so(draw):
    chart = draw()
    assert_accessible(chart)
    if chart.rows:  # a step done in no time at all: drawn with zero-width bars, no division by zero
        assert chart.rows[0][1] == "0,0"
    else:
        assert chart.empty and "Không có dữ liệu trong kỳ đã chọn." in texts(parse(chart))


def test_the_words_can_be_the_pages_language():
    words = {"trend_title": "Received and resolved per month", "received": "Received", "resolved": "Resolved",
             "month": "Month", "trend_desc": "From {first} to {last}: {received} received, {resolved} resolved; "
                                              "peak {peak} ({peak_value})."}
    chart = charts.monthly_trend("t", [charts.Month("01/2026", 3, 2)], words)
    assert chart.title == "Received and resolved per month" and chart.headers == ("Month", "Received", "Resolved")
    assert chart.desc == "From 01/2026 to 01/2026: 3 received, 2 resolved; peak 01/2026 (3)."


def test_text_is_escaped():
    chart = charts.on_time_by_agency("s", [charts.Share("<script>alert(1)</script> & Co", 1, 2)])
    assert "<script>" not in str(chart.svg) and "&lt;script&gt;" in str(chart.svg)
    assert_accessible(chart)


@pytest.mark.parametrize(("top", "ticks"), [(1500, [0, 500, 1000, 1500]), (3, [0, 1, 2, 3]), (0, [0, 1]),
                                            (7, [0, 2, 4, 6, 8]), (0.4, [0, 0.1, 0.2, 0.3, 0.4])])
def test_axis_ticks_are_round(top, ticks):
    assert charts.nice_ticks(top) == pytest.approx(ticks)


def test_the_pages_write_numbers_the_way_their_language_does(app):
    """English pages wrote "1.234,5" and "87,5%", a Vietnamese page's numbers (engine.web.numbers)."""
    from flask import session

    from engine.web.numbers import filesize, money, number, percent

    assert number(1234.5, 1) == "1.234,5" and percent(0.875) == "87,5%"  # no request: the Vietnamese way
    with app.test_request_context():
        assert number(1234.5, 1) == "1.234,5" and number(1234567) == "1.234.567"
    with app.test_request_context():
        session["lang"] = "en"
        assert number(1234.5, 1) == "1,234.5" and number(1234567) == "1,234,567" and number(None) == "—"
        assert percent(0.875) == "87.5%" and number(-0.01, 1) == "0.0"
        assert money(1500000) == "1,500,000 đ" and filesize(1572864) == "1.5 MB"
    with app.test_request_context():
        assert money(1500000) == "1.500.000 đ" and filesize(1572864) == "1,5 MB" and filesize(10) == "1 KB"


def test_a_small_count_is_drawn_on_whole_lines_each_labelled_with_its_own_value():
    """2 received, 1 resolved: lines at 0, 0.5, 1, 1.5, 2 were labelled 0, 1, 1, 2, 2 (found by a review)."""
    chart = charts.monthly_trend("trend", [charts.Month("12/2026", 2, 1)])
    labels = [t.text for t in parse(chart).iter(f"{SVG}text") if t.get("fill") == charts.GREY
              and t.get("text-anchor") == "end"]
    assert labels == ["0", "1", "2"], labels


def test_a_step_axis_under_an_hour_tells_its_lines_apart():
    chart = charts.slowest_steps("steps", [charts.Step("Tiếp nhận", 0.1, 0.2, None, 3)])
    labels = [t.text for t in parse(chart).iter(f"{SVG}text") if t.get("fill") == charts.GREY
              and t.get("text-anchor") == "middle" and t.text and t.text[0].isdigit()]
    assert labels == ["0", "0,05", "0,10", "0,15", "0,20"], labels
    assert len(set(labels)) == len(labels)
