"""Headless Chromium for the browser tests, and axe-core to check pages for WCAG 2.1 A/AA.

Chromium and chromedriver are Debian's packages (``/usr/bin/chromium``, ``/usr/bin/chromedriver``;
``BLOTTER_CHROMIUM`` and ``BLOTTER_CHROMEDRIVER`` override), driven through Selenium; axe-core is
the npm package that ``scripts/install-browser.sh`` puts in ``.cache/axe``. Nothing is downloaded
at test time: Selenium gets both paths, so its driver manager never runs.

When a part is missing the tests skip, saying what to run, except where the browser is
required (``CI`` or ``BLOTTER_REQUIRE_BROWSER`` set): there they fail.

Fixtures: ``browser`` (a fresh headless Chromium per test, JavaScript on), ``browser_no_js``
(JavaScript off), ``axe_violations`` (``axe_violations(url_or_file) -> list[dict]``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("BLOTTER_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("BLOTTER_CHROMEDRIVER", "/usr/bin/chromedriver"))
AXE_JS = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
"""The axe-core rule tags of WCAG 2.0 and 2.1, levels A and AA."""

_AXE_RUN = """
const [tags, done] = [arguments[0], arguments[arguments.length - 1]];
axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then(result => done(result.violations))
  .catch(error => done({error: String(error)}));
"""


def _missing() -> str | None:
    """What is missing for the browser tests, or ``None``."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (it is in the dev group)"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing (run scripts/install-browser.sh)"
    if not AXE_JS.exists():
        return f"{AXE_JS.relative_to(ROOT)} is missing (run scripts/install-browser.sh)"
    return None


def _required() -> bool:
    return any(
        os.environ.get(name, "").lower() in ("1", "true", "yes")
        for name in ("CI", "BLOTTER_REQUIRE_BROWSER")
    )


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Skip (or, where required, fail) when Chromium, chromedriver or axe-core is missing."""
    problem = _missing()
    if problem is None:
        return
    if _required():
        pytest.fail(f"the browser tests are required but {problem}")
    pytest.skip(problem)


def make_driver(*, javascript: bool = True, width: int = 1280, height: int = 900) -> WebDriver:
    """A headless Debian Chromium under chromedriver, with no network chatter of its own."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # we run as root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        "--lang=en-US",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def page_url(page: str | Path) -> str:
    """A URL for ``page``: kept as it is when it has a scheme, else a ``file://`` URL."""
    text = str(page)
    return text if "://" in text or text.startswith("data:") else Path(text).resolve().as_uri()


def run_axe(driver: WebDriver, page: str | Path, *, tags: tuple[str, ...] = WCAG_TAGS) -> list[Any]:
    """Load ``page``, inject axe-core and return its violations of ``tags``."""
    driver.get(page_url(page))
    driver.set_script_timeout(60)
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    outcome = driver.execute_async_script(_AXE_RUN, list(tags))
    if isinstance(outcome, dict) and "error" in outcome:
        raise RuntimeError(f"axe-core failed: {outcome['error']}")
    return list(outcome)


def describe(violations: list[Any]) -> str:
    """A readable account of axe violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} — {v['helpUrl']}")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    {json.dumps(node.get('target'))}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


@pytest.fixture
def browser(browser_ready: None) -> Iterator[WebDriver]:
    """A fresh headless Chromium with JavaScript on."""
    driver = make_driver()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser_no_js(browser_ready: None) -> Iterator[WebDriver]:
    """A fresh headless Chromium with JavaScript off, as some readers browse."""
    driver = make_driver(javascript=False)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def axe_violations(browser: WebDriver) -> Callable[[str | Path], list[Any]]:
    """``axe_violations(url_or_file)``: the page's WCAG 2.1 A/AA violations, as axe reports them."""

    def check(page: str | Path) -> list[Any]:
        return run_axe(browser, page)

    return check
