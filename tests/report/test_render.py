"""The HTML report page: structure, failures kept, self-contained, escaped, parameters."""

from __future__ import annotations

import datetime as dt
import itertools
from html.parser import HTMLParser

import pytest

from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.suite import Failure
from openblotter.errors import ConfigError
from openblotter.report.render import render_report
from openblotter.report.sections import MAX_TABLE_ROWS, build_sections, method_url
from tests.report import samples


class Outline(HTMLParser):
    """Headings, links, elements in order, and the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._heading: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self._heading = int(tag[1])
            self.headings.append((self._heading, ""))

    def handle_endtag(self, tag: str) -> None:
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            level, text = self.headings[-1]
            self.headings[-1] = (level, text + data)


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def page() -> str:
    return render_report(
        "Synthetic Police Department",
        samples.all_results(),
        generated_at=samples.GENERATED_AT,
        provenance=samples.PROVENANCE,
    )


def test_page__has_one_h1_an_h2_per_method_and_no_skipped_levels(page: str) -> None:
    doc = outline(page)
    levels = [level for level, _ in doc.headings]
    assert levels.count(1) == 1
    assert levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, doc.headings
    h2 = [text.strip() for level, text in doc.headings if level == 2]
    assert h2[:3] == ["Contents", "Key findings", "How to read these numbers"]
    assert h2[3:-1] == [
        "Stop outcomes by group",
        "Search hit rates (outcome test)",
        "Stops in daylight and after dark (veil of darkness)",
        "Officers compared with peers",
        "Search thresholds (threshold test)",
        "Use of force during stops",
        "Complaint outcomes",
        "New method",
    ]
    assert h2[-1] == "About this report"


def test_page__lang_skip_link_and_main(page: str) -> None:
    doc = outline(page)
    assert doc.tags[0] == ("html", {"lang": "en"})
    body = [t for t, _ in doc.tags].index("body")
    first, attrs = doc.tags[body + 1]
    assert (first, attrs.get("href"), attrs.get("class")) == ("a", "#main", "skip-link")
    main = next(a for t, a in doc.tags if t == "main")
    assert main == {"id": "main", "tabindex": "-1"}


def test_page__key_findings_come_first_and_a_failure_keeps_its_reason(page: str) -> None:
    text = " ".join(" ".join(outline(page).text).split())
    key = text.index("Key findings Stop outcomes by group")
    assert text.index("Black people were searched at 1.6 times the rate of White people") > key
    assert (
        "Officers compared with peers : Not run. The agency does not record which officers made "
        "each stop." in text
    )
    assert "Not run. The agency does not record which officers made each stop." in text


def test_page__every_method_links_to_its_page(page: str) -> None:
    links = [a.get("href") for t, a in outline(page).tags if t == "a"]
    for method in ("rates-and-benchmarks", "veil-of-darkness", "officer-benchmarking"):
        assert f"docs/methods/{method}.md" in links


def test_page__is_self_contained(page: str) -> None:
    lowered = page.lower()
    for forbidden in ("<script", "<link", "<img", "<iframe", " src=", "@import", "url("):
        assert forbidden not in lowered, forbidden
    hrefs = [a.get("href") or "" for t, a in outline(page).tags if t == "a"]
    assert all(h.startswith(("#", "docs/methods/")) for h in hrefs)


def test_page__every_figure_has_a_caption_a_drawing_or_a_note_and_a_table(page: str) -> None:
    doc = outline(page)
    tags = [t for t, _ in doc.tags]
    starts = [i for i, (t, a) in enumerate(doc.tags) if t == "figure"]
    assert len(starts) >= 10
    for start in starts:
        end = tags.index("table", start)
        assert tags[start + 1] == "figcaption"
        assert "caption" in tags[end : end + 2]
    svgs = [a for t, a in doc.tags if t == "svg"]
    assert svgs
    assert all(a.get("role") == "img" and a.get("aria-labelledby") for a in svgs)


def test_page__methods_url_base_or_pattern() -> None:
    items = [samples.failure()]
    at = samples.GENERATED_AT
    base = render_report("A", items, generated_at=at, provenance={}, methods_url="https://x.org/m")
    assert 'href="https://x.org/m/officer-benchmarking.md"' in base
    pattern = render_report("A", items, generated_at=at, provenance={}, methods_url="/m/{method}")
    assert 'href="/m/officer-benchmarking"' in pattern
    assert method_url("veil-of-darkness", "") == "veil-of-darkness.md"


def test_page__escapes_everything_it_is_given() -> None:
    page = render_report(
        "<script>alert(1)</script>",
        [Failure("x", "<b>title</b>", "<img src=x onerror=alert(1)>")],
        generated_at=samples.GENERATED_AT,
        provenance={"<k>": "<v>"},
        title=None,
    )
    assert "<script>" not in page
    assert "<b>title" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_page__no_results_says_so() -> None:
    page = render_report("A", [], generated_at=samples.GENERATED_AT, provenance={})
    assert "No analysis could be run" in page


def test_page__naive_time_or_unknown_locale_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        render_report("A", [], generated_at=dt.datetime(2026, 1, 1), provenance={})  # noqa: DTZ001
    with pytest.raises(ConfigError):
        render_report("A", [], generated_at=samples.GENERATED_AT, provenance={}, locale="zz_ZZ")


def test_page__spanish_numbers_and_lang() -> None:
    page = render_report(
        "A",
        [samples.rates_result()],
        generated_at=samples.GENERATED_AT,
        provenance={},
        locale="es",
    )
    assert '<html lang="es">' in page
    assert "12.345" in page
    assert "1 de marzo de 2026" in page


def test_sections__same_method_twice_gets_distinct_titles_and_anchors() -> None:
    veil = samples.veil_result()
    sections = build_sections([veil, veil, samples.failure(), samples.failure()])
    assert len({s.anchor for s in sections}) == 4
    assert sections[1].title.endswith("(full-year)")
    assert len({s.title for s in sections}) == 4


def test_sections__many_rows_keep_a_table_of_the_most_notable() -> None:
    estimates = tuple(
        Estimate(
            "officer_ratio",
            1.0,
            {"officer": f"o{i:04d}", "group": "black"},
            (0.8, 1.2),
            n=100,
            extra={"flagged": 1.0 if i == 333 else 0.0},
        )
        for i in range(500)
    )
    (section,) = build_sections([Result("officer-benchmarking", estimates)])
    (panel,) = section.panels
    markup = str(panel.figure)
    assert "<svg" not in markup  # too many rows to draw
    assert markup.count("<tr>") == MAX_TABLE_ROWS + 1
    assert "o0333" in markup  # the flagged officer is kept
    assert "of 500 rows" in markup
