"""A staff site with something to act on, and the people who act on it.

``World`` wraps ``tests.web.staff_support.StaffSite`` and adds what every staff route needs an
object for: a batch of the agency and two pending releases built by a second data officer
(``bea``, who also holds an API token), so that every other account meets them as someone
else's work; an account to administer (``tess``) and a locked one (``lou``). ``COLUMNS`` are the
roles of the matrix, each an account of ``staff_support`` (or nobody, for the public).
``snapshot`` is the state a request must not change unless it is allowed to.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from fastapi.testclient import TestClient

from openblotter.accounts import Principal, add_user, grant, issue, login_password
from openblotter.accounts.lockout import MAX_FAILURES
from openblotter.accounts.totp import code_at
from openblotter.errors import AuthenticationError
from openblotter.testing import write_stops_csv
from tests.web.staff_support import AGENCY, CSRF, PASSWORD, USERS, StaffSite

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from openblotter.storage import Store

BUILDER = "bea"
"""A data officer of ``AGENCY`` who builds the releases the others then meet (and holds a token)."""
TARGET = "tess"
"""A data officer of ``AGENCY`` whom the account pages act on (grant, revoke, disable, enable)."""
LOCKED = "lou"
"""An account locked after five failed log-ins (for the unlock form)."""
NEW_PASSWORD = "a completely different passphrase 7"  # noqa: S105 - a test account

COLUMNS: dict[str, str | None] = {
    "public": None,
    "data_officer": "olivia",
    "data_officer of another agency": "otto",
    "supervisor": "sam",
    "auditor": "audrey",
    "admin": "adam",
}
"""The matrix's columns: a role and the account that holds it (None: the anonymous public)."""

READS = ("ingest.view", "audit.read", "user.list")
"""Actions whose audit entry records a read (every read of restricted data is an entry)."""


def principals(user: str | None) -> list[Principal]:
    """The principals a request by ``user`` may act as (one per grant)."""
    if user is None:
        return [Principal.anonymous()]
    grants = USERS.get(user, [("data_officer", AGENCY)])
    return [Principal(user, role, agency, "session") for role, agency in grants]


@dataclass
class World:
    """The site, one batch of ``AGENCY``, two of its releases waiting for a decision, a token.

    Browsers it opens stay open until ``close``; ``passwords`` follows password changes.
    """

    site: StaffSite
    batch: int
    to_approve: str
    to_reject: str
    token_id: str  # an API token of BUILDER's
    browsers: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        """The site's store."""
        return self.site.store

    def client(self, address: str = "testclient") -> TestClient:
        """A browser over HTTPS from ``address``, following no redirects, open until ``close``.

        Open, it serves every request from one event-loop thread: the PostgreSQL store keeps a
        connection per thread, and a browser opening one per request would exhaust the server.
        """
        return self.browsers.enter_context(browser_for(self.site, address))

    def close(self) -> None:
        """Close every browser this world opened."""
        self.browsers.close()

    def signed_in(self, user: str, address: str = "testclient") -> tuple[TestClient, str]:
        """A browser in which ``user`` signed in through the pages, and its CSRF token.

        Every step of the sign-in must succeed: the page, the password, the code page, the code.
        """
        site, browser = self.site, self.client(address)
        site.tick()
        token = csrf_of(_ok(browser.get("/staff/login"), 200))
        password = self.passwords.get(user, PASSWORD)
        form = {"csrf": token, "user_name": user, "password": password}
        _ok(browser.post("/staff/login", data=form), 303)
        csrf = csrf_of(_ok(browser.get("/staff/login/code"), 200))
        code = code_at(site.secrets[user], site.clock.now())
        done = _ok(browser.post("/staff/login/code", data={"csrf": csrf, "code": code}), 303)
        assert done.headers["location"] == "/staff"
        return browser, csrf_of(_ok(browser.get("/staff"), 200))

    def fresh_csv(self, seed: int) -> bytes:
        """A stops file no batch has loaded yet (another seed, so new data)."""
        path = write_stops_csv(self.site.root / f"fresh-{seed}.csv", 300, seed=seed)
        return path.read_bytes()


def upload(browser: TestClient, csrf: str, content: bytes, name: str = "stops.csv") -> Any:
    """Post ``content`` to the agency's upload form with the synthetic stops mapping."""
    return browser.post(
        f"/staff/agencies/{AGENCY}/upload",
        data={"csrf": csrf, "mapping": "stops_synthetic"},
        files={"file": (name, content, "text/csv")},
    )


