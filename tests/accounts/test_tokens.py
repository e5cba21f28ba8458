"""API tokens: one agency and role, at most 90 days, stored hashed; expiry and revocation refuse."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from openblotter.accounts import (
    Principal,
    authenticate,
    decide,
    disable,
    issue,
    list_tokens,
    revoke,
    revoke_token,
)
from openblotter.accounts.sessions import token_hash
from openblotter.accounts.tokens import TOKEN_REFUSED
from openblotter.errors import (
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.accounts.conftest import AGENCY, OTHER_AGENCY, audit_rows, make_user

if TYPE_CHECKING:
    from openblotter.clock import FixedClock
    from openblotter.storage.base import Store


def _issue(store: Store, clock: FixedClock, operator: Principal, days: int = 30) -> str:
    make_user(store, clock, "maria", ("data_officer", AGENCY))
    return issue(
        store, "maria", agency=AGENCY, role="data_officer", days=days, actor=operator, clock=clock
    )


def _refused(store: Store, raw: str, clock: FixedClock) -> str:
    with pytest.raises(AuthenticationError) as caught:
        authenticate(store, raw, clock=clock, client="198.51.100.2")
    assert str(caught.value) == TOKEN_REFUSED
    return str(audit_rows(store)[-1]["reason"])


def test_issue__the_token_is_shown_once_and_stored_as_a_hash(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    raw = _issue(store, clock, operator)
    assert raw.startswith("obt_")
    [(token_id, stored, expires)] = store.query(
        "SELECT token_id, token_hash, expires_at FROM api_tokens"
    ).rows
    assert stored == token_hash(raw)
    assert raw.split("_")[1] == token_id
    assert expires == clock.at + dt.timedelta(days=30)
    entry = audit_rows(store)[-1]
    assert (entry["action"], entry["object"]) == ("user.token.issue", f"token:{token_id}")
    assert raw not in str(audit_rows(store))
    [record] = list_tokens(store, "maria")
    assert (record.token_id, record.agency, record.role, record.revoked_at) == (
        token_id,
        AGENCY,
        "data_officer",
        None,
    )
    assert list_tokens(store) == [record]
    assert list_tokens(store, "nobody") == []


def test_authenticate__acts_in_one_agency_and_role(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    raw = _issue(store, clock, operator)
    principal = authenticate(store, raw, clock=clock)
    assert principal == Principal("maria", "data_officer", AGENCY, "token")
    assert decide(principal, "ingest.upload", agency=AGENCY).allowed
    assert not decide(principal, "ingest.upload", agency=OTHER_AGENCY).allowed
    assert not decide(principal, "release.approve", agency=AGENCY, state={}).allowed


def test_authenticate__expires(store: Store, clock: FixedClock, operator: Principal) -> None:
    raw = _issue(store, clock, operator, days=1)
    clock.at += dt.timedelta(hours=23, minutes=59)
    assert authenticate(store, raw, clock=clock)
    clock.at += dt.timedelta(minutes=1)
    assert _refused(store, raw, clock) == "API token expired"


def test_authenticate__revoked(store: Store, clock: FixedClock, operator: Principal) -> None:
    raw = _issue(store, clock, operator)
    token_id = raw.split("_")[1]
    revoke_token(store, token_id, actor=operator, clock=clock)
    assert _refused(store, raw, clock) == "API token revoked"
    with pytest.raises(NotFoundError):
        revoke_token(store, "feedbeef0000", actor=operator, clock=clock)


def test_authenticate__unknown(store: Store, clock: FixedClock) -> None:
    assert _refused(store, "obt_000000000000_nothing", clock) == "API token unknown"
    assert _refused(store, "", clock) == "API token unknown"
    entry = audit_rows(store)[-1]
    assert (entry["actor"], entry["action"], entry["outcome"], entry["client"]) == (
        "anonymous",
        "session.login",
        "failed",
        "198.51.100.2",
    )


def test_authenticate__a_disabled_account_or_revoked_role_refuses(
    store: Store, clock: FixedClock, operator: Principal
) -> None:
    raw = _issue(store, clock, operator)
    make_user(store, clock, "bob", ("supervisor", AGENCY))
    other = issue(
        store, "bob", agency=AGENCY, role="supervisor", days=5, actor=operator, clock=clock
    )
    disable(store, "maria", actor=operator, clock=clock, reason="left")
    assert _refused(store, raw, clock) == "API token of an account that is disabled"
    revoke(store, "bob", "supervisor", AGENCY, actor=operator, clock=clock)
    assert _refused(store, other, clock) == "API token revoked"  # revoking the role revoked it
    with store.transaction() as tx:  # even if it had not been revoked with the role
        tx.execute("UPDATE api_tokens SET revoked_at = NULL")
    assert _refused(store, other, clock) == "API token for a role no longer held"


def test_issue__scope_rules(store: Store, clock: FixedClock, operator: Principal) -> None:
    make_user(store, clock, "maria", ("data_officer", AGENCY), ("auditor", None))

    def attempt(**kwargs: object) -> None:
        args: dict[str, object] = {
            "agency": AGENCY,
            "role": "data_officer",
            "days": 30,
            "actor": operator,
            "clock": clock,
        }
        issue(store, "maria", **{**args, **kwargs})  # type: ignore[arg-type]

    with pytest.raises(ConfigError, match="does not hold"):
        attempt(role="supervisor")
    with pytest.raises(ConfigError, match="does not hold"):
        attempt(agency=OTHER_AGENCY)
    with pytest.raises(ConfigError, match="agency role"):
        attempt(role="auditor")
    with pytest.raises(ConfigError, match="1 to 90 days"):
        attempt(days=91)
    with pytest.raises(ConfigError, match="1 to 90 days"):
        attempt(days=0)
    attempt(days=90)
    with pytest.raises(NotFoundError):
        issue(
            store, "nobody", agency=AGENCY, role="data_officer", days=1, actor=operator, clock=clock
        )


def test_issue__an_officer_for_themselves_only_an_admin_never(
    store: Store, clock: FixedClock
) -> None:
    make_user(store, clock, "maria", ("data_officer", AGENCY))
    make_user(store, clock, "bob", ("data_officer", AGENCY))
    maria = Principal("maria", "data_officer", AGENCY, "session")
    admin = Principal("adam", "admin", None, "session")
    raw = issue(
        store, "maria", agency=AGENCY, role="data_officer", days=7, actor=maria, clock=clock
    )
    assert authenticate(store, raw, clock=clock).user == "maria"
    with pytest.raises(PermissionDeniedError):
        issue(store, "bob", agency=AGENCY, role="data_officer", days=7, actor=maria, clock=clock)
    with pytest.raises(PermissionDeniedError):
        issue(store, "bob", agency=AGENCY, role="data_officer", days=7, actor=admin, clock=clock)
    # the owner and an admin may revoke; another officer may not
    token_id = raw.split("_")[1]
    bob = Principal("bob", "data_officer", AGENCY, "session")
    with pytest.raises(PermissionDeniedError):
        revoke_token(store, token_id, actor=bob, clock=clock)
    revoke_token(store, token_id, actor=maria, clock=clock)
    denied = [(e["actor"], e["action"]) for e in audit_rows(store) if e["outcome"] == "denied"]
    assert denied == [
        ("maria", "user.token.issue"),
        ("adam", "user.token.issue"),
        ("bob", "user.token.revoke"),
    ]
