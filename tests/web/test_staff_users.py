"""Account administration on the staff pages, on both stores.

Driven as a browser would (forms, cookies, redirects), then checked in the store and the audit
log: every change is recorded once, every refusal is 403 (recorded as denied) or leaves nothing
changed, granting a role needs the password and a code given within the last five minutes
(RELIABILITY D.44), separation of duties holds (E.55), and a new account's TOTP secret is shown
on exactly one answer and never again, in no page and no audit entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from openblotter.accounts import (
    Principal,
    add_user,
    authenticate,
    grant,
    issue,
    login_password,
    roles_of,
)
from openblotter.errors import AuthenticationError
from tests.web.staff_support import AGENCY, OTHER, PASSWORD, StaffSite
from tests.web.users_support import (
    COOKIE,
    NEW_PASSWORD,
    SECRET,
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


def test_users_page__lists_status_roles_and_factor_never_secrets(site: StaffSite) -> None:
    adam, _ = signed_in(site, "adam")
    page = adam.get("/staff/users")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    for user in ("olivia", "sam", "otto", "audrey", "adam"):
        assert f'href="/staff/users/{user}"' in page.text
    assert "data officer — ca_staff_pd" in page.text
    assert "enrolled" in page.text
    assert "$argon2" not in page.text
    assert not any(secret in page.text for secret in site.secrets.values())
    assert 'href="/staff/users"' in page.text  # the admin's navigation leads here
    assert 'href="/staff/audit"' not in page.text  # and not to the audit log (E.55)
    assert [e["object"] for e in log(site, "user.list")] == ["users"]
    one = adam.get("/staff/users/olivia")
    assert one.status_code == 200
    assert "ca_staff_pd" in one.text
    assert not any(secret in one.text for secret in site.secrets.values())
    assert adam.get("/staff/users/nobody").status_code == 404
    assert adam.get("/staff/users/Not%20A%20Name").status_code == 404


def test_users_pages__only_administrators_and_refusals_are_recorded(site: StaffSite) -> None:
    assert site.client().get("/staff/users").headers["location"] == "/staff/login"
    anonymous = site.client().post("/staff/users/sam/grant", data={"role": "auditor"})
    assert anonymous.headers["location"] == "/staff/login"
    olivia, csrf = signed_in(site, "olivia")
    assert olivia.get("/staff/users").status_code == 403
    assert olivia.get("/staff/users/sam").status_code == 403
    before = counts(site)
    sent = olivia.post(
        "/staff/users/sam/grant", data={"csrf": csrf, "role": "supervisor", "agency": OTHER}
    )
    assert sent.status_code == 403
    assert (
        olivia.post("/staff/users/sam/disable", data={"csrf": csrf, "reason": "x"}).status_code
        == 403
    )
    added = olivia.post(
        "/staff/users",
        data={"csrf": csrf, "user_name": "mallory", "display_name": "M", "password": NEW_PASSWORD},
    )
    assert added.status_code == 403
    assert counts(site) == before
    audrey, _ = signed_in(site, "audrey")
    assert audrey.get("/staff/users").status_code == 403
    denied = [e["actor"] for e in log(site, "user.list", "denied")]
    assert denied == ["olivia", "olivia", "audrey"]
    assert [e["actor"] for e in log(site, "user.grant", "denied")] == ["olivia"]
    assert [e["actor"] for e in log(site, "user.disable", "denied")] == ["olivia"]
    assert [e["actor"] for e in log(site, "user.add", "denied")] == ["olivia"]


def test_add__shows_the_totp_secret_once_and_never_again(site: StaffSite) -> None:
    adam, csrf = signed_in(site, "adam")
    answer = adam.post(
        "/staff/users",
        data={"csrf": csrf, "user_name": "nina", "display_name": "Nina", "password": PASSWORD},
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert "otpauth://totp/OpenBlotter%3Anina?secret=" in answer.text
    found = SECRET.search(answer.text)
    assert found is not None
    secret = found.group(1)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in answer.text
    assert [(e["actor"], e["object"]) for e in log(site, "user.add")] == [("adam", "user:nina")]
    # the secret works: the new account enrols it and signs in with its codes
    site.secrets["nina"] = secret
    grant(site.store, "nina", "data_officer", AGENCY, actor=Principal.operator(), clock=site.clock)
    nina, _ = signed_in(site, "nina")
    audrey, _ = signed_in(site, "audrey")
    later = [
        adam.get("/staff/users"),
        adam.get("/staff/users/nina"),
        nina.get("/staff/account"),
        nina.get("/staff"),
        audrey.get("/staff/audit"),
    ]
    for page in later:
        assert page.status_code == 200
        assert secret not in page.text
        assert grouped not in page.text
    assert secret not in audit_text(site)
    assert PASSWORD not in audit_text(site)


def test_add__a_weak_password_or_a_taken_name_is_refused_with_its_reason(site: StaffSite) -> None:
    adam, csrf = signed_in(site, "adam")
    before = counts(site)
    weak = adam.post(
        "/staff/users",
        data={"csrf": csrf, "user_name": "nina", "display_name": "Nina", "password": "password1"},
    )
    assert weak.status_code == 400
    assert "common passwords" in weak.text
    assert 'value="password1"' not in weak.text  # the password is never echoed
    assert 'value="nina"' in weak.text  # the rest of the form is kept
    taken = adam.post(
        "/staff/users",
        data={"csrf": csrf, "user_name": "olivia", "display_name": "O", "password": NEW_PASSWORD},
    )
    assert taken.status_code == 400
    assert "already an account" in taken.text
    bad = adam.post(
        "/staff/users",
        data={"csrf": csrf, "user_name": "x y", "display_name": "X", "password": NEW_PASSWORD},
    )
    assert bad.status_code == 400
    assert counts(site) == before


def test_grant__fresh_from_sign_in_needs_no_confirmation(site: StaffSite) -> None:
    adam, csrf = signed_in(site, "adam")
    page = adam.get("/staff/users/otto")
    assert 'name="code"' not in page.text  # fresh: the form asks for nothing more
    sent = adam.post(
        "/staff/users/otto/grant", data={"csrf": csrf, "role": "supervisor", "agency": OTHER}
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/staff/users/otto?done=granted"
    assert ("supervisor", OTHER) in roles_of(site.store, "otto")
    granted = log(site, "user.grant", "succeeded")
    assert [(e["actor"], e["object"], e["reason"]) for e in granted][-1] == (
        "adam",
        "user:otto",
        f"role=supervisor agency={OTHER}",
    )
    assert "The role was granted." in adam.get(sent.headers["location"]).text


def test_grant__after_five_minutes_needs_the_password_and_anext_code(site: StaffSite) -> None:
    adam, csrf = signed_in(site, "adam")
    granted_before = len(log(site, "user.grant", "succeeded"))
    stale(site)
    page = adam.get("/staff/users/otto")
    assert 'name="code"' in page.text
    assert 'name="password"' in page.text
    form = {"csrf": csrf, "role": "supervisor", "agency": OTHER}
    # without confirmation: refused, nothing changes, nothing is spent
    bare = adam.post("/staff/users/otto/grant", data=form)
    assert bare.status_code == 401
    assert "password and a current code" in bare.text
    # with a wrong code, or the wrong password: refused and recorded as failed
    wrong = adam.post(
        "/staff/users/otto/grant",
        data={**form, "password": PASSWORD, "code": wrong_code(site, "adam")},
    )
    assert wrong.status_code == 401
    bad_password = adam.post(
        "/staff/users/otto/grant",
        data={**form, "password": "not my password", "code": next_code(site, "adam")},
    )
    assert bad_password.status_code == 401
    assert roles_of(site.store, "otto") == [("data_officer", OTHER)]
    assert len(log(site, "user.grant", "succeeded")) == granted_before
    assert len(log(site, "session.reauthenticate", "failed")) == 2
    # with both: done, audited once, under a new session token
    old = adam.cookies.get(COOKIE)
    done = adam.post(
        "/staff/users/otto/grant",
        data={**form, "password": PASSWORD, "code": next_code(site, "adam")},
    )
    assert done.status_code == 303, done.text[:300]
    assert ("supervisor", OTHER) in roles_of(site.store, "otto")
    assert len(log(site, "user.grant", "succeeded")) == granted_before + 1
    assert [e["actor"] for e in log(site, "session.reauthenticate", "succeeded")] == ["adam"]
    new = adam.cookies.get(COOKIE)
    assert new
    assert new != old
    replay = site.client()
    replay.cookies.set(COOKIE, old or "", domain="testserver")
    assert replay.get("/staff/users").headers["location"] == "/staff/login"
    fresh = adam.get("/staff/users/sam")  # fresh again: no fields for five minutes
    assert fresh.status_code == 200
    assert 'name="code"' not in fresh.text


def test_grant__a_refused_step_after_confirmation_keeps_the_new_session(site: StaffSite) -> None:
    adam, csrf = signed_in(site, "adam")
    stale(site)
    again = adam.post(  # otto already holds it: refused after the confirmation succeeded
        "/staff/users/otto/grant",
        data={
            "csrf": csrf,
            "role": "data_officer",
            "agency": OTHER,
            "password": PASSWORD,
            "code": next_code(site, "adam"),
        },
    )
    assert again.status_code == 400
    assert "already holds" in again.text
    assert adam.get("/staff/users").status_code == 200  # the renewed cookie was set
    mistyped = adam.post(
        "/staff/users/otto/grant", data={"csrf": csrf, "role": "supervisor", "agency": ""}
    )
    assert mistyped.status_code == 400  # an agency role without an agency


def test_grant__separation_of_duties(site: StaffSite) -> None:
    operator = Principal.operator()
    add_user(site.store, "ada", PASSWORD, display_name="Ada", actor=operator, clock=site.clock)
    grant(site.store, "ada", "admin", None, actor=operator, clock=site.clock)
    adam, csrf = signed_in(site, "adam")
    before = counts(site)
    fields = {"csrf": csrf, "password": PASSWORD, "code": next_code(site, "adam")}
    to_self = adam.post("/staff/users/adam/grant", data={**fields, "role": "auditor", "agency": ""})
    assert to_self.status_code == 403
    self_admin = adam.post(
        "/staff/users/adam/grant", data={**fields, "role": "supervisor", "agency": AGENCY}
    )
    assert self_admin.status_code == 403
    auditor_to_admin = adam.post(
        "/staff/users/ada/grant", data={**fields, "role": "auditor", "agency": ""}
    )
    assert auditor_to_admin.status_code == 403
    admin_to_auditor = adam.post(
        "/staff/users/audrey/grant", data={**fields, "role": "admin", "agency": ""}
    )
    assert admin_to_auditor.status_code == 403
    assert counts(site) == before
    denied = log(site, "user.grant", "denied")
    assert [(e["actor"], e["object"]) for e in denied] == [
        ("adam", "user:adam"),
        ("adam", "user:adam"),
        ("adam", "user:ada"),
        ("adam", "user:audrey"),
    ]
    assert "separation of duties" in str(denied[-1]["reason"])
    # the pages show it: no grant or status forms on one's own account, no conflicting role
    own = adam.get("/staff/users/adam").text
    assert "/staff/users/adam/grant" not in own
    assert "/staff/users/adam/disable" not in own
    assert "Separation of duties" in own
    assert '<option value="auditor">' not in adam.get("/staff/users/ada").text
    assert '<option value="admin">' not in adam.get("/staff/users/audrey").text
    assert '<option value="auditor">' in adam.get("/staff/users/sam").text
    # and an administrator reads nothing of the audit log
    assert adam.get("/staff/audit").status_code == 403


def test_revoke__removes_the_role_and_the_tokens_issued_for_it(site: StaffSite) -> None:
    token = issue(
        site.store,
        "olivia",
        agency=AGENCY,
        role="data_officer",
        days=30,
        actor=Principal.operator(),
        clock=site.clock,
    )
    adam, csrf = signed_in(site, "adam")
    sent = adam.post(
        "/staff/users/olivia/revoke", data={"csrf": csrf, "role": "data_officer", "agency": AGENCY}
    )
    assert sent.status_code == 303
    assert roles_of(site.store, "olivia") == []
    with pytest.raises(AuthenticationError):
        authenticate(site.store, token, clock=site.clock)
    assert [e["reason"] for e in log(site, "user.revoke", "succeeded")] == [
        f"role=data_officer agency={AGENCY}"
    ]
    again = adam.post(
        "/staff/users/olivia/revoke", data={"csrf": csrf, "role": "data_officer", "agency": AGENCY}
    )
    assert again.status_code == 404
    assert "does not hold" in again.text


def test_disable__ends_the_user_s_sessions_and_enable_restores(site: StaffSite) -> None:
    olivia, _ = signed_in(site, "olivia")
    assert olivia.get("/staff").status_code == 200
    adam, csrf = signed_in(site, "adam")
    no_reason = adam.post("/staff/users/olivia/disable", data={"csrf": csrf, "reason": "  "})
    assert no_reason.status_code == 400
    assert olivia.get("/staff").status_code == 200
    sent = adam.post(
        "/staff/users/olivia/disable", data={"csrf": csrf, "reason": "left the agency"}
    )
    assert sent.status_code == 303
    assert olivia.get("/staff").headers["location"] == "/staff/login"  # within one request
    assert [e["reason"] for e in log(site, "user.disable", "succeeded")] == ["left the agency"]
    assert "Enable the account" in adam.get("/staff/users/olivia").text
    assert (
        adam.post("/staff/users/adam/disable", data={"csrf": csrf, "reason": "x"}).status_code
        == 403
    )
    assert adam.post("/staff/users/olivia/enable", data={"csrf": csrf}).status_code == 303
    assert adam.post("/staff/users/olivia/enable", data={"csrf": csrf}).status_code == 400
    signed_in(site, "olivia")  # signs in again
    assert [e["object"] for e in log(site, "user.enable", "succeeded")] == ["user:olivia"]


def test_unlock__releases_an_account_locked_by_failed_log_ins(site: StaffSite) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            login_password(site.store, "sam", "not the password", client="", clock=site.clock)
    adam, csrf = signed_in(site, "adam")
    page = adam.get("/staff/users/sam")
    assert "locked" in page.text
    assert "/staff/users/sam/unlock" in page.text
    assert adam.post("/staff/users/adam/unlock", data={"csrf": csrf}).status_code == 403
    assert adam.post("/staff/users/sam/unlock", data={"csrf": csrf}).status_code == 303
    status = site.store.query("SELECT status FROM users WHERE user_name = 'sam'").scalar()
    assert status == "active"
    assert [e["reason"] for e in log(site, "user.unlock", "succeeded")] == ["was locked"]
    signed_in(site, "sam")