def _build(site: StaffSite, browser: TestClient, csrf: str, reason: str) -> str:
    built = browser.post(
        f"/staff/agencies/{AGENCY}/releases", data={"csrf": csrf, "reason": reason}
    )
    assert built.status_code == 303, built.text[:300]
    newest = site.store.query(
        "SELECT release_id FROM releases WHERE agency_slug = ? ORDER BY version DESC LIMIT 1",
        [AGENCY],
    ).scalar()
    return str(newest)[:16]


def browser_for(site: StaffSite, address: str = "testclient", **options: Any) -> TestClient:
    """A browser over HTTPS from ``address`` that follows no redirects (not yet opened)."""
    app = cast("ASGIApp", site.app)
    return TestClient(
        app, base_url="https://testserver", follow_redirects=False, client=(address, 1), **options
    )


def _ok(response: Any, status: int) -> Any:
    text = response.text
    assert response.status_code == status, (response.status_code, text[text.find("<main") :][:400])
    return response


def build_world(site: StaffSite) -> World:
    """Add ``bea``, ``tess`` and ``lou`` (locked); bea builds two releases (both pending)."""
    operator = Principal.operator("tester")
    store, clock = site.store, site.clock
    for name in (BUILDER, TARGET, LOCKED):
        site.secrets[name] = add_user(
            store, name, PASSWORD, display_name=name.title(), actor=operator, clock=clock
        )
        grant(store, name, "data_officer", AGENCY, actor=operator, clock=clock)
    for _ in range(MAX_FAILURES):
        with contextlib.suppress(AuthenticationError):
            login_password(store, LOCKED, "not the password", client="203.0.113.1", clock=clock)
    assert (
        store.query("SELECT status FROM users WHERE user_name = ?", [LOCKED]).scalar() == "locked"
    )
    issue(store, BUILDER, agency=AGENCY, role="data_officer", days=30, actor=operator, clock=clock)
    token_id = str(store.query("SELECT token_id FROM api_tokens").scalar())
    browsers = contextlib.ExitStack()
    browser = browsers.enter_context(browser_for(site))
    csrf = site.sign_in(browser, BUILDER)
    sent = upload(browser, csrf, site.csv.read_bytes())
    assert sent.status_code == 303, sent.text[:300]
    batch = int(sent.headers["location"].rsplit("/", 1)[1])
    to_approve = _build(site, browser, csrf, "first release")
    second = write_stops_csv(site.root / "second.csv", 320, seed=11).read_bytes()
    assert upload(browser, csrf, second).status_code == 303
    to_reject = _build(site, browser, csrf, "second release")
    assert to_approve != to_reject
    return World(site, batch, to_approve, to_reject, token_id, browsers)


def csrf_of(response: Any) -> str:
    """The CSRF token a page's form carries."""
    found = CSRF.search(response.text)
    assert found is not None, response.text[:300]
    return found.group(1)


def audit_rows(store: Store) -> list[tuple[Any, ...]]:
    """Every audit entry, all columns, in index order."""
    from openblotter.audit.log import COLUMNS as AUDIT_COLUMNS

    sql = f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_log ORDER BY idx"
    return [tuple(row) for row in store.query(sql).rows]


def entries_since(store: Store, size: int) -> list[dict[str, Any]]:
    """Entries appended after the log had ``size`` of them, oldest first."""
    return store.query(
        "SELECT actor, role, action, object, outcome, reason, client FROM audit_log"
        " WHERE idx >= ? ORDER BY idx",
        [size],
    ).as_dicts()


def audit_size(store: Store) -> int:
    """How many entries the log holds."""
    return int(store.query("SELECT count(*) FROM audit_log").scalar() or 0)


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a refused or read-only request must leave as it was.

    Sessions' ``last_seen_at`` is left out (a read moves it on), and so are audit entries that
    record a refusal or a read: what counts is every other entry.
    """
    reads = ", ".join(f"'{action}'" for action in READS)
    queries = {
        "batches": "SELECT batch_id, status, rows_loaded FROM batches",
        "releases": "SELECT release_id, status FROM releases",
        "approvals": "SELECT release_id, decided_by, decision, reason FROM release_approvals",
        "users": "SELECT user_name, status, password_hash, totp_secret, totp_last_step FROM users",
        "grants": "SELECT user_name, role, agency_slug FROM grants",
        "api_tokens": "SELECT token_id, revoked_at FROM api_tokens",
        "login_failures": "SELECT user_name, client FROM login_failures",
        "sessions": "SELECT session_hash, user_name, stage FROM sessions",
        "audit writes": "SELECT idx, actor, action, object FROM audit_log"
        f" WHERE outcome = 'succeeded' AND action NOT IN ({reads})",
    }
    return {
        name: sorted((tuple(row) for row in store.query(sql).rows), key=repr)
        for name, sql in queries.items()
    }
