"""A failed sign-in does not say whether the account exists: same answer, same time (D.45).

At the web: an unknown name, a wrong password, a locked and a disabled account get the same
status and the same page (but for the form's CSRF token), and none gets a session cookie. At
the domain (``accounts.login_password``), with the production argon2 parameters: the median time
of 200 refusals of an unknown name is within a factor of 3 of the median of 200 refusals of an
existing account (an unknown name costs one argon2 verification of a dummy hash). The factor
is generous on purpose: this is a property, not a benchmark; without the dummy verification
the ratio is about 25 on the machine this was written on.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING

import pytest

from openblotter.accounts import (
    FAILED_LOGIN,
    Principal,
    add_user,
    disable,
    login_password,
)
from openblotter.accounts.lockout import MAX_FAILURES, WINDOW
from openblotter.errors import AuthenticationError
from tests.security.world import csrf_of
from tests.web.staff_support import CSRF, PASSWORD

if TYPE_CHECKING:
    from openblotter.clock import FixedClock
    from openblotter.storage import Store
    from tests.web.staff_support import StaffSite

TRIES = 200
FACTOR = 3.0


def test_login__every_refusal_reads_the_same(site: StaffSite) -> None:
    operator = Principal.operator("tester")
    disable(site.store, "adam", actor=operator, clock=site.clock, reason="left")
    attempts = {
        "unknown name": ("nobody", PASSWORD),
        "wrong password": ("olivia", "not the password at all"),
        "disabled account": ("adam", PASSWORD),
    }
    for _ in range(MAX_FAILURES):  # sam's account locks
        browser = site.client()
        token = csrf_of(browser.get("/staff/login"))
        browser.post("/staff/login", data={"csrf": token, "user_name": "sam", "password": "x" * 9})
    assert site.store.query("SELECT status FROM users WHERE user_name = 'sam'").scalar() == "locked"
    attempts["locked account, wrong password"] = ("sam", "not the password at all")
    attempts["locked account, right password"] = ("sam", PASSWORD)
    pages = {}
    for label, (name, password) in attempts.items():
        browser = site.client()
        token = csrf_of(browser.get("/staff/login"))
        answer = browser.post(
            "/staff/login", data={"csrf": token, "user_name": name, "password": password}
        )
        assert answer.status_code == 401, label
        assert "blotter_session" not in answer.headers.get("set-cookie", ""), label
        pages[label] = CSRF.sub("", answer.text)
        assert FAILED_LOGIN.split(",")[0] in pages[label]
        assert f'value="{name}"' not in pages[label], label  # the typed name is not echoed
    assert len(set(pages.values())) == 1, pages.keys()


@pytest.mark.slow
def test_login__unknown_and_existing_names_take_comparable_time(
    store: Store, clock: FixedClock, production_argon2: None
) -> None:
    add_user(
        store, "maria", PASSWORD, display_name="Maria", actor=Principal.operator(), clock=clock
    )
    times: dict[str, list[float]] = {"nobody": [], "maria": []}
    messages = set()
    for i in range(TRIES):
        for name in ("nobody", "maria") if i % 2 else ("maria", "nobody"):  # drift hits both
            start = time.perf_counter()
            with pytest.raises(AuthenticationError) as refused:
                login_password(store, name, "not the password", client="192.0.2.1", clock=clock)
            times[name].append(time.perf_counter() - start)
            messages.add(str(refused.value))
        clock.at += WINDOW / (MAX_FAILURES - 1)  # never five failures within the window
    assert messages == {FAILED_LOGIN}
    assert store.query("SELECT status FROM users WHERE user_name = 'maria'").scalar() == "active"
    unknown, existing = statistics.median(times["nobody"]), statistics.median(times["maria"])
    ratio = max(unknown, existing) / min(unknown, existing)
    assert ratio < FACTOR, f"median {unknown * 1000:.1f} ms unknown vs {existing * 1000:.1f} ms"
