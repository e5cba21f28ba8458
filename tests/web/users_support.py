"""Helpers of the account-page tests: signed-in clients, codes, audit entries, the forms.

Tests using them hash at argon2id's smallest cost (the ``cheap_argon2`` fixture of tests/conftest.py):
the same code path, milliseconds per hash; the production parameters are tested in tests/accounts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from openblotter.accounts.totp import code_at, code_for_step, step_at
from openblotter.audit import entries
from tests.web.staff_support import AGENCY, OTHER

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.web.staff_support import StaffSite

SECRET = re.compile(r"secret=([A-Z2-7]+)")
TOKEN = re.compile(r"(obt_[0-9a-f]+_[A-Za-z0-9_-]+)")
NEW_PASSWORD = "a quite different passphrase 7"  # noqa: S105 - a test account
COOKIE = "blotter_session"


def log(site: StaffSite, action: str, outcome: str | None = None) -> list[dict[str, object]]:
    """Entries of one action, oldest first, leaving out the set-up (the operator's)."""
    found = reversed(entries(site.store, limit=1000, action=action))
    return [
        e
        for e in found
        if (outcome is None or e["outcome"] == outcome) and not str(e["actor"]).startswith("cli:")
    ]


def signed_in(site: StaffSite, user: str) -> tuple[TestClient, str]:
    client = site.client()
    return client, site.sign_in(client, user)


def next_code(site: StaffSite, user: str) -> str:
    """The code of the next 30-second step (a used step is never accepted again)."""
    site.tick()
    return code_at(site.secrets[user], site.clock.now())


def wrong_code(site: StaffSite, user: str) -> str:
    """A six-digit code that matches none of the steps the server would accept now."""
    step = step_at(site.clock.now())
    valid = {code_for_step(site.secrets[user], s) for s in (step - 1, step, step + 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def stale(site: StaffSite) -> None:
    """Let more than five minutes pass since the last password and code."""
    site.tick(6 * 60)


def counts(site: StaffSite) -> tuple[object, ...]:
    q = site.store.query
    return (
        q("SELECT count(*) FROM users").scalar(),
        q("SELECT count(*) FROM grants").scalar(),
        q("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL").scalar(),
        q("SELECT count(*) FROM users WHERE status = 'active'").scalar(),
        q("SELECT max(password_changed_at) FROM users").scalar(),
        q("SELECT count(*) FROM audit_log WHERE outcome = 'succeeded'").scalar(),
    )


def audit_text(site: StaffSite) -> str:
    return "\n".join(
        " ".join(str(v) for v in entry.values()) for entry in entries(site.store, limit=1000)
    )


#: every POST of the administrator's pages, with a valid body (all but the CSRF token)
ADMIN_POSTS = {
    "/staff/users": {"user_name": "nina", "display_name": "Nina", "password": NEW_PASSWORD},
    "/staff/users/otto/grant": {"role": "supervisor", "agency": OTHER},
    "/staff/users/olivia/revoke": {"role": "data_officer", "agency": AGENCY},
    "/staff/users/olivia/disable": {"reason": "test"},
    "/staff/users/olivia/enable": {},
    "/staff/users/olivia/unlock": {},
}
OWN_POSTS = {
    "/staff/account/password": {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    "/staff/account/totp": {},
    "/staff/account/tokens": {"grant": f"data_officer:{AGENCY}", "days": "30"},
    "/staff/tokens/{token}/revoke": {},
}
