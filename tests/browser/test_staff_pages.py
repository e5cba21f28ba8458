"""The staff pages in headless Chromium: axe, the workflow without JavaScript, keyboard, cookies.

A DuckDB store with staff pages on is served by uvicorn for the module, with the real clock and
the real cookies (Secure, HttpOnly, SameSite=Strict; Chromium keeps Secure cookies on
``http://127.0.0.1``). People sign in as a person would, the code computed from their TOTP
secret now; each test has its own accounts, so no code step is used twice. Each agency's file
has a few invalid rows, so its batch report shows quarantined rows.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import polars as pl
import pytest

from openblotter.accounts import Principal, add_user, grant
from openblotter.accounts.totp import STEP_SECONDS, code_at, step_at
from openblotter.clock import SystemClock
from openblotter.schema import load_standard
from openblotter.settings import Settings
from openblotter.storage import open_store
from openblotter.storage.lifecycle import initialize
from openblotter.testing import stops_frame
from openblotter.web.app import create_app
from openblotter.web.portal import Portal
from openblotter.web.staff import Staff
from tests.browser.conftest import AXE_JS, WCAG_TAGS, describe, make_driver
from tests.conftest import module_store_url
from tests.web.staff_support import AGENCY, PASSWORD, agency_folder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from selenium.webdriver.remote.webdriver import WebDriver

    from openblotter.schema import Standard

pytestmark = pytest.mark.browser

AXE_PD, KEYS_PD = "ca_axe_pd", "ca_keys_pd"
ACCOUNTS: dict[str, tuple[str, str | None]] = {
    "olivia": ("data_officer", AGENCY),  # the workflow
    "sam": ("supervisor", AGENCY),
    "audrey": ("auditor", None),
    "alice": ("data_officer", AXE_PD),  # axe
    "arthur": ("auditor", None),
    "kim": ("data_officer", KEYS_PD),  # keyboard
    "kate": ("auditor", None),
    "carl": ("data_officer", KEYS_PD),  # cookies and print
    "ada": ("admin", None),  # axe on the account pages
}
BAD_ROWS = 4
ENTER, TAB, SPACE = "\ue007", "\ue004", "\ue00d"  # WebDriver key codes (selenium's Keys)
_AXE_RUN = """
const [tags, done] = [arguments[0], arguments[arguments.length - 1]];
axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then(result => done(result.violations))
  .catch(error => done({error: String(error)}));
"""


class Served:
    """The running site: its base URL, each agency's file, each account's TOTP secret."""

    def __init__(self, base: str, files: dict[str, Path], secrets: dict[str, str]) -> None:
        self.base, self.files, self.secrets = base, files, secrets
        self.used: dict[str, int] = {}

    def code(self, user: str) -> str:
        """The user's current code, waiting for the next step if this one was used."""
        step = step_at(datetime.now(UTC))
        if self.used.get(user, -1) >= step:
            time.sleep(STEP_SECONDS - time.time() % STEP_SECONDS + 0.2)
        now = datetime.now(UTC)
        self.used[user] = step_at(now)
        return code_at(self.secrets[user], now)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spoil(column: str, rows: list[str], value: str) -> pl.Expr:
    chosen = pl.col("raw_row_number").is_in(rows)
    return pl.when(chosen).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)


def _file_with_bad_rows(path: Path, seed: int) -> Path:
    """120 stops of which 4 rows fail validation (bad age, impossible date, unknown race)."""
    stops_frame(120, seed=seed).with_columns(
        _spoil("subject_age", ["5", "17"], "not-an-age"),
        _spoil("date", ["23"], "2019-02-30"),
        _spoil("subject_race", ["31"], "martian"),
    ).write_csv(path)
    return path


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("staff")
    standard = load_standard()
    clock = SystemClock()
    with module_store_url(request) as url:
        yield from _serve(root, standard, clock, url)


