"""Accessible SVG charts: structure, text alternatives, contrast, scales, and escaping."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openblotter.report.charts import PALETTE, ChartRow, ChartSpec, chart_summary, figure, svg
from openblotter.report.i18n import Numbers, decimals_for
from openblotter.report.scales import make_scale, nice_step

SVG_NS = "{http://www.w3.org/2000/svg}"
Unit = Literal["ratio", "share", "points", "number"]
Style = Literal["dot", "bar"]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ratio_spec(**overrides: object) -> ChartSpec:
    rows = (
        ChartRow("Black", 1.6, 1.4, 1.8, 12_345, "Searches"),
        ChartRow("Hispanic", 1.33, 1.1, 1.6, 4_321, "Searches"),
        ChartRow("Black", 1.25, 0.98, 1.55, 12_345, "Arrests"),
        ChartRow("Hispanic", None, None, None, 12, "Arrests"),
    )
    fields: dict[str, object] = {
        "chart_id": "rates-rate-ratio",
        "title": "Rate ratio (compared with White)",
        "rows": rows,
        "unit": "ratio",
        "null": 1.0,
        "null_label": "Dashed line: 1, no difference from White.",
        "axis_label": "Rate ratio, on a logarithmic scale",
        "facet_heading": "Outcome",
        "n_heading": "Stops",
    }
    fields.update(overrides)
    return ChartSpec(**fields)  # type: ignore[arg-type]


def child(element: ET.Element, path: str) -> ET.Element:
    """The first element at ``path``, which must exist."""
    found = element.find(path)
    assert found is not None, path
    return found


def parse(markup: str) -> ET.Element:
    """Parse a figure as XML: it must be well formed (every value escaped, every tag closed)."""
    return ET.fromstring(markup)  # noqa: S314 - our own markup, not untrusted input


def test_palette__passes_wcag_aa_on_the_background() -> None:
    background = PALETTE["background"]
    assert contrast(PALETTE["ink"], background) >= 4.5  # text
    for mark in ("mark", "bar", "reference"):  # graphical objects that carry meaning
        assert contrast(PALETTE[mark], background) >= 3.0, mark
    assert contrast(PALETTE["ink"], PALETTE["bar"]) >= 3.0  # whiskers drawn over bars


def test_svg__is_an_image_with_a_title_and_description() -> None:
    root = parse(svg(ratio_spec()))
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") is None
    assert root.get("height") is None
    assert re.fullmatch(r"0 0 400 \d+", root.get("viewBox") or "")
    ids = (root.get("aria-labelledby") or "").split()
    found = {e.get("id"): (e.text or "") for e in root.iter() if e.get("id")}
    assert [found[i] for i in ids] == [
        "Rate ratio (compared with White)",
        chart_summary(ratio_spec()),
    ]


def test_svg__states_every_number_in_text_and_draws_the_no_difference_line() -> None:
    root = parse(svg(ratio_spec()))
    texts = [e.text for e in root.iter(f"{SVG_NS}text")]
    assert "Black: 1.60 (1.40 to 1.80)" in texts
    assert "Black: 1.25 (0.98 to 1.55)" in texts
    assert "Searches" in texts  # facet headings
    assert "Arrests" in texts
    assert not any(t and t.startswith("Hispanic: not") for t in texts)  # no value: not drawn
    dashed = [e for e in root.iter(f"{SVG_NS}line") if e.get("stroke-dasharray")]
    assert len(dashed) == 3  # one segment per drawn row
    assert len({e.get("x1") for e in dashed}) == 1  # all at the same x (ratio = 1)
    assert len(list(root.iter(f"{SVG_NS}circle"))) == 3


def test_svg__font_sizes_are_readable() -> None:
    root = parse(svg(ratio_spec()))
    sizes = [float(e.get("font-size") or 0) for e in root.iter(f"{SVG_NS}text")]
    assert min(sizes) >= 13


def test_svg__nothing_to_draw_gives_no_drawing() -> None:
    spec = ratio_spec(rows=(ChartRow("Black", None), ChartRow("White", -1.0)))
    assert str(svg(spec)) == ""
    assert "no estimate could be drawn" in chart_summary(spec)


def test_figure__has_the_summary_the_chart_and_a_table_with_every_row() -> None:
    root = parse(figure(ratio_spec()))
    assert root.tag == "figure"
    caption = root.find("figcaption")
    assert caption is not None
    assert caption.text == chart_summary(ratio_spec())
    assert root.find(f"{SVG_NS}svg") is not None
    table = root.find("div/table")
    assert table is not None
    assert table.find("caption") is not None
    heads = [(th.text, th.get("scope")) for th in table.iter("th") if th.get("scope") == "col"]
    assert heads == [
        ("Outcome", "col"),
        ("Group", "col"),
        ("Estimate", "col"),
        ("95% interval", "col"),
        ("Stops", "col"),
    ]
    rows = table.findall("tbody/tr")
    assert len(rows) == 4  # the row without a value is listed too
    assert [td.text for td in rows[3]] == ["Arrests", "Hispanic", "not estimated", "—", "12"]
    assert child(rows[0], "th").get("scope") == "row"
    region = child(root, "div")
    assert region.get("role") == "region"
    assert region.get("tabindex") == "0"


def test_figure__without_the_drawing_says_why() -> None:
    root = parse(figure(ratio_spec(), draw=False, note="Too many rows."))
    assert root.find(f"{SVG_NS}svg") is None
    assert (child(root, "figcaption").text or "").endswith("Too many rows.")


def test_chart_summary__ranges_and_intervals_that_exclude_the_null() -> None:
    assert chart_summary(ratio_spec()) == (
        "Rate ratio (compared with White): 3 estimates, from 1.25 for Black, Arrests to 1.60 "
        "for Black, Searches; 2 of 3 intervals exclude 1."
    )
    one = ratio_spec(rows=(ChartRow("Black", 0.8, 0.7, 0.9, 100),))
    assert chart_summary(one).endswith("0.80 for Black; its interval excludes 1.")


def test_shares__are_percentages_with_shared_decimals_and_bars() -> None:
    spec = ChartSpec(
        "hits",
        "Hit rate",
        (ChartRow("Black", 0.12, 0.10, 0.14, 1500), ChartRow("White", 0.075, 0.06, 0.09, 1800)),
        unit="share",
        style="bar",
    )
    root = parse(figure(spec))
    cells = [td.text for td in root.iter("td")]
    assert cells[:2] == ["12.0%", "10.0% to 14.0%"]
    assert cells[3:5] == ["7.5%", "6.0% to 9.0%"]
    ticks = [e.text for e in root.iter(f"{SVG_NS}text") if e.get("text-anchor")]
    assert ticks[0] == "0%"
    assert len(list(root.iter(f"{SVG_NS}rect"))) == 2


def test_labels_and_titles__are_escaped() -> None:
    spec = ratio_spec(
        title="<script>alert(1)</script>",
        rows=(ChartRow('<img src=x onerror="alert(1)">', 2.0, 1.5, 2.5, 10, "<b>&"),),
    )
    markup = str(figure(spec))
    assert "<script" not in markup
    assert "<img" not in markup
    assert "<b>" not in markup
    assert "&lt;script&gt;" in markup
    root = parse(markup)
    assert (child(root, "figcaption").text or "").startswith("<script>alert(1)</script>")


def test_nice_step_and_scales() -> None:
    assert nice_step(1.0) == pytest.approx(0.2)
    assert nice_step(830) == pytest.approx(200)
    linear = make_scale([0.07, 0.12], log=False, zero=True, span=(0.0, 100.0))
    assert linear.domain[0] == 0.0
    assert linear.domain[1] >= 0.12
    assert linear.position(-5) == 0.0  # clamped
    assert linear.position(99) == 100.0
    log = make_scale([0.5, 2.0], log=True, include=[1.0], span=(0.0, 100.0))
    assert log.position(1.0) == pytest.approx(50.0)
    assert log.position(0.5) == pytest.approx(100.0 - log.position(2.0))
    assert 1.0 in log.ticks


def test_numbers__are_formatted_for_the_locale() -> None:
    assert Numbers("en").count(12345) == "12,345"
    assert Numbers("es").count(12345) == "12.345"
    assert Numbers("en").percent(0.12) == "12%"
    assert Numbers("es").percent(0.12) == "12\N{NO-BREAK SPACE}%"
    assert Numbers("en").numbers(1.6, 1.4, 1.8) == ("1.6", "1.4", "1.8")
    assert Numbers("es").numbers(1.6) == ("1,6",)
    assert Numbers("en").number(-0.5, 1) == "\N{MINUS SIGN}0.5"
    assert Numbers().numbers(math.nan, None, math.inf) == ("not estimated",) * 3
    assert decimals_for([0.92, 0.85]) == 2


def test_numbers__unknown_locale_is_a_config_error() -> None:
    from openblotter.errors import ConfigError

    with pytest.raises(ConfigError):
        Numbers("xx_NOPE")


_floats = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-5, max_value=5),
    st.floats(min_value=1e-6, max_value=1e6),
)
_rows = st.builds(
    ChartRow,
    label=st.text(max_size=80),
    value=_floats,
    low=_floats,
    high=_floats,
    n=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**12)),
    facet=st.one_of(st.just(""), st.text(max_size=30)),
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(_rows, max_size=12),
    unit=st.sampled_from(["ratio", "share", "points", "number"]),
    style=st.sampled_from(["dot", "bar"]),
    null=st.one_of(st.none(), st.sampled_from([0.0, 1.0])),
    title=st.text(max_size=60),
    chart_id=st.text(max_size=20),
)
def test_figure__any_rows_render_as_well_formed_escaped_markup(
    rows: list[ChartRow], unit: Unit, style: Style, null: float | None, title: str, chart_id: str
) -> None:
    spec = ChartSpec(chart_id, title, tuple(rows), unit=unit, style=style, null=null)
    markup = str(figure(spec))
    # XML 1.0 cannot hold some control characters; everything else must parse
    if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", markup):
        root = parse(markup)
        assert len(root.findall("div/table/tbody/tr")) == len(rows)
    assert "<script" not in markup.lower()
