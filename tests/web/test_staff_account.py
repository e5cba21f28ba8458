"""One's own account on the staff pages, on both stores; and every form's CSRF token.

Changing one's password or second factor needs the password and a code given within the last
five minutes (RELIABILITY D.44); a new TOTP secret or API token is shown on exactly one answer
(``no-store``) and never again; a POST without the session's CSRF token is refused with 403 and
changes nothing, on every route of the account pages (F.56).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from openblotter.accounts import Principal, authenticate, issue, list_tokens, login_password
from openblotter.errors import AuthenticationError
from openblotter.web.staff.rendering import ROUTE_ACTIONS
from tests.web.staff_support import AGENCY, OTHER, PASSWORD, StaffSite
from tests.web.users_support import (
    ADMIN_POSTS,
    NEW_PASSWORD,
    OWN_POSTS,
    SECRET,
    TOKEN,
    audit_text,
    counts,
    log,
    next_code,
    signed_in,
    stale,
    wrong_code,
)

if TYPE_CHECKING:
    pass


pytestmark = pytest.mark.usefixtures("cheap_argon2")


def test_account__password_change_needs_fresh_confirmation_and_ends_other_sessions(
    site: StaffSite,
) -> None:
    olivia, csrf = signed_in(site, "olivia")
    elsewhere, _ = signed_in(site, "olivia")
    stale(site)
    page = olivia.get("/staff/account")
    assert page.status_code == 200
    assert 'name="code"' in page.text
    form = {"csrf": csrf, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    differ = olivia.post(
        "/staff/account/password", data={**form, "new_password_again": "something else 99"}
    )
    assert differ.status_code == 400
    weak = olivia.post(
        "/staff/account/password",
        data={"csrf": csrf, "new_password": "olivia2024!", "new_password_again": "olivia2024!"},
    )
    assert weak.status_code == 400
    assert "user name" in weak.text
    bare = olivia.post("/staff/account/password", data=form)
    assert bare.status_code == 401
    wrong = olivia.post(
        "/staff/account/password",
        data={**form, "password": PASSWORD, "code": wrong_code(site, "olivia")},
    )
    assert wrong.status_code == 401
    assert log(site, "user.password.change") == []
    done = olivia.post(
        "/staff/account/password",
        data={**form, "password": PASSWORD, "code": next_code(site, "olivia")},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/staff/account?done=password"
    assert "Your password was changed" in olivia.get(done.headers["location"]).text  # it stays
    assert elsewhere.get("/staff").headers["location"] == "/staff/login"  # the other ended
    login_password(site.store, "olivia", NEW_PASSWORD, client="", clock=site.clock)
    with pytest.raises(AuthenticationError):
        login_password(site.store, "olivia", PASSWORD, client="", clock=site.clock)
    assert [e["actor"] for e in log(site, "user.password.change", "succeeded")] == ["olivia"]
    assert NEW_PASSWORD not in audit_text(site)


def test_account__a_new_totp_secret_is_shown_once_and_every_session_ends(site: StaffSite) -> None:
    olivia, csrf = signed_in(site, "olivia")
    old_secret = site.secrets["olivia"]
    stale(site)
    refused = olivia.post("/staff/account/totp", data={"csrf": csrf})
    assert refused.status_code == 401
    answer = olivia.post(
        "/staff/account/totp",
        data={"csrf": csrf, "password": PASSWORD, "code": next_code(site, "olivia")},
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    found = SECRET.search(answer.text)
    assert found is not None
    secret = found.group(1)
    assert secret != old_secret
    assert 'action="/staff/logout"' not in answer.text  # signed out: no staff navigation
    assert olivia.get("/staff").headers["location"] == "/staff/login"
    assert [e["actor"] for e in log(site, "session.totp_enrol", "succeeded")] == ["olivia"]
    site.secrets["olivia"] = secret
    again, _ = signed_in(site, "olivia")  # the new secret's codes work
    assert secret not in again.get("/staff/account").text
    assert secret not in audit_text(site)


def test_account__api_tokens_for_one_s_own_agency_shown_once_and_revocable(
    site: StaffSite,
) -> None:
    olivia, csrf = signed_in(site, "olivia")
    page = olivia.get("/staff/account")
    assert f'value="data_officer:{AGENCY}"' in page.text
    answer = olivia.post(
        "/staff/account/tokens",
        data={"csrf": csrf, "grant": f"data_officer:{AGENCY}", "days": "30"},
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    found = TOKEN.search(answer.text)
    assert found is not None
    token = found.group(1)
    assert authenticate(site.store, token, clock=site.clock).agency == AGENCY
    (record,) = list_tokens(site.store, "olivia")
    listed = olivia.get("/staff/account").text
    assert record.token_id in listed
    assert token not in listed
    assert token not in audit_text(site)
    # another agency, a role not held, too many days: refused
    other = olivia.post(
        "/staff/account/tokens", data={"csrf": csrf, "grant": f"data_officer:{OTHER}", "days": "30"}
    )
    assert other.status_code == 403
    long = olivia.post(
        "/staff/account/tokens",
        data={"csrf": csrf, "grant": f"data_officer:{AGENCY}", "days": "365"},
    )
    assert long.status_code == 400
    assert len(list_tokens(site.store, "olivia")) == 1
    # someone else cannot revoke it; its owner can
    otto, otto_csrf = signed_in(site, "otto")
    assert (
        otto.post(f"/staff/tokens/{record.token_id}/revoke", data={"csrf": otto_csrf}).status_code
        == 403
    )
    assert (
        otto.post("/staff/tokens/000000000000/revoke", data={"csrf": otto_csrf}).status_code == 403
    )
    revoked = olivia.post(f"/staff/tokens/{record.token_id}/revoke", data={"csrf": csrf})
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/staff/account?done=token-revoked"
    with pytest.raises(AuthenticationError):
        authenticate(site.store, token, clock=site.clock)
    assert "revoked" in olivia.get("/staff/account").text
    assert [e["actor"] for e in log(site, "user.token.revoke", "denied")] == ["otto", "otto"]
    assert [e["actor"] for e in log(site, "user.token.revoke", "succeeded")] == ["olivia"]


def test_account__an_administrator_revokes_anyone_s_token_and_holds_none(site: StaffSite) -> None:
    issue(
        site.store,
        "sam",
        agency=AGENCY,
        role="supervisor",
        days=10,
        actor=Principal.operator(),
        clock=site.clock,
    )
    (record,) = list_tokens(site.store, "sam")
    adam, csrf = signed_in(site, "adam")
    assert record.token_id in adam.get("/staff/users/sam").text
    sent = adam.post(f"/staff/tokens/{record.token_id}/revoke", data={"csrf": csrf})
    assert sent.status_code == 303
    assert sent.headers["location"] == "/staff/users/sam?done=token-revoked"
    assert list_tokens(site.store, "sam")[0].revoked_at is not None
    assert adam.post("/staff/tokens/000000000000/revoke", data={"csrf": csrf}).status_code == 404
    own = adam.get("/staff/account")
    assert own.status_code == 200
    assert "you hold none" in own.text
    assert 'action="/staff/account/tokens"' not in own.text


def test_routes__each_names_its_permission_matrix_action() -> None:
    mine = {
        k: v
        for k, v in ROUTE_ACTIONS.items()
        if k[1].startswith(("/staff/users", "/staff/account", "/staff/tokens"))
    }
    assert mine == {
        ("GET", "/staff/users"): "user.list",
        ("POST", "/staff/users"): "user.add",
        ("GET", "/staff/users/{user}"): "user.list",
        ("POST", "/staff/users/{user}/grant"): "user.grant",
        ("POST", "/staff/users/{user}/revoke"): "user.revoke",
        ("POST", "/staff/users/{user}/disable"): "user.disable",
        ("POST", "/staff/users/{user}/enable"): "user.enable",
        ("POST", "/staff/users/{user}/unlock"): "user.unlock",
        ("GET", "/staff/account"): "staff.home",
        ("POST", "/staff/account/password"): "user.password.change",
        ("POST", "/staff/account/totp"): "session.totp_enrol",
        ("POST", "/staff/account/tokens"): "user.token.issue",
        ("POST", "/staff/tokens/{token:name}/revoke"): "user.token.revoke",
    }
    posts = {path for method, path in mine if method == "POST"}
    tested = {p.replace("otto", "{user}").replace("olivia", "{user}") for p in ADMIN_POSTS}
    tested |= {p.replace("{token}", "{token:name}") for p in OWN_POSTS}
    assert posts == tested


def test_csrf__every_post_without_the_token_is_refused_and_changes_nothing(
    site: StaffSite,
) -> None:
    token = issue(
        site.store,
        "olivia",
        agency=AGENCY,
        role="data_officer",
        days=30,
        actor=Principal.operator(),
        clock=site.clock,
    )
    token_id = token.split("_")[1]
    adam, _ = signed_in(site, "adam")
    olivia, _ = signed_in(site, "olivia")
    before = counts(site)
    sends = [(adam, path, data) for path, data in ADMIN_POSTS.items()]
    sends += [(olivia, path.format(token=token_id), data) for path, data in OWN_POSTS.items()]
    for client, path, data in sends:
        for forged in ({}, {"csrf": "forged"}):
            answer = client.post(path, data={**data, **forged, "password": PASSWORD})
            assert answer.status_code == 403, (path, forged, answer.status_code)
        anonymous = site.client().post(path, data=data)
        assert anonymous.headers["location"] == "/staff/login", path
    assert counts(site) == before
    assert olivia.get("/staff").status_code == 200  # nothing ended the session either
