"""Accounts on both stores: create, disable, enable, unlock, grant, revoke, expire; all audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from openblotter.accounts import (
    Principal,
    add_user,
    change_password,
    disable,
    disable_inactive,
    enable,
    grant,
    list_users,
    login_password,
    login_totp,
    lookup,
    reset_totp,
    revoke,
    roles_of,
    unlock,
    verify_password,
)
from openblotter.accounts.totp import check, code_at
from openblotter.errors import (
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    WeakPasswordError,
)
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

ADMIN = Principal("adam", "admin", None, "session")


def _sign_in(store: Store, clock: FixedClock, name: str, secret: str) -> str:
    pending = login_password(store, name, PASSWORD, client="198.51.100.7", clock=clock)
    return login_totp(store, pending, next_code(secret, clock), client="", clock=clock).token


def test_add_user__stores_a_hash_and_a_totp_secret_and_audits(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    secret = add_user(
        store, "maria.lopez", PASSWORD, display_name="María López", actor=operator, clock=clock
    )
    row = store.query(
        "SELECT display_name, password_hash, totp_secret, totp_last_step, status, created_at,"
        " last_login_at FROM users WHERE user_name = 'maria.lopez'"
    ).rows[0]
    display, hashed, stored_secret, last_step, status, created, last_login = row
    assert display == "María López"
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert stored_secret == secret
    assert check(secret, code_at(secret, clock.at), clock.at, None) is not None
    assert (last_step, status, last_login) == (None, "active", None)
    assert created == clock.at
    assert roles_of(store, "maria.lopez") == []
    [entry] = audit_rows(store)
    assert (entry["actor"], entry["role"], entry["action"], entry["object"], entry["outcome"]) == (
        "cli:tester",
        "operator",
        "user.add",
        "user:maria.lopez",
        "succeeded",
    )
    assert secret not in str(entry)


@pytest.mark.parametrize(
    "name", ["M", "a", "Maria", "-maria", "maria lopez", "maria@x", "x" * 65, "anonymous", ""]
)
def test_add_user__refuses_bad_user_names(
    store: Store, clock: FixedClock, operator: Principal, name: str
) -> None:
    with pytest.raises(ConfigError):
        add_user(store, name, PASSWORD, display_name="X", actor=operator, clock=clock)
    assert store.query("SELECT count(*) FROM users").scalar() == 0


def test_add_user__refuses_weak_passwords_and_duplicates(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    with pytest.raises(WeakPasswordError):
        add_user(store, "maria", "password1", display_name="M", actor=operator, clock=clock)
    with pytest.raises(WeakPasswordError):
        add_user(store, "maria", "maria-2026!", display_name="M", actor=operator, clock=clock)
    make_user(store, clock, "maria")
    with pytest.raises(ConfigError, match="already"):
        add_user(store, "maria", PASSWORD, display_name="M", actor=operator, clock=clock)
    assert [e["action"] for e in audit_rows(store)] == ["user.add"]


def test_add_user__denied_to_a_data_officer_and_the_refusal_is_audited(
    store: Store, clock: FixedClock
) -> None:
    officer = Principal("dana", "data_officer", AGENCY, "session")
    with pytest.raises(PermissionDeniedError, match=r"data_officer role may not do user\.add"):
        add_user(
            store, "eve", PASSWORD, display_name="Eve", actor=officer, clock=clock, client="c1"
        )
    assert store.query("SELECT count(*) FROM users").scalar() == 0
    [entry] = audit_rows(store)
    assert (entry["actor"], entry["action"], entry["outcome"], entry["client"]) == (
        "dana",
        "user.add",
        "denied",
        "c1",
    )


def test_disable__ends_every_session_of_the_account_at_once(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    secret = make_user(store, clock, "maria", ("data_officer", AGENCY))
    first = _sign_in(store, clock, "maria", secret)
    second = _sign_in(store, clock, "maria", secret)
    assert lookup(store, first, clock=clock) is not None
    disable(store, "maria", actor=operator, clock=clock, reason="left the agency")
    assert lookup(store, first, clock=clock) is None
    assert lookup(store, second, clock=clock) is None
    assert store.query("SELECT count(*) FROM sessions").scalar() == 0
    with pytest.raises(AuthenticationError):
        login_password(store, "maria", PASSWORD, client="", clock=clock)
    entry = audit_rows(store, action="user.disable")[0]
    assert (entry["object"], entry["reason"]) == ("user:maria", "left the agency")
    with pytest.raises(ConfigError, match="already disabled"):
        disable(store, "maria", actor=operator, clock=clock, reason="again")
    with pytest.raises(ConfigError, match="why"):
        disable(store, "maria", actor=operator, clock=clock, reason="  ")


def test_enable__restores_a_disabled_account(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    secret = make_user(store, clock, "maria")
    with pytest.raises(ConfigError, match="not disabled"):
        enable(store, "maria", actor=operator, clock=clock)
    disable(store, "maria", actor=operator, clock=clock, reason="leave")
    enable(store, "maria", actor=operator, clock=clock)
    assert _sign_in(store, clock, "maria", secret)
    with pytest.raises(NotFoundError):
        enable(store, "nobody", actor=operator, clock=clock)


def test_admin__cannot_disable_or_grant_to_themselves(store: Store, clock: FixedClock) -> None:
    make_user(store, clock, "adam", ("admin", None))
    with pytest.raises(PermissionDeniedError, match="their own account"):
        disable(store, "adam", actor=ADMIN, clock=clock, reason="x")
    with pytest.raises(PermissionDeniedError, match="their own account"):
        grant(store, "adam", "data_officer", AGENCY, actor=ADMIN, clock=clock)
    denied = [e for e in audit_rows(store) if e["outcome"] == "denied"]
    assert [(e["actor"], e["action"]) for e in denied] == [
        ("adam", "user.disable"),
        ("adam", "user.grant"),
    ]


def test_grant__admin_and_auditor_are_never_held_together(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    make_user(store, clock, "adam", ("admin", None))
    make_user(store, clock, "bea", ("admin", None))
    make_user(store, clock, "ava", ("auditor", None))
    with pytest.raises(PermissionDeniedError, match="separation of duties"):
        grant(store, "bea", "auditor", None, actor=ADMIN, clock=clock)
    with pytest.raises(PermissionDeniedError, match="separation of duties"):
        grant(store, "ava", "admin", None, actor=operator, clock=clock)
    assert roles_of(store, "bea") == [("admin", None)]
    assert roles_of(store, "ava") == [("auditor", None)]
    last = audit_rows(store)[-1]
    assert (last["actor"], last["action"], last["outcome"]) == (
        "cli:tester",
        "user.grant",
        "denied",
    )


def test_grant__scopes_and_validation(store: Store, clock: FixedClock, operator: Principal) -> None:
    make_user(store, clock, "maria")
    grant(store, "maria", "data_officer", AGENCY, actor=ADMIN, clock=clock)
    grant(store, "maria", "supervisor", OTHER_AGENCY, actor=ADMIN, clock=clock)
    grant(store, "maria", "commenter", None, actor=ADMIN, clock=clock)
    assert roles_of(store, "maria") == [
        ("commenter", None),
        ("data_officer", AGENCY),
        ("supervisor", OTHER_AGENCY),
    ]
    granted = store.query(
        "SELECT granted_by FROM grants WHERE user_name = 'maria' AND role = 'commenter'"
    ).scalar()
    assert granted == "adam"
    with pytest.raises(ConfigError, match="already holds"):
        grant(store, "maria", "data_officer", AGENCY, actor=ADMIN, clock=clock)
    with pytest.raises(ConfigError, match="name it"):
        grant(store, "maria", "supervisor", None, actor=operator, clock=clock)
    with pytest.raises(ConfigError, match="deployment-wide"):
        grant(store, "maria", "auditor", AGENCY, actor=operator, clock=clock)
    with pytest.raises(ConfigError, match="cannot be granted"):
        grant(store, "maria", "operator", None, actor=operator, clock=clock)
    with pytest.raises(ConfigError, match="not an agency slug"):
        grant(store, "maria", "supervisor", "Bad Slug", actor=operator, clock=clock)
    with pytest.raises(NotFoundError):
        grant(store, "nobody", "commenter", None, actor=operator, clock=clock)
    reasons = [e["reason"] for e in audit_rows(store, action="user.grant")]
    assert reasons == [
        f"role=data_officer agency={AGENCY}",
        f"role=supervisor agency={OTHER_AGENCY}",
        "role=commenter",
    ]


def test_revoke__takes_effect_on_a_live_session(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    secret = make_user(store, clock, "maria", ("data_officer", AGENCY))
    token = _sign_in(store, clock, "maria", secret)
    session = lookup(store, token, clock=clock)
    assert session is not None
    assert session.principal(AGENCY).role == "data_officer"
    revoke(store, "maria", "data_officer", AGENCY, actor=ADMIN, clock=clock)
    session = lookup(store, token, clock=clock)
    assert session is not None
    assert session.principal(AGENCY).role == "public"
    with pytest.raises(NotFoundError):
        revoke(store, "maria", "data_officer", AGENCY, actor=operator, clock=clock)


def test_unlock__only_an_admin_or_the_operator(store: Store, clock: FixedClock) -> None:
    make_user(store, clock, "maria", ("supervisor", AGENCY))
    supervisor = Principal("maria", "supervisor", AGENCY, "session")
    with pytest.raises(PermissionDeniedError):
        unlock(store, "maria", actor=supervisor, clock=clock)
    unlock(store, "maria", actor=ADMIN, clock=clock)
    entry = audit_rows(store, action="user.unlock")
    assert [(e["actor"], e["outcome"], e["reason"]) for e in entry] == [
        ("maria", "denied", "the supervisor role may not do user.unlock"),
        ("adam", "succeeded", "was active"),
    ]


def test_list_users__status_and_grants_without_secrets(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    make_user(store, clock, "bea", ("admin", None))
    make_user(store, clock, "ana", ("data_officer", AGENCY), ("supervisor", OTHER_AGENCY))
    disable(store, "bea", actor=operator, clock=clock, reason="leave")
    records = list_users(store)
    assert [(r.user_name, r.status, r.grants) for r in records] == [
        ("ana", "active", (("data_officer", AGENCY), ("supervisor", OTHER_AGENCY))),
        ("bea", "disabled", (("admin", None),)),
    ]
    assert all(r.totp_enrolled for r in records)
    assert "argon2" not in repr(records)


def test_change_password__ends_the_other_sessions(store: Store, clock: FixedClock) -> None:
    secret = make_user(store, clock, "maria", ("data_officer", AGENCY))
    kept = _sign_in(store, clock, "maria", secret)
    other = _sign_in(store, clock, "maria", secret)
    maria = Principal("maria", "data_officer", AGENCY, "session")
    with pytest.raises(WeakPasswordError):
        change_password(store, "maria", "12345678", actor=maria, clock=clock)
    with pytest.raises(PermissionDeniedError):
        change_password(store, "someone", "a new long passphrase", actor=maria, clock=clock)
    change_password(
        store, "maria", "a new long passphrase", actor=maria, clock=clock, keep_session=kept
    )
    assert lookup(store, kept, clock=clock) is not None
    assert lookup(store, other, clock=clock) is None
    with pytest.raises(AuthenticationError):
        login_password(store, "maria", PASSWORD, client="", clock=clock)
    assert login_password(store, "maria", "a new long passphrase", client="", clock=clock)


def test_reset_totp__the_old_secret_stops_working(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    old = make_user(store, clock, "maria")
    token = _sign_in(store, clock, "maria", old)
    new = reset_totp(store, "maria", actor=operator, clock=clock)
    assert new != old
    assert lookup(store, token, clock=clock) is None
    pending = login_password(store, "maria", PASSWORD, client="", clock=clock)
    with pytest.raises(AuthenticationError):
        login_totp(store, pending, next_code(old, clock), client="", clock=clock)
    assert login_totp(store, pending, next_code(new, clock), client="", clock=clock)
    assert [e["action"] for e in audit_rows(store)].count("session.totp_enrol") == 1


def test_disable_inactive__after_90_days_without_a_log_in(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    start = clock.at
    secret = make_user(store, clock, "active.user")
    make_user(store, clock, "never.logged.in")
    make_user(store, clock, "already.off")
    disable(store, "already.off", actor=operator, clock=clock, reason="leave")
    clock.at = start + dt.timedelta(days=60)
    token = _sign_in(store, clock, "active.user", secret)
    clock.at = start + dt.timedelta(days=89, hours=23)
    assert disable_inactive(store, clock=clock) == []
    clock.at = start + dt.timedelta(days=90, minutes=1)
    assert disable_inactive(store, clock=clock) == ["never.logged.in"]
    clock.at = start + dt.timedelta(days=150, minutes=2)
    assert lookup(store, token, clock=clock) is None  # long expired anyway
    assert disable_inactive(store, clock=clock) == ["active.user"]
    entries = audit_rows(store, action="user.disable")
    assert [(e["object"], e["reason"]) for e in entries[-2:]] == [
        ("user:never.logged.in", "not used for 90 days"),
        ("user:active.user", "not used for 90 days"),
    ]
    # re-enabled: another 90 days from the day it was enabled
    enable(store, "never.logged.in", actor=operator, clock=clock)
    clock.at += dt.timedelta(days=30)
    assert disable_inactive(store, clock=clock) == []
    clock.at += dt.timedelta(days=61)
    assert disable_inactive(store, clock=clock) == ["never.logged.in"]
    with pytest.raises(ConfigError):
        disable_inactive(store, clock=clock, days=0)