def _serve(root: Path, standard: Standard, clock: SystemClock, url: str | None) -> Iterator[Served]:
    import uvicorn

    store = open_store(Settings(data_dir=root / "data", database_url=url))  # type: ignore[arg-type]
    initialize(store, standard)
    files = {}
    for seed, slug in enumerate((AGENCY, AXE_PD, KEYS_PD), start=11):
        files[slug] = _file_with_bad_rows(root / f"stops_{slug}.csv", seed)
        agency_folder(root / "agencies", slug, files[slug])
    operator = Principal.operator()
    secrets = {}
    for user, (role, agency) in ACCOUNTS.items():
        secrets[user] = add_user(
            store, user, PASSWORD, display_name=user.title(), actor=operator, clock=clock
        )
        grant(store, user, role, agency, actor=operator, clock=clock)
    agencies = root / "agencies"
    staff = Staff(store, clock, standard, root / "data", agencies, secure_cookies=True)
    portal = Portal(store, root / "data", ttl=0)
    app = create_app(portal, rate=1e6, burst=10**6, staff=staff)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", files, secrets)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def _arrive(driver: WebDriver, path: str, *, prefix: bool = False) -> None:
    """Wait until the browser shows ``path`` (or a path starting with it)."""
    from selenium.webdriver.support.ui import WebDriverWait

    def there(d: WebDriver) -> bool:
        now = urlparse(d.current_url).path
        return now.startswith(path) if prefix else now == path

    WebDriverWait(driver, 30).until(there, f"never reached {path} (at {driver.current_url})")


def enter_password(driver: WebDriver, served: Served, user: str, password: str = PASSWORD) -> None:
    """The login page: user name, password, Enter."""
    driver.get(f"{served.base}/staff/login")
    driver.find_element("id", "user_name").send_keys(user)
    driver.find_element("id", "password").send_keys(password + ENTER)


def enter_code(driver: WebDriver, served: Served, user: str) -> None:
    """The code page: the authenticator's current code, Enter; the staff home opens."""
    _arrive(driver, "/staff/login/code")
    driver.find_element("id", "code").send_keys(served.code(user) + ENTER)
    _arrive(driver, "/staff")


def sign_in(driver: WebDriver, served: Served, user: str) -> None:
    """Both factors, as a person types them."""
    enter_password(driver, served, user)
    enter_code(driver, served, user)


def upload(driver: WebDriver, served: Served, slug: str) -> None:
    """The upload form: the mapping, the file, submit; the batch report opens."""
    if urlparse(driver.current_url).path != f"/staff/agencies/{slug}/upload":
        driver.get(f"{served.base}/staff/agencies/{slug}/upload")
    mapping = driver.find_element("id", "mapping-1")
    mapping.send_keys(SPACE)
    assert mapping.is_selected()
    driver.find_element("id", "file").send_keys(str(served.files[slug]))
    driver.find_element("css selector", "form.staff button[type=submit]").click()
    _arrive(driver, "/staff/batches/", prefix=True)


def build_release(driver: WebDriver, served: Served, slug: str, reason: str) -> str:
    """From the staff home, ask for a release; return its short id from the waiting list."""
    driver.get(f"{served.base}/staff")
    driver.find_element("id", f"reason-{slug}").send_keys(reason + ENTER)
    _arrive(driver, "/staff/releases")
    rows = driver.find_elements("xpath", f"//tbody/tr[td[1]='{slug}']")
    assert len(rows) == 1, driver.page_source[:2000]
    return str(rows[0].find_element("css selector", "th code").text)


def _wait_for(driver: WebDriver, selector: str) -> Any:
    """The element, once the page the last click loads shows it."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 20).until(lambda d: d.find_element("css selector", selector))


def axe_here(driver: WebDriver) -> list[Any]:
    """axe-core's WCAG 2.1 A/AA violations of the page the browser shows now."""
    driver.set_script_timeout(60)
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    outcome = driver.execute_async_script(_AXE_RUN, list(WCAG_TAGS))
    if isinstance(outcome, dict) and "error" in outcome:
        raise RuntimeError(f"axe-core failed: {outcome['error']}")
    return list(outcome)


