"""Logging in (RELIABILITY D.38, D.40, D.45): lockout, second factor, one message, new token."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import argon2
import pytest

from openblotter.accounts import (
    FAILED_LOGIN,
    Principal,
    login_password,
    login_totp,
    lookup,
    unlock,
)
from openblotter.accounts.lockout import MAX_FAILURES, WINDOW
from openblotter.accounts.sessions import token_hash
from openblotter.accounts.totp import code_at, code_for_step, step_at
from openblotter.errors import AuthenticationError
from tests.accounts.conftest import AGENCY, PASSWORD, audit_rows, make_user, next_code
from tests.conftest import CHEAP

if TYPE_CHECKING:
    from openblotter.clock import FixedClock
    from openblotter.storage.base import Store

WRONG = "not the right password"


def _fail(store: Store, clock: FixedClock, name: str, password: str = WRONG) -> str:
    with pytest.raises(AuthenticationError) as caught:
        login_password(store, name, password, client="203.0.113.9", clock=clock)
    return str(caught.value)


def test_login__five_failures_in_15_minutes_lock_and_an_unlock_restores(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    secret = make_user(store, clock, "maria", ("data_officer", AGENCY))
    before = len(audit_rows(store))
    for _ in range(MAX_FAILURES):
        _fail(store, clock, "maria")
        clock.at += dt.timedelta(minutes=2)
    status = store.query("SELECT status FROM users WHERE user_name = 'maria'").scalar()
    assert status == "locked"
    # the 6th attempt, with the right password, fails with the same message
    assert _fail(store, clock, "maria", PASSWORD) == FAILED_LOGIN
    clock.at += dt.timedelta(hours=3)  # no timed release: it stays locked
    assert _fail(store, clock, "maria", PASSWORD) == FAILED_LOGIN
    unlock(store, "maria", actor=operator, clock=clock)
    pending = login_password(store, "maria", PASSWORD, client="203.0.113.9", clock=clock)
    session = login_totp(store, pending, next_code(secret, clock), client="", clock=clock)
    assert session.stage == "active"
    # every event in the log exactly once, in order
    events = [
        (e["actor"], e["action"], e["outcome"], e["reason"]) for e in audit_rows(store)[before:]
    ]
    assert events == [
        *[("maria", "session.login", "failed", "wrong password")] * 5,
        (
            "maria",
            "session.lockout",
            "succeeded",
            "locked after 5 failed log-ins within 15 minutes",
        ),
        ("maria", "session.login", "failed", "account locked"),
        ("maria", "session.login", "failed", "account locked"),
        ("cli:tester", "user.unlock", "succeeded", "was locked"),
        ("maria", "session.login", "succeeded", ""),
    ]
    assert all(e["client"] == "203.0.113.9" for e in audit_rows(store)[before : before + 7])


def test_login__failures_spread_over_more_than_15_minutes_do_not_lock(
    store: Store, clock: FixedClock
) -> None:
    make_user(store, clock, "maria")
    for _ in range(3 * MAX_FAILURES):
        _fail(store, clock, "maria")
        clock.at += WINDOW / (MAX_FAILURES - 1)  # 5 failures always span 15 minutes or more
    status = store.query("SELECT status FROM users WHERE user_name = 'maria'").scalar()
    assert status == "active"
    assert login_password(store, "maria", PASSWORD, client="", clock=clock)


def test_login__a_full_log_in_forgets_earlier_failures(store: Store, clock: FixedClock) -> None:
    secret = make_user(store, clock, "maria")
    for _ in range(MAX_FAILURES - 1):
        _fail(store, clock, "maria")
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    login_totp(store, pending, next_code(secret, clock), client="", clock=clock)
    for _ in range(MAX_FAILURES - 1):
        _fail(store, clock, "maria")
    assert store.query("SELECT status FROM users WHERE user_name = 'maria'").scalar() == "active"


def test_login__unknown_user_and_wrong_password_look_the_same(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    make_user(store, clock, "maria")
    make_user(store, clock, "gone")
    from openblotter.accounts import disable

    disable(store, "gone", actor=operator, clock=clock, reason="left")
    unknown = _fail(store, clock, "nobody", PASSWORD)
    wrong = _fail(store, clock, "maria", WRONG)
    disabled = _fail(store, clock, "gone", PASSWORD)
    assert unknown == wrong == disabled == FAILED_LOGIN
    assert "maria" not in wrong
    assert "nobody" not in unknown
    reasons = [(e["actor"], e["reason"]) for e in audit_rows(store, action="session.login")]
    assert reasons == [
        ("nobody", "unknown user name"),
        ("maria", "wrong password"),
        ("gone", "account disabled"),
    ]


def test_login__a_password_typed_as_the_user_name_is_not_logged(
    store: Store, clock: FixedClock
) -> None:
    _fail(store, clock, "Secret Passphrase 42!", PASSWORD)
    [entry] = audit_rows(store)
    assert entry["actor"] == "(not a user name)"
    assert "Secret" not in str(entry)
    failure = store.query("SELECT user_name FROM login_failures").scalar()
    assert failure == "(not a user name)"


def test_login__an_unknown_user_costs_one_argon2_verification(
    store: Store, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openblotter.accounts import passwords

    verified: list[str] = []

    class Counting(argon2.PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
            verified.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(passwords._STATE, "hasher", Counting.from_parameters(CHEAP))
    make_user(store, clock, "maria")
    _fail(store, clock, "nobody")
    _fail(store, clock, "maria")
    assert len(verified) == 2
    assert verified[0] == passwords._STATE.dummy
    assert argon2.extract_parameters(verified[0]) == argon2.extract_parameters(verified[1])


def test_login__no_session_without_the_second_factor(store: Store, clock: FixedClock) -> None:
    secret = make_user(store, clock, "maria", ("supervisor", AGENCY))
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    half = lookup(store, pending, clock=clock)
    assert half is not None
    assert half.stage == "password"
    assert half.principal(AGENCY) == Principal.anonymous()
    assert lookup(store, pending, clock=clock, stage="active") is None
    # the pending step does not outlive 5 minutes
    clock.at += dt.timedelta(minutes=6)
    with pytest.raises(AuthenticationError, match="expired"):
        login_totp(store, pending, code_at(secret, clock.at), client="", clock=clock)
    assert audit_rows(store)[-1]["reason"] == "code without a valid first step"


def test_login__the_full_session_has_a_new_token(store: Store, clock: FixedClock) -> None:
    secret = make_user(store, clock, "maria", ("supervisor", AGENCY))
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    session = login_totp(store, pending, next_code(secret, clock), client="ip", clock=clock)
    assert session.token != pending
    assert lookup(store, pending, clock=clock) is None
    assert (
        store.query(
            "SELECT count(*) FROM sessions WHERE session_hash = ?", [token_hash(pending)]
        ).scalar()
        == 0
    )
    assert session.principal(AGENCY) == Principal("maria", "supervisor", AGENCY, "session")
    last_login = store.query("SELECT last_login_at FROM users WHERE user_name = 'maria'").scalar()
    assert last_login == clock.at
    with pytest.raises(AuthenticationError):
        login_totp(store, pending, next_code(secret, clock), client="", clock=clock)


def test_login__a_code_is_never_accepted_twice(store: Store, clock: FixedClock) -> None:
    secret = make_user(store, clock, "maria")
    code = next_code(secret, clock)
    first = login_password(store, "maria", PASSWORD, client="", clock=clock)
    login_totp(store, first, code, client="", clock=clock)
    second = login_password(store, "maria", PASSWORD, client="", clock=clock)
    with pytest.raises(AuthenticationError, match="already used"):
        login_totp(store, second, code, client="", clock=clock)
    # nor a code of an earlier step that is still inside the drift window
    earlier = code_for_step(secret, step_at(clock.at) - 1)
    with pytest.raises(AuthenticationError):
        login_totp(store, second, earlier, client="", clock=clock)
    assert login_totp(store, second, next_code(secret, clock), client="", clock=clock)
    reasons = [e["reason"] for e in audit_rows(store, action="session.login")]
    assert reasons == ["", "wrong or reused code", "wrong or reused code", ""]


def test_login__wrong_codes_count_towards_the_lockout(store: Store, clock: FixedClock) -> None:
    secret = make_user(store, clock, "maria")
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    good = next_code(secret, clock)
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthenticationError):
            login_totp(store, pending, wrong, client="", clock=clock)
    assert store.query("SELECT status FROM users WHERE user_name = 'maria'").scalar() == "locked"
    # the right code no longer helps: the pending session died with the lock
    with pytest.raises(AuthenticationError):
        login_totp(store, pending, good, client="", clock=clock)
    assert lookup(store, pending, clock=clock) is None


def test_login__an_old_hash_is_upgraded_on_log_in(
    store: Store, clock: FixedClock, production_argon2: None
) -> None:
    from openblotter.accounts import passwords

    passwords.use_parameters(CHEAP)
    make_user(store, clock, "maria")
    passwords.use_parameters(None)
    login_password(store, "maria", PASSWORD, client="", clock=clock)
    hashed = store.query("SELECT password_hash FROM users WHERE user_name = 'maria'").scalar()
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_login__user_names_are_not_case_sensitive(store: Store, clock: FixedClock) -> None:
    make_user(store, clock, "maria")
    assert login_password(store, " Maria ", PASSWORD, client="", clock=clock)


def test_login__no_enrolled_second_factor_means_no_session(store: Store, clock: FixedClock) -> None:
    make_user(store, clock, "maria")
    with store.transaction() as tx:
        tx.execute("UPDATE users SET totp_secret = NULL WHERE user_name = 'maria'")
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    with pytest.raises(AuthenticationError):
        login_totp(store, pending, "123456", client="", clock=clock)
    assert audit_rows(store)[-1]["reason"] == "no second factor enrolled"
