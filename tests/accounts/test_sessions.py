"""Sessions (RELIABILITY D.42-D.44): 30-minute idle, 12-hour limit, logout, re-authentication."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from openblotter.accounts import (
    Principal,
    Session,
    close,
    close_all,
    login_password,
    login_totp,
    lookup,
    reauthenticate,
    requires_fresh,
)
from openblotter.accounts.sessions import choose, purge_expired, token_hash
from openblotter.accounts.totp import code_at
from openblotter.errors import AuthenticationError
from tests.accounts.conftest import (
    AGENCY,
    OTHER_AGENCY,
    PASSWORD,
    audit_rows,
    make_user,
    next_code,
)

if TYPE_CHECKING:
    from openblotter.clock import FixedClock
    from openblotter.storage.base import Store


def _session(
    store: Store, clock: FixedClock, *grants: tuple[str, str | None]
) -> tuple[Session, str]:
    secret = make_user(store, clock, "maria", *grants)
    pending = login_password(store, "maria", PASSWORD, client="192.0.2.1", clock=clock)
    return login_totp(
        store, pending, next_code(secret, clock), client="192.0.2.1", clock=clock
    ), secret


def test_lookup__only_a_hash_of_the_token_is_stored(store: Store, clock: FixedClock) -> None:
    session, _ = _session(store, clock)
    [(stored, csrf, client)] = store.query(
        "SELECT session_hash, csrf_token, client FROM sessions"
    ).rows
    assert stored == token_hash(session.token)
    assert session.token not in stored
    assert len(session.token) >= 43  # 32 random bytes
    assert csrf == session.csrf_token
    assert csrf != session.token
    assert client == "192.0.2.1"
    assert session.token not in repr(session)


def test_lookup__idle_30_minutes_ends_the_session(store: Store, clock: FixedClock) -> None:
    session, _ = _session(store, clock)
    for _ in range(5):  # active use keeps it alive
        clock.at += dt.timedelta(minutes=29)
        assert lookup(store, session.token, clock=clock) is not None
    clock.at += dt.timedelta(minutes=30, seconds=1)
    assert lookup(store, session.token, clock=clock) is None
    assert store.query("SELECT count(*) FROM sessions").scalar() == 0


def test_lookup__12_hours_is_the_limit_however_active(store: Store, clock: FixedClock) -> None:
    session, _ = _session(store, clock)
    start = clock.at
    while clock.at - start < dt.timedelta(hours=11, minutes=50):
        clock.at += dt.timedelta(minutes=10)
        assert lookup(store, session.token, clock=clock) is not None
    clock.at = start + dt.timedelta(hours=12, seconds=1)
    assert lookup(store, session.token, clock=clock) is None


def test_lookup__last_seen_is_written_at_most_once_a_minute(
    store: Store, clock: FixedClock
) -> None:
    session, _ = _session(store, clock)
    start = clock.at
    clock.at += dt.timedelta(seconds=59)
    assert lookup(store, session.token, clock=clock) is not None
    assert store.query("SELECT last_seen_at FROM sessions").scalar() == start
    clock.at += dt.timedelta(seconds=1)
    found = lookup(store, session.token, clock=clock)
    assert found is not None
    assert found.last_seen_at == clock.at
    assert store.query("SELECT last_seen_at FROM sessions").scalar() == clock.at


def test_lookup__unknown_and_absurd_tokens(store: Store, clock: FixedClock) -> None:
    assert lookup(store, "", clock=clock) is None
    assert lookup(store, "x" * 10_000, clock=clock) is None
    assert lookup(store, "no-such-token", clock=clock) is None


def test_close__logout_is_refused_on_the_server_afterwards(store: Store, clock: FixedClock) -> None:
    session, _ = _session(store, clock, ("data_officer", AGENCY))
    assert close(store, session.token, clock=clock, client="192.0.2.1")
    assert lookup(store, session.token, clock=clock) is None
    assert not close(store, session.token, clock=clock)
    entry = audit_rows(store)[-1]
    assert (entry["actor"], entry["role"], entry["action"], entry["client"]) == (
        "maria",
        "data_officer",
        "session.logout",
        "192.0.2.1",
    )
    assert len(audit_rows(store, action="session.logout")) == 1


def test_close_all__in_the_callers_transaction(store: Store, clock: FixedClock) -> None:
    session, secret = _session(store, clock)
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    other = login_totp(store, pending, next_code(secret, clock), client="", clock=clock)
    with store.transaction() as tx:
        close_all(tx, "maria", keep=other.token)
    assert lookup(store, session.token, clock=clock) is None
    assert lookup(store, other.token, clock=clock) is not None

    def close_then_fail() -> None:
        with store.transaction() as tx:
            close_all(tx, "maria")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        close_then_fail()
    assert lookup(store, other.token, clock=clock) is not None


def test_lookup__a_locked_account_has_no_live_session(store: Store, clock: FixedClock) -> None:
    session, _ = _session(store, clock)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            login_password(store, "maria", "wrong password!", client="", clock=clock)
    assert lookup(store, session.token, clock=clock) is None


def test_requires_fresh__and_reauthenticate(store: Store, clock: FixedClock) -> None:
    session, secret = _session(store, clock, ("supervisor", AGENCY))
    assert not requires_fresh(session, clock)
    clock.at += dt.timedelta(minutes=5, seconds=1)
    current = lookup(store, session.token, clock=clock)
    assert current is not None
    assert requires_fresh(current, clock)
    assert not requires_fresh(current, clock, minutes=10)
    with pytest.raises(AuthenticationError):
        reauthenticate(
            store, session.token, "wrong password!", next_code(secret, clock), clock=clock
        )
    with pytest.raises(AuthenticationError):
        reauthenticate(store, session.token, PASSWORD, "000000", clock=clock)
    fresh = reauthenticate(store, session.token, PASSWORD, next_code(secret, clock), clock=clock)
    assert fresh.token != session.token  # a new token after re-authentication (ASVS 7.2.4)
    assert lookup(store, session.token, clock=clock) is None
    again = lookup(store, fresh.token, clock=clock)
    assert again is not None
    assert again.authenticated_at == clock.at
    assert not requires_fresh(again, clock)
    assert again.created_at == session.created_at  # the 12-hour limit still counts from log-in
    events = [(e["action"], e["outcome"]) for e in audit_rows(store)][-3:]
    assert events == [
        ("session.reauthenticate", "failed"),
        ("session.reauthenticate", "failed"),
        ("session.reauthenticate", "succeeded"),
    ]
    # the code just used cannot re-authenticate again
    with pytest.raises(AuthenticationError):
        reauthenticate(store, fresh.token, PASSWORD, code_at(secret, clock.at), clock=clock)


def test_reauthenticate__needs_a_live_session(store: Store, clock: FixedClock) -> None:
    with pytest.raises(AuthenticationError, match="log in again"):
        reauthenticate(store, "no-such-token", PASSWORD, "123456", clock=clock)


def test_requires_fresh__a_pending_session_is_never_fresh(store: Store, clock: FixedClock) -> None:
    make_user(store, clock, "maria")
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    half = lookup(store, pending, clock=clock)
    assert half is not None
    assert requires_fresh(half, clock)


def test_purge_expired__deletes_only_expired_sessions(store: Store, clock: FixedClock) -> None:
    session, secret = _session(store, clock)
    clock.at += dt.timedelta(minutes=20)
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    later = login_totp(store, pending, next_code(secret, clock), client="", clock=clock)
    clock.at += dt.timedelta(minutes=15)
    assert purge_expired(store, clock=clock) == 1
    assert lookup(store, later.token, clock=clock) is not None
    assert lookup(store, session.token, clock=clock) is None


@pytest.mark.parametrize(
    ("grants", "agency", "role", "expected"),
    [
        ((), None, None, ("public", None)),
        ((("data_officer", AGENCY),), None, None, ("data_officer", AGENCY)),
        ((("data_officer", AGENCY),), OTHER_AGENCY, None, ("public", None)),
        ((("data_officer", AGENCY), ("supervisor", AGENCY)), AGENCY, None, ("supervisor", AGENCY)),
        (
            (("data_officer", AGENCY), ("supervisor", AGENCY)),
            AGENCY,
            "data_officer",
            ("data_officer", AGENCY),
        ),
        ((("data_officer", AGENCY), ("supervisor", OTHER_AGENCY)), None, None, ("public", None)),
        (
            (("data_officer", AGENCY), ("supervisor", OTHER_AGENCY)),
            OTHER_AGENCY,
            None,
            ("supervisor", OTHER_AGENCY),
        ),
        ((("admin", None), ("data_officer", AGENCY)), None, None, ("admin", None)),
        ((("admin", None), ("data_officer", AGENCY)), AGENCY, None, ("data_officer", AGENCY)),
        ((("auditor", None), ("commenter", None)), AGENCY, None, ("auditor", None)),
        ((("commenter", None),), None, "admin", ("public", None)),
    ],
)
def test_choose__the_role_a_session_acts_in(
    grants: tuple[tuple[str, str | None], ...],
    agency: str | None,
    role: str | None,
    expected: tuple[str, str | None],
) -> None:
    principal = choose("maria", grants, agency=agency, role=role)
    assert (principal.role, principal.agency) == expected
    assert principal.user == "maria"
    assert principal.via == "session"


def test_session_principal__before_the_second_factor_is_the_public() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    half = Session("t", "maria", "password", "c", now, now, None, "", (("admin", None),))
    assert half.principal() == Principal.anonymous()