def test_staff__every_page_type_has_no_axe_violations(served: Served, browser: WebDriver) -> None:
    problems: dict[str, str] = {}

    def check(name: str) -> None:
        found = axe_here(browser)
        if found:
            problems[name] = describe(found)

    browser.get(f"{served.base}/staff/login")
    check("login")
    enter_password(browser, served, "nobody", "not the password")
    assert _wait_for(browser, "[role=alert]").is_displayed()
    check("login with an error")
    enter_password(browser, served, "alice")
    _arrive(browser, "/staff/login/code")
    check("code")
    enter_code(browser, served, "alice")
    check("staff home")
    browser.get(f"{served.base}/staff/agencies/{AXE_PD}/upload")
    check("upload form")
    upload(browser, served, AXE_PD)
    quarantined = browser.find_elements("css selector", "[aria-label='Quarantined rows'] tbody tr")
    assert len(quarantined) >= BAD_ROWS
    check("batch report with quarantined rows")
    build_release(browser, served, AXE_PD, "accessibility check")
    check("releases awaiting approval, one pending")
    browser.find_element("xpath", "//button[.='Sign out']").click()
    _arrive(browser, "/staff/login")
    sign_in(browser, served, "arthur")
    browser.get(f"{served.base}/staff/audit")
    check("audit log")
    browser.find_element("xpath", "//button[.='Verify the whole log']").click()
    verdict = _wait_for(browser, "[role=status]")
    assert verdict.text.startswith("Verified:"), verdict.text
    check("audit log with a verification result")
    browser.get(f"{served.base}/staff/account")
    check("own account (as an auditor)")
    browser.find_element("xpath", "//button[.='Sign out']").click()
    _arrive(browser, "/staff/login")
    sign_in(browser, served, "ada")
    browser.get(f"{served.base}/staff/users")
    check("accounts (admin)")
    browser.get(f"{served.base}/staff/users/alice")
    check("one account (admin)")
    assert not problems, "\n\n".join(f"{page}:\n{d}" for page, d in problems.items())


def _cells(driver: WebDriver, selector: str) -> list[list[str]]:
    rows = driver.find_elements("css selector", f"{selector} tbody tr")
    return [[c.text for c in r.find_elements("css selector", "th, td")] for r in rows]


def test_staff__the_whole_workflow_without_javascript(
    served: Served, browser_no_js: WebDriver
) -> None:
    officer = browser_no_js
    officer.get(f"{served.base}/staff")
    _arrive(officer, "/staff/login")
    notice = officer.find_element("css selector", "section.notice")
    form = officer.find_element("css selector", "form.staff")
    assert notice.is_displayed()
    assert "restricted system" in notice.text
    assert notice.location["y"] < form.location["y"]  # the notice comes before the form
    sign_in(officer, served, "olivia")
    upload_link = f"a[href='/staff/agencies/{AGENCY}/upload']"
    officer.find_element("css selector", upload_link).send_keys(ENTER)
    _arrive(officer, f"/staff/agencies/{AGENCY}/upload")
    upload(officer, served, AGENCY)
    fact = "//dt[.='{}']/following-sibling::dd[1]"
    for name, value in (
        ("Rows read", 120),
        ("Rows loaded", 120 - BAD_ROWS),
        ("Rows quarantined", BAD_ROWS),
    ):
        assert officer.find_element("xpath", fact.format(name)).text == str(value)
    bad = {row[0] for row in _cells(officer, "[aria-label='Quarantined rows']")}
    assert len(bad) == BAD_ROWS
    short = build_release(officer, served, AGENCY, "first release")
    officer.get(f"{served.base}/agencies/{AGENCY}")
    assert short not in officer.page_source  # pending: not public yet

    supervisor = make_driver(javascript=False)
    try:
        sign_in(supervisor, served, "sam")
        supervisor.find_element("link text", "Releases awaiting approval").send_keys(ENTER)
        _arrive(supervisor, "/staff/releases")
        supervisor.find_element(
            "css selector", f"form[action='/staff/releases/{short}/approve'] button"
        ).click()
        _arrive(supervisor, "/staff/releases")
        assert "No release is waiting." in supervisor.page_source
        supervisor.get(f"{served.base}/agencies/{AGENCY}")
        assert f"Release {short}" in supervisor.find_element("id", "main").text
        supervisor.get(f"{served.base}/staff")
        supervisor.find_element("xpath", "//button[.='Sign out']").send_keys(ENTER)
        _arrive(supervisor, "/staff/login")
        supervisor.get(f"{served.base}/staff/releases")
        _arrive(supervisor, "/staff/login")  # the session is over

        sign_in(supervisor, served, "audrey")
        supervisor.get(f"{served.base}/staff/audit")
        logged = {
            (row[2], row[4], row[6]) for row in _cells(supervisor, "[aria-label='Audit entries']")
        }
    finally:
        supervisor.quit()
    assert {
        ("olivia", "ingest.upload", "succeeded"),
        ("olivia", "ingest.view", "succeeded"),
        ("olivia", "release.build", "succeeded"),
        ("sam", "release.approve", "succeeded"),
    } <= logged


