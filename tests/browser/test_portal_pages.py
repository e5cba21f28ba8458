"""The portal's pages in headless Chromium: 0 axe violations, keyboard, no JavaScript, print.

A small published site (``tests.web.pages_support``) is served by uvicorn on a free local port
for the module; every page type is checked in English and Spanish with axe-core (WCAG 2.1 A and
AA), and the explorer is driven with JavaScript off, by keyboard and in print media.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from openblotter.schema import load_standard
from openblotter.settings import Settings
from openblotter.storage import open_store
from openblotter.storage.lifecycle import initialize
from openblotter.web.app import create_app
from openblotter.web.portal import Portal
from tests.browser.conftest import describe
from tests.web.pages_support import AGENCY, build_site

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser


class Served:
    """The running site: its base URL and the id of its newest release."""

    def __init__(self, base: str, release: str) -> None:
        self.base, self.release = base, release


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    import uvicorn

    root = tmp_path_factory.mktemp("portal")
    standard = load_standard()
    store = open_store(Settings(data_dir=root / "data", database_url=None))
    initialize(store, standard)
    _first, second = build_site(store, standard, root / "data", root / "work")
    app = create_app(Portal(store, root / "data"), rate=1e6, burst=10**6)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", second.short_id)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def _pages(release: str) -> list[str]:
    return [
        "/",
        f"/agencies/{AGENCY}",
        f"/agencies/{AGENCY}/stops",
        f"/agencies/{AGENCY}/stops?from=2025-02&to=2025-05&geography=B&size=50&page=2",
        f"/agencies/{AGENCY}/stop_subjects?group=black",
        f"/agencies/{AGENCY}/analyses",
        f"/agencies/{AGENCY}/analyses/rates-and-benchmarks",
        f"/agencies/{AGENCY}/analyses/threshold-test",
        f"/agencies/{AGENCY}/analyses/veil-of-darkness",
        "/methods",
        "/methods/veil-of-darkness",
        f"/releases/{release}",
        "/dictionary",
        "/how-to-read",
        "/agencies/nowhere_pd",
        f"/agencies/{AGENCY}/stops?group=martian",
    ]


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_portal__every_page_type_has_no_axe_violations(
    served: Served, axe_violations: Callable[[str], list[Any]], prefix: str
) -> None:
    problems = {}
    for path in _pages(served.release):
        found = axe_violations(served.base + prefix + path)
        if found:
            problems[prefix + path] = describe(found)
    assert not problems, "\n\n".join(f"{p}:\n{d}" for p, d in problems.items())


def test_portal__explorer_works_without_javascript(
    served: Served, browser_no_js: WebDriver
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser_no_js.get(f"{served.base}/agencies/{AGENCY}/stops")
    Select(browser_no_js.find_element(By.ID, "f-geography")).select_by_value("C")
    Select(browser_no_js.find_element(By.ID, "f-by")).select_by_value("sex")
    browser_no_js.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    assert "geography=C" in browser_no_js.current_url
    assert "by=sex" in browser_no_js.current_url
    heading = browser_no_js.find_element(By.ID, "counts").text
    assert heading == "Counts of people stopped by sex"
    selected = Select(browser_no_js.find_element(By.ID, "f-geography")).first_selected_option
    assert selected.get_attribute("value") == "C"
    browser_no_js.find_element(By.LINK_TEXT, "Next page").click()
    assert "page=2" in browser_no_js.current_url
    assert "geography=C" in browser_no_js.current_url


def test_portal__keyboard_skip_link_focus_and_language_switch(
    served: Served, browser: WebDriver
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{served.base}/agencies/{AGENCY}/stops")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("class") == "skip"
    assert active.is_displayed()
    outline = browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    active.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"
    switch = browser.find_element(By.CSS_SELECTOR, "nav.languages a")
    assert switch.get_attribute("lang") == "es"
    assert switch.get_attribute("hreflang") == "es"
    switch.click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert browser.current_url.endswith(f"/es/agencies/{AGENCY}/stops")
    assert browser.find_element(By.ID, "filters-heading").text == "Filtros"


def test_portal__print_hides_navigation_and_keeps_the_tables(
    served: Served, browser: WebDriver
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{served.base}/agencies/{AGENCY}/stops")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})  # type: ignore[attr-defined]
    hidden = browser.execute_script(
        "return ['header.site nav', 'form.filters', 'nav.pages']"
        ".map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none", "none", "none"]
    assert browser.find_element(By.ID, "counts-table-caption").is_displayed()
