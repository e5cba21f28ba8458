"""Rotating addresses do not buy more guesses: one account locks at the 5th failure (D.39).

101 failed sign-ins within an hour against one account, each from a different client address
(so no per-address limit applies): the account locks at the 5th, after which even the right
password is refused with the same message; every attempt is recorded with its address. The
lock holds until an administrator releases it (ADR 0007 §7, the documented behaviour: an
attacker can lock an account, never sign in to it); the unlock restores access at once.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from openblotter.accounts import Principal, unlock
from openblotter.accounts.lockout import MAX_FAILURES
from tests.security.world import browser_for, csrf_of
from tests.web.staff_support import PASSWORD

if TYPE_CHECKING:
    from tests.web.staff_support import StaffSite

ATTEMPTS = 101
RIGHT_AT = 50  # this attempt sends the right password


def _attempt(site: StaffSite, address: str, password: str) -> int:
    with browser_for(site, address) as browser:
        token = csrf_of(browser.get("/staff/login"))
        form = {"csrf": token, "user_name": "olivia", "password": password}
        status = browser.post("/staff/login", data=form).status_code
    if site.store.dialect == "postgres":  # one connection per thread: see test_resources.py
        site.store.close()
    return status


def test_lockout__101_addresses_against_one_account_stop_at_the_fifth(site: StaffSite) -> None:
    addresses = [f"192.0.2.{i + 1}" if i < 254 else f"2001:db8::{i}" for i in range(ATTEMPTS)]
    statuses, states = [], []
    for i, address in enumerate(addresses):
        site.tick(35)  # 101 attempts within an hour
        statuses.append(
            _attempt(site, address, PASSWORD if i == RIGHT_AT else "guess " * 2 + str(i))
        )
        states.append(
            site.store.query("SELECT status FROM users WHERE user_name = 'olivia'").scalar()
        )
    assert statuses == [401] * ATTEMPTS  # the right password at attempt 51 changes nothing
    assert states == ["active"] * (MAX_FAILURES - 1) + ["locked"] * (ATTEMPTS - MAX_FAILURES + 1)
    assert _attempt(site, "198.51.100.1", PASSWORD) == 401
    failures = site.store.query("SELECT client FROM login_failures WHERE user_name = 'olivia'").rows
    assert sorted(c for (c,) in failures) == sorted([*addresses, "198.51.100.1"])
    log = site.store.query(
        "SELECT action, outcome, client FROM audit_log WHERE actor = 'olivia' ORDER BY idx"
    ).rows
    tried = [(a, o, c) for a, o, c in log if a == "session.login"]
    assert tried == [("session.login", "failed", c) for c in [*addresses, "198.51.100.1"]]
    assert [(a, c) for a, o, c in log if a == "session.lockout"] == [
        ("session.lockout", addresses[MAX_FAILURES - 1])
    ]
    first, last = site.store.query(
        "SELECT min(failed_at), max(failed_at) FROM login_failures WHERE user_name = 'olivia'"
    ).rows[0]
    assert last - first < dt.timedelta(hours=1)
    unlock(site.store, "olivia", actor=Principal.operator("tester"), clock=site.clock)
    site.sign_in(site.client(), "olivia")  # the lock held until an administrator released it