_FOCUS_WALK = """const el = document.activeElement, style = getComputedStyle(el);
return [el, el !== document.body && style.outlineStyle !== 'none'
  && parseFloat(style.outlineWidth) >= 2];"""
_CONTROLS = """return Array.from(document.querySelectorAll(
  'input:not([type=hidden]), select, textarea, button')).map(e => [e, e.name || e.id, e.type]);"""


def _keyboard_problems(driver: WebDriver) -> list[str]:
    """Skip link first and into main; every control reached by Tab, each with a visible outline."""
    from selenium.webdriver.common.action_chains import ActionChains

    def tab() -> tuple[Any, bool]:  # the focused element, and whether its outline shows
        ActionChains(driver).send_keys(TAB).perform()
        element, outline = driver.execute_script(_FOCUS_WALK)
        return element, bool(outline)

    problems = []
    first, outline = tab()
    if first.get_attribute("class") != "skip":
        problems.append(f"the first tab stop is {first.get_attribute('outerHTML')[:80]}")
    if not outline:
        problems.append("the skip link shows no focus outline")
    first.send_keys(ENTER)
    if driver.switch_to.active_element.get_attribute("id") != "main":
        problems.append("the skip link does not move focus to main")
    controls = driver.execute_script(_CONTROLS)
    reached: list[Any] = []
    for _ in range(len(controls) + 40):
        element, outline = tab()
        if element in reached or element.tag_name == "body":
            break
        reached.append(element)
        if not outline:
            problems.append(f"no focus outline on {element.get_attribute('outerHTML')[:80]}")
    radio_groups = {name for el, name, kind in controls if kind == "radio" and el in reached}
    for element, name, kind in controls:
        if element not in reached and not (kind == "radio" and name in radio_groups):
            problems.append(f"{name or kind} is not reachable with Tab")
    return problems


def test_staff__keyboard_skip_link_tab_order_and_focus_outline(
    served: Served, browser: WebDriver
) -> None:
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        if problems := _keyboard_problems(browser):
            found[name] = problems

    browser.get(f"{served.base}/staff/login")
    check("login")
    enter_password(browser, served, "kim")
    _arrive(browser, "/staff/login/code")
    check("code")
    enter_code(browser, served, "kim")
    check("staff home")
    browser.get(f"{served.base}/staff/agencies/{KEYS_PD}/upload")
    check("upload form")
    upload(browser, served, KEYS_PD)
    check("batch report")
    build_release(browser, served, KEYS_PD, "keyboard check")
    check("releases awaiting approval")
    browser.delete_all_cookies()
    sign_in(browser, served, "kate")
    browser.get(f"{served.base}/staff/audit")
    check("audit log")
    assert not found, "\n".join(f"{page}: {p}" for page, ps in found.items() for p in ps)


def test_staff__cookie_flags_as_chromium_keeps_them_and_print_without_nav(
    served: Served, browser: WebDriver
) -> None:
    sign_in(browser, served, "carl")
    cookies = {c["name"]: c for c in browser.get_cookies()}
    assert set(cookies) >= {"blotter_session", "blotter_login_csrf"}
    for name in ("blotter_session", "blotter_login_csrf"):
        flags = {k: cookies[name].get(k) for k in ("httpOnly", "secure", "sameSite", "path")}
        assert flags == {"httpOnly": True, "secure": True, "sameSite": "Strict", "path": "/"}
        assert "expiry" not in cookies[name]  # a session cookie: gone when the browser closes

    # print: no navigation, no skip link, no sign-out form; the page's own content stays
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    hidden = browser.execute_script(
        "return ['header.site nav', 'nav.staff-nav', '.skip']"
        ".map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none", "none", "none"]
    assert browser.find_element("tag name", "h1").is_displayed()
