"""The HTML report in headless Chromium: axe-core WCAG 2.1 A/AA, no JavaScript, keyboard, charts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from openblotter.report.render import render_report
from tests.browser.conftest import describe, make_driver, page_url, run_axe
from tests.report import samples

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    """A report with results of every kind, one method that failed and one unknown method."""
    path = tmp_path / "report.html"
    html = render_report(
        "Synthetic Police Department",
        samples.all_results(),
        generated_at=samples.GENERATED_AT,
        provenance=samples.PROVENANCE,
        subject=("drivers", "driver"),
    )
    path.write_text(html, encoding="utf-8")
    return path


def test_axe_harness__finds_planted_violations(
    tmp_path: Path, axe_violations: Callable[[str | Path], list[Any]]
) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body>"
        '<p style="color:#aaa;background:#fff">faint</p><a href="#"></a></body></html>',
        encoding="utf-8",
    )
    found = {v["id"] for v in axe_violations(bad)}
    assert {"html-has-lang", "color-contrast", "link-name"} <= found


def test_report__has_no_axe_violations(
    report_file: Path, axe_violations: Callable[[str | Path], list[Any]]
) -> None:
    violations = axe_violations(report_file)
    assert violations == [], describe(violations)


def test_report__has_no_axe_violations_on_a_phone(report_file: Path, browser_ready: None) -> None:
    driver = make_driver(width=375, height=740)
    try:
        violations = run_axe(driver, report_file)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        driver.quit()
    assert violations == [], describe(violations)
    assert overflow <= 0  # no sideways scrolling of the page (wide tables scroll in their box)


def test_report__works_with_javascript_off(report_file: Path, browser_no_js: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    browser_no_js.get("data:text/html,<p id=x>off</p><script>x.textContent='on'</script>")
    assert browser_no_js.find_element(By.ID, "x").text == "off"  # JavaScript really is off
    browser_no_js.get(page_url(report_file))
    assert browser_no_js.find_elements(By.TAG_NAME, "script") == []
    headings = [h.text for h in browser_no_js.find_elements(By.TAG_NAME, "h2")]
    assert "Key findings" in headings
    assert "Officers compared with peers" in headings
    charts = browser_no_js.find_elements(By.CSS_SELECTOR, "svg[role=img]")
    assert charts
    for chart in charts:
        assert chart.is_displayed()
        assert chart.size["width"] > 200
        assert chart.size["height"] > 50
    failure = browser_no_js.find_element(By.CSS_SELECTOR, ".failure")
    assert "does not record which officers" in failure.text


def test_report__skip_link_is_the_first_tab_stop_and_moves_to_main(
    report_file: Path, browser: WebDriver
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(page_url(report_file))
    ActionChains(browser).send_keys(Keys.TAB).perform()
    active = browser.switch_to.active_element
    assert active.get_attribute("class") == "skip-link"
    assert active.text == "Skip to the findings"
    box = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", active)
    assert box["top"] >= 0  # shown on focus, inside the viewport
    assert box["width"] > 0
    outline = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", active)
    assert outline != "none"  # visible focus
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.execute_script("return location.hash") == "#main"
    ActionChains(browser).send_keys(Keys.TAB).perform()
    first_in_main = browser.execute_script(
        "return document.getElementById('main').contains(document.activeElement)"
    )
    assert first_in_main  # the next Tab continues inside the findings, past the contents


def test_report__keyboard_reaches_every_link_table_and_disclosure(
    report_file: Path, browser: WebDriver
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(page_url(report_file))
    expected = browser.execute_script(
        "return document.querySelectorAll('a[href], [tabindex=\"0\"], summary').length"
    )
    reached: set[str] = set()
    mark = (
        "const e = document.activeElement; if (!e.dataset.k) e.dataset.k = String(Math.random());"
        " return e === document.body ? '' : e.dataset.k;"
    )
    for _ in range(expected + 5):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        key = browser.execute_script(mark)
        if key:
            reached.add(key)
    assert len(reached) == expected


def test_report__every_chart_has_a_summary_and_a_table(
    report_file: Path, browser: WebDriver
) -> None:
    browser.get(page_url(report_file))
    problems = browser.execute_script(
        """
        const out = [];
        for (const svg of document.querySelectorAll('svg')) {
          const figure = svg.closest('figure.chart');
          if (!figure) { out.push('svg outside a figure'); continue; }
          const names = (svg.getAttribute('aria-labelledby') || '').split(' ');
          for (const id of names) {
            const target = document.getElementById(id);
            if (!target || !target.textContent.trim()) out.push('unlabelled ' + figure.id);
          }
        }
        for (const figure of document.querySelectorAll('figure.chart')) {
          const summary = figure.querySelector('figcaption');
          if (!summary || summary.textContent.trim().length < 20) out.push('summary ' + figure.id);
          const table = figure.querySelector('table');
          if (!table || !table.querySelector('caption')) out.push('table ' + figure.id);
          if (table && !table.querySelector('th[scope=col]')) out.push('headers ' + figure.id);
        }
        return out;
        """
    )
    assert problems == []
    figures = browser.execute_script("return document.querySelectorAll('figure.chart').length")
    charts = browser.execute_script("return document.querySelectorAll('svg[role=img]').length")
    assert figures >= charts >= 8


def test_report__prints(report_file: Path, browser: WebDriver) -> None:
    import base64

    browser.get(page_url(report_file))
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 20_000


def test_report__in_spanish_has_no_axe_violations_on_a_phone(
    tmp_path: Path, browser_ready: None
) -> None:
    path = tmp_path / "informe.html"
    html = render_report(
        "Synthetic Police Department",
        samples.all_results(),
        generated_at=samples.GENERATED_AT,
        provenance=samples.PROVENANCE,
        subject=("drivers", "driver"),
        locale="es",
    )
    path.write_text(html, encoding="utf-8")
    driver = make_driver(width=375, height=740)
    try:
        violations = run_axe(driver, path)
        lang = driver.execute_script("return document.documentElement.lang")
        english = driver.execute_script(
            "return [...document.querySelectorAll('[lang=en]')].map(e => e.tagName)"
        )
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        driver.quit()
    assert violations == [], describe(violations)
    assert lang == "es"
    assert english  # the analyses' own caveats and filters, marked as English
    assert overflow <= 0
