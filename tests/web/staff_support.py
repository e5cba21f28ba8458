"""A staff site for tests: an agency folder with a mapping, staff accounts, a signed-in client.

``StaffSite`` holds the app over a store of either kind, a clock the test moves, and the TOTP
secret of each account, so a test signs in exactly as a person would: the login page, the
password, then the code from the authenticator (computed here from the secret).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from openblotter.accounts import Principal, add_user, grant
from openblotter.accounts.totp import code_at
from openblotter.ingest.readers import file_sha256
from openblotter.testing import stops_mapping_yaml, write_stops_csv
from openblotter.web.app import create_app
from openblotter.web.portal import Portal
from openblotter.web.staff import Staff

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store

AGENCY = "ca_staff_pd"
OTHER = "ca_other_pd"
PASSWORD = "correct horse battery staple 42"  # noqa: S105 - a test account
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
USERS: dict[str, list[tuple[str, str | None]]] = {
    "olivia": [("data_officer", AGENCY)],
    "sam": [("supervisor", AGENCY)],
    "otto": [("data_officer", OTHER)],
    "audrey": [("auditor", None)],
    "adam": [("admin", None)],
}


def agency_folder(root: Path, slug: str, csv: Path) -> None:
    """An agency folder whose stops mapping was tested against ``csv``."""
    (root / slug / "mappings").mkdir(parents=True)
    (root / slug / "agency.yaml").write_text(
        f"slug: {slug}\nname: {slug.upper()}\nstate: CA\nagency_type: municipal police\n"
        "timezone: America/Los_Angeles\n"
    )
    (root / slug / "mappings" / "stops.yaml").write_text(
        stops_mapping_yaml(csv.name, file_sha256(csv))
    )


@dataclass
class StaffSite:
    """The app, its store, the test's clock and every account's TOTP secret."""

    store: Store
    clock: FixedClock
    root: Path
    csv: Path
    app: object
    secrets: dict[str, str] = field(default_factory=dict)

    def client(self) -> TestClient:
        """A browser-like client over HTTPS (so Secure cookies are sent back)."""
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False)  # type: ignore[arg-type]

    def tick(self, seconds: float = 31) -> None:
        """Move the clock on (past one TOTP step by default)."""
        self.clock.at += timedelta(seconds=seconds)

    def sign_in(self, client: TestClient, user: str) -> str:
        """Sign ``user`` in through the pages; return the session's CSRF token."""
        self.tick()
        page = client.get("/staff/login")
        assert page.status_code == 200, page.text[:300]
        token = CSRF.search(page.text)
        assert token is not None
        sent = client.post(
            "/staff/login",
            data={"csrf": token.group(1), "user_name": user, "password": PASSWORD},
        )
        assert sent.status_code == 303, sent.text[:300]
        code_page = client.get("/staff/login/code")
        csrf = CSRF.search(code_page.text)
        assert csrf is not None
        done = client.post(
            "/staff/login/code",
            data={"csrf": csrf.group(1), "code": code_at(self.secrets[user], self.clock.now())},
        )
        assert done.status_code == 303, done.text[:300]
        assert done.headers["location"] == "/staff"
        home = client.get("/staff")
        assert home.status_code == 200, home.text[:300]
        found = CSRF.search(home.text)
        assert found is not None
        return found.group(1)


def build_staff_site(
    store: Store,
    standard: Standard,
    clock: FixedClock,
    root: Path,
    *,
    upload_max_bytes: int = 1 << 22,
) -> StaffSite:
    """Agencies, accounts and the app (staff pages on) over ``store``."""
    csv = write_stops_csv(root / "stops.csv", 300, seed=7)
    agencies = root / "agencies"
    agency_folder(agencies, AGENCY, csv)
    agency_folder(agencies, OTHER, csv)
    operator = Principal.operator()
    secrets = {}
    for user, grants in USERS.items():
        secrets[user] = add_user(
            store, user, PASSWORD, display_name=user.title(), actor=operator, clock=clock
        )
        for role, agency in grants:
            grant(store, user, role, agency, actor=operator, clock=clock)
    staff = Staff(
        store=store,
        clock=clock,
        standard=standard,
        data_dir=root / "data",
        agencies_dir=agencies,
        upload_max_bytes=upload_max_bytes,
    )
    app = create_app(Portal(store, root / "data", ttl=0), rate=1e6, burst=10**6, staff=staff)
    return StaffSite(store=store, clock=clock, root=root, csv=csv, app=app, secrets=secrets)
