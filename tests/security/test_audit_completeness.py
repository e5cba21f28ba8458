"""Each staff step the matrix allows leaves exactly one audit entry — also when it changes
nothing (RELIABILITY B.14).

``test_role_matrix`` checks one entry per allowed step and one per refusal for every route and
role. This adds the case it cannot meet: asking for a release of data that was released
already. The page answers as for any build (303 to the list), so the attempt is a staff action
like any other and the log must say who asked, when, from where, and that nothing was new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.security.world import audit_size, entries_since, upload
from tests.web.staff_support import AGENCY

if TYPE_CHECKING:
    from tests.web.staff_support import StaffSite


def test_release_build__an_unchanged_rebuild_is_recorded_too(site: StaffSite) -> None:
    browser = site.client()
    csrf = site.sign_in(browser, "olivia")
    assert upload(browser, csrf, site.csv.read_bytes()).status_code == 303
    form = {"csrf": csrf, "reason": "monthly release"}
    assert browser.post(f"/staff/agencies/{AGENCY}/releases", data=form).status_code == 303
    releases = site.store.query("SELECT release_id, status FROM releases").rows
    size = audit_size(site.store)
    again = browser.post(f"/staff/agencies/{AGENCY}/releases", data=form)
    assert again.status_code == 303
    assert site.store.query("SELECT release_id, status FROM releases").rows == releases
    added = [(e["actor"], e["action"], e["client"]) for e in entries_since(site.store, size)]
    assert added == [("olivia", "release.build", "testclient")]
