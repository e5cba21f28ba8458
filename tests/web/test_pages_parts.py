"""The pieces behind the pages: aggregate tallies, filters, drawings, Markdown and words."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openblotter.web.i18n import language
from openblotter.web.pages.drawing import Mark, bars, dot_map, tile_grid
from openblotter.web.pages.filters import FilterError, Options, parse_filters
from openblotter.web.pages.methods import render_markdown
from openblotter.web.pages.tally import DIMENSIONS, Selection, answerable, tally
from openblotter.web.pages.words import code_label, count_text, month_label

if TYPE_CHECKING:
    from pathlib import Path

ALL_DIMS = frozenset(DIMENSIONS)


def _aggregates(path: Path) -> Path:
    """A tiny aggregate table: race by month and by geography, one month withheld."""
    rows = [
        # race, age_band, sex, geography, month, count, suppressed
        ("all", "all", "all", "all", "all", 100, False),
        ("black", "all", "all", "all", "all", 40, False),
        ("white", "all", "all", "all", "all", 60, False),
        ("black", "all", "all", "all", "2025-01", 25, False),
        ("black", "all", "all", "all", "2025-02", None, True),
        ("black", "all", "all", "all", "2025-03", 12, False),
        ("white", "all", "all", "all", "2025-01", 30, False),
        ("white", "all", "all", "all", "2025-02", 30, False),
        ("all", "all", "all", "all", "2025-01", 55, False),
        ("all", "all", "all", "all", "2025-02", 33, False),
        ("all", "all", "all", "all", "2025-03", 12, False),
        ("black", "all", "all", "A'; DROP TABLE x; --", "all", 40, False),
        ("all", "all", "all", "A'; DROP TABLE x; --", "all", 100, False),
    ]
    frame = pl.DataFrame(
        rows,
        schema=["race", "age_band", "sex", "geography", "month", "count", "suppressed"],
        orient="row",
    )
    target = path / "stops.parquet"
    frame.write_parquet(target)
    return target


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(), True),
        (Selection(by="month"), True),
        (Selection(by="race", month_from="2025-01"), True),
        (Selection(by="geography", group="black"), True),
        (Selection(by="sex", geography="A"), False),
        (Selection(by="sex", group="black"), True),
        (Selection(by="race", geography="A", month_to="2025-02"), False),
        (Selection(by="month", geography="A"), False),
        (Selection(by="sex", group="black", geography="A"), False),
    ],
)
def test_answerable__one_published_table_at_most_two_dimensions_one_of_them_race(
    selection: Selection, expected: bool
) -> None:
    assert answerable(selection, ALL_DIMS) is expected


def test_answerable__needs_the_dimensions_the_file_has() -> None:
    assert not answerable(Selection(by="geography"), frozenset({"race", "month"}))


def test_tally__sums_months_and_never_fills_in_a_withheld_cell(tmp_path: Path) -> None:
    path = _aggregates(tmp_path)
    result = tally(path, "aggregates/stops.parquet", Selection(month_from="2025-01"), ALL_DIMS)
    rows = {r.value: r for r in result.rows}
    assert (rows["black"].count, rows["black"].withheld, rows["black"].exact) == (37, 1, False)
    assert (rows["white"].count, rows["white"].exact) == (60, True)
    assert result.total is not None
    assert result.total.count == 100
    assert result.total.exact
    assert result.params == {"file": "aggregates/stops.parquet", "month_from": "2025-01"}
    only_withheld = tally(
        path,
        "aggregates/stops.parquet",
        Selection(month_from="2025-02", month_to="2025-02", group="black"),
        ALL_DIMS,
    )
    assert [(r.value, r.count, r.withheld) for r in only_withheld.rows] == [("black", None, 1)]


def test_tally__values_are_bound_parameters_never_sql(tmp_path: Path) -> None:
    path = _aggregates(tmp_path)
    place = "A'; DROP TABLE x; --"
    result = tally(path, "aggregates/stops.parquet", Selection(geography=place), ALL_DIMS)
    assert place not in result.query
    assert "$geography" in result.query
    assert result.params["geography"] == place
    assert [(r.value, r.count) for r in result.rows] == [("black", 40)]
    with pytest.raises(ValueError, match="not a dimension"):
        tally(path, "x", Selection(by="subject_race"), ALL_DIMS)


def test_filters__checked_values_and_dates() -> None:
    options = Options(
        months=("2024-01", "2024-02"), places=("A",), groups=("black",), dimensions=DIMENSIONS
    )
    filters = parse_filters({"from": ["2024-02"], "to": ["2024-02"], "group": ["black"]}, options)
    assert (filters.date_from, filters.date_to) == ("2024-02-01", "2024-02-29")
    assert filters.selection == Selection(
        by="race", month_from="2024-02", month_to="2024-02", group="black"
    )
    assert filters.query(page=3) == {
        "from": "2024-02",
        "to": "2024-02",
        "group": "black",
        "page": "3",
    }
    assert parse_filters({"geography": [""]}, options).geography is None
    with pytest.raises(FilterError, match="not a value of 'geography'"):
        parse_filters({"geography": ["B"]}, options)


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_filters__any_text_is_checked_and_refused_or_accepted_never_crashes(text: str) -> None:
    options = Options(months=(), places=("A",), groups=("black",), dimensions=("race",))
    for name in ("from", "to", "geography", "group", "by", "page", "size"):
        message = ""
        try:
            parse_filters({name: [text]}, options)
        except FilterError as exc:
            message = str(exc)
        assert len(message) < 200


HOSTILE = st.text(min_size=1, max_size=60)


@given(HOSTILE, st.integers(min_value=0, max_value=10**7) | st.none())
@settings(max_examples=150, deadline=None)
def test_drawings__labels_are_escaped_and_every_drawing_is_well_formed_svg(
    label: str, count: int | None
) -> None:
    marks = [
        Mark(label=label, count=count, text=str(count), key="1", lat=41.0, lng=-72.0),
        Mark(label="<script>alert(1)</script>", count=5, text="5", key="2", lat=41.1, lng=-72.2),
    ]
    for draw in (bars, dot_map, tile_grid):
        svg = str(draw("c1", f"title {label}", "summary <b>", marks))
        assert "<script>" not in svg
        root = ET.fromstring(svg)  # noqa: S314 - our own output
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == "c1-title c1-desc"
        ns = "{http://www.w3.org/2000/svg}"
        assert root.find(f"{ns}title") is not None
        assert root.find(f"{ns}desc") is not None


def test_drawings__withheld_counts_are_never_drawn_as_numbers() -> None:
    marks = [Mark("A", None, "withheld", key="1", lat=1.0, lng=1.0), Mark("B", 40, "40", "2", 2, 2)]
    svg = str(dot_map("m", "t", "s", marks))
    assert 'stroke-dasharray="3 2"' in svg
    chart = str(bars("b", "t", "s", marks))
    assert "A: withheld" in chart
    assert dot_map("m", "t", "s", [Mark("A", 3, "3")]) == ""


def test_markdown__raw_html_and_unsafe_links_are_inert() -> None:
    html = render_markdown(
        "# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](threshold-test.md)"
        "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n",
        prefix="/es",
        shift=2,
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="/es/methods/threshold-test"' in html
    assert "<h3>Title</h3>" in html
    assert '<th scope="col">a</th>' in html
    assert '<pre tabindex="0"><code>code' in html


def test_words__counts_months_and_labels_in_each_language() -> None:
    en, es = language("en"), language("es")
    assert count_text(en, 1234, 0) == "1,234"
    assert count_text(es, 1234, 0) == "1234" or count_text(es, 1234, 0) == "1.234"
    assert count_text(en, None, 1) == "withheld"
    assert count_text(es, None, 1) == "retenido"
    assert count_text(en, 37, 2) == "at least 37 (2 cells withheld)"
    assert count_text(en, 4, 0, below=11) == "fewer than 11"
    assert month_label(en, "2016-01") == "Jan 2016"
    assert month_label(es, "2016-01").startswith("ene")
    assert code_label(es, "race", "black") == "Negra"
    assert code_label(en, "race", "not-a-code") == "not-a-code"
