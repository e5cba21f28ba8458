"""A failure in a staff route shows a generic page with an incident id, never its cause (F.61).

Real faults, not mocks: the uploads folder is a file (the disk layout is broken), a batch's
stored summary is not JSON (the row is damaged), a table the page reads is gone (the store is
broken). Each answer is a page with an incident id and the security headers; the exception,
its message, file paths, SQL and the driver's words stay in the log under that incident id.
Nothing is half done: no batch, no audit entry claiming success.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.security.test_headers import header_problems
from tests.security.world import browser_for, upload

if TYPE_CHECKING:
    from tests.web.staff_support import StaffSite

INCIDENT = re.compile(r"Incident number: ([0-9a-f]{12})")
CAUSES = ("Traceback", "Error:", 'File "', "line ", "site-packages", "SELECT", "psycopg")


def _browser(site: StaffSite, user: str) -> tuple[TestClient, str]:
    """A signed-in browser that gets the 500 answer instead of the exception."""
    browser = browser_for(site, raise_server_exceptions=False)
    return browser, site.sign_in(browser, user)


def _generic(response: Any, caplog: pytest.LogCaptureFixture, *secrets: str) -> str:
    """Check the answer is the generic error page; return its incident id."""
    assert response.status_code == 500, response.text[:300]
    main = response.text[response.text.find("<main") :]
    found = INCIDENT.search(main)
    assert found is not None, main[:400]
    for cause in (*CAUSES, *secrets):
        assert cause not in main, cause
    assert header_problems(response) in ([], ["Cache-Control: no-store"])
    incident = found.group(1)
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert logged, "the incident is in the log"
    assert logged[0].exc_info is not None, "with its traceback"
    return incident


@pytest.mark.parametrize("store_settings", ["duckdb"], indirect=True)
def test_crash__a_broken_uploads_folder_shows_an_incident_id(
    site: StaffSite, caplog: pytest.LogCaptureFixture
) -> None:
    uploads = site.root / "data" / "uploads"
    uploads.parent.mkdir(parents=True, exist_ok=True)
    uploads.write_text("a file where the folder should be")
    browser, csrf = _browser(site, "olivia")
    with caplog.at_level(logging.ERROR):
        answer = upload(browser, csrf, site.csv.read_bytes())
    _generic(answer, caplog, "NotADirectoryError", str(site.root), "uploads")
    assert site.store.query("SELECT count(*) FROM batches").scalar() == 0
    succeeded = (
        "SELECT count(*) FROM audit_log WHERE action = 'ingest.upload' AND outcome = 'succeeded'"
    )
    assert site.store.query(succeeded).scalar() == 0


@pytest.mark.parametrize("store_settings", ["duckdb"], indirect=True)
def test_crash__a_damaged_row_behind_a_page_shows_an_incident_id(
    site: StaffSite, caplog: pytest.LogCaptureFixture
) -> None:
    browser, csrf = _browser(site, "olivia")
    batch = upload(browser, csrf, site.csv.read_bytes()).headers["location"].rsplit("/", 1)[1]
    with site.store.transaction() as tx:
        tx.execute("UPDATE batches SET summary = ? WHERE batch_id = ?", ["{not json", int(batch)])
    with caplog.at_level(logging.ERROR):
        answer = browser.get(f"/staff/batches/{batch}")
    _generic(answer, caplog, "JSONDecodeError", "Expecting property name")


def test_crash__a_broken_store_shows_an_incident_id_not_the_driver_s_words(
    site: StaffSite, caplog: pytest.LogCaptureFixture
) -> None:
    browser, _ = _browser(site, "olivia")
    with site.store.transaction() as tx:
        tx.execute("DROP TABLE release_approvals")
    with caplog.at_level(logging.ERROR):
        answer = browser.get("/staff/releases")
    _generic(answer, caplog, "release_approvals", "query failed", "Catalog", "relation")
