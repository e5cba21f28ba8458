"""How to call each staff route properly: the request, the object it acts on, what success writes.

A ``Call`` is one well-formed request to a staff route (a valid form, a real object of
``AGENCY``), so that the only thing standing between it and success is who sends it, and with
which CSRF token. ``RECIPES`` holds one recipe per ``(method, path)`` of
``web.staff.rendering.ROUTE_ACTIONS`` except the sign-in steps (``SIGN_IN``); a staff route
without a recipe fails ``test_role_matrix`` until one is written here. Recipes run in their
order here (GETs first): data before a release of it, the account's own factors last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from openblotter.accounts import Principal, decide, issue, roles_of
from openblotter.publish.approval import approval_of
from tests.security.world import BUILDER, LOCKED, NEW_PASSWORD, TARGET, principals
from tests.web.staff_support import AGENCY, PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from fastapi.testclient import TestClient

    from tests.security.world import World

OWN = "(the principal's own agency)"
"""``Call.agency`` of a route whose object is whatever agency the viewer works for (a list)."""

SIGN_IN = frozenset(
    {
        ("GET", "/staff/login"),
        ("POST", "/staff/login"),
        ("GET", "/staff/login/code"),
        ("POST", "/staff/login/code"),
    }
)
"""The sign-in steps (``session.login``, open to everyone): every column walks them to sign in."""


@dataclass(frozen=True)
class Call:
    """One well-formed request to a staff route and what the permission matrix needs to judge it."""

    action: str
    method: str
    url: str
    form: dict[str, str] = field(default_factory=dict)
    file: bytes | None = None
    agency: str | None = None
    state: Mapping[str, object] | None = None
    audited: bool = False  # a success appends exactly one entry of ``action``
    bearer: bool = False  # the route authenticates an API token only (cookies are ignored)
    own_session: bool = False  # it ends sessions: send it from a session of its own
    new_password: str = ""  # a success changes the sender's password to this

    def allowed(self, who: list[Principal]) -> bool:
        """What ``accounts.decide`` says: may some principal of the sender do this?"""
        return any(
            decide(
                p,
                self.action,
                agency=p.agency if self.agency == OWN else self.agency,
                state=self.state,
            ).allowed
            for p in who
        )

    def send(self, browser: TestClient, csrf: str | None, token: str | None = None) -> Any:
        """Send it from ``browser`` with ``csrf`` in the form (none when None)."""
        if self.method == "GET":
            return browser.get(self.url)
        data = dict(self.form)
        if csrf is not None:
            data["csrf"] = csrf
        files = {"file": ("stops.csv", self.file, "text/csv")} if self.file is not None else None
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return browser.post(self.url, data=data, files=files, headers=headers)


def _decision(world: World, short: str, decision: str, reason: str) -> Call:
    approval = approval_of(world.store, short)
    return Call(
        f"release.{decision}",
        "POST",
        f"/staff/releases/{short}/{decision}",
        form={"reason": reason} if reason else {},
        agency=approval.agency_slug,
        state=approval.state,
        audited=True,
    )


def _upload(w: World, seed: int, _user: str | None) -> list[Call]:
    form = {"mapping": "stops_synthetic"}
    url = f"/staff/agencies/{AGENCY}/upload"
    return [Call("ingest.upload", "POST", url, form, w.fresh_csv(seed), AGENCY, audited=True)]


def _token_ingest(w: World, seed: int, _user: str | None) -> list[Call]:
    form = {"mapping": "stops_synthetic"}
    url = f"/staff/api/agencies/{AGENCY}/ingest"
    csv = w.fresh_csv(seed + 1000)
    return [Call("ingest.upload", "POST", url, form, csv, AGENCY, audited=True, bearer=True)]


def _account(action: str, path: str, target: str, **changes: Any) -> Call:
    changes.setdefault("state", {"target": target})
    return Call(action, "POST", f"/staff/users/{target}/{path}", **changes)


def _grant(w: World, _seed: int, user: str | None) -> list[Call]:
    """A role for tess; and the auditor role for oneself (never: separation of duties)."""
    found = []
    for target, role in ((TARGET, "commenter"), (user or "nobody", "auditor")):
        held = frozenset(r for r, _ in roles_of(w.store, target)) if target != "nobody" else None
        state = {"target": target, "role": role, "target_roles": held or frozenset()}
        form = {"role": role, "agency": ""}
        found.append(_account("user.grant", "grant", target, form=form, state=state, audited=True))
    return found


def _revoke(_w: World, _seed: int, _user: str | None) -> list[Call]:
    form = {"role": "data_officer", "agency": AGENCY}
    state = {"target": TARGET, "role": "data_officer"}
    return [
        _account(
            "user.revoke", "revoke", TARGET, form=form, agency=AGENCY, state=state, audited=True
        )
    ]


def _issue_token(_w: World, _seed: int, user: str | None) -> list[Call]:
    scopes = [(p.role, p.agency) for p in principals(user) if p.agency]
    role, agency = scopes[0] if scopes else (principals(user)[0].role, None)
    form = {"grant": f"{role}:{agency or ''}", "days": "30"}
    state = {"target": user}
    url = "/staff/account/tokens"
    return [Call("user.token.issue", "POST", url, form, None, agency, state, audited=True)]


def _revoke_token(w: World, _seed: int, user: str | None) -> list[Call]:
    """Someone else's token (bea's), and one's own when the role can hold one."""
    found = [(w.token_id, BUILDER)]
    own = [p for p in principals(user) if p.agency and p.user is not None]
    if own and user is not None:
        operator = Principal.operator("tester")
        raw = issue(
            w.store,
            user,
            agency=str(own[0].agency),
            role=own[0].role,
            days=5,
            actor=operator,
            clock=w.site.clock,
        )
        found.append((raw.split("_")[1], user))
    return [
        Call(
            "user.token.revoke",
            "POST",
            f"/staff/tokens/{token_id}/revoke",
            state={"target": owner},
            audited=True,
        )
        for token_id, owner in found
    ]


def _password(_w: World, _seed: int, user: str | None) -> list[Call]:
    form = {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    return [
        Call(
            "user.password.change",
            "POST",
            "/staff/account/password",
            form,
            state={"target": user},
            audited=True,
            new_password=NEW_PASSWORD,
        )
    ]


def _one(action: str, method: str, url: str, **changes: Any) -> Callable[..., list[Call]]:
    return lambda _w, _s, _u: [Call(action, method, url, **changes)]


RECIPES: dict[tuple[str, str], Callable[[World, int, str | None], list[Call]]] = {
    ("GET", "/staff"): _one("staff.home", "GET", "/staff"),
    ("GET", "/staff/account"): _one("staff.home", "GET", "/staff/account"),
    ("GET", "/staff/agencies/{slug:name}/upload"): _one(
        "ingest.upload", "GET", f"/staff/agencies/{AGENCY}/upload", agency=AGENCY
    ),
    ("GET", "/staff/batches/{batch:int}"): lambda w, _s, _u: [
        Call("ingest.view", "GET", f"/staff/batches/{w.batch}", agency=AGENCY, audited=True)
    ],
    ("GET", "/staff/releases"): _one("release.list_pending", "GET", "/staff/releases", agency=OWN),
    ("GET", "/staff/audit"): _one("audit.read", "GET", "/staff/audit", audited=True),
    ("GET", "/staff/users"): _one("user.list", "GET", "/staff/users", audited=True),
    ("GET", "/staff/users/{user}"): _one(
        "user.list", "GET", f"/staff/users/{TARGET}", state={"target": TARGET}, audited=True
    ),
    # the day's work: new data, a release of it, decisions on bea's releases, a check
    ("POST", "/staff/agencies/{slug:name}/upload"): _upload,
    ("POST", "/staff/agencies/{slug:name}/releases"): _one(
        "release.build",
        "POST",
        f"/staff/agencies/{AGENCY}/releases",
        form={"reason": "matrix"},
        agency=AGENCY,
        audited=True,
    ),
    ("POST", "/staff/releases/{release:name}/{decision:name}"): lambda w, _s, _u: [
        _decision(w, w.to_approve, "approve", ""),
        _decision(w, w.to_reject, "reject", "district names are wrong"),
    ],
    ("POST", "/staff/api/agencies/{slug:name}/ingest"): _token_ingest,
    ("POST", "/staff/audit/verify"): _one(
        "audit.verify", "POST", "/staff/audit/verify", audited=True
    ),
    # accounts: add one, then grant, revoke, disable and enable tess's; unlock lou
    ("POST", "/staff/users"): lambda _w, seed, _u: [
        Call(
            "user.add",
            "POST",
            "/staff/users",
            {"user_name": f"newcomer{seed}", "display_name": "New", "password": PASSWORD},
            state={"target": f"newcomer{seed}"},
            audited=True,
        )
    ],
    ("POST", "/staff/users/{user}/grant"): _grant,
    ("POST", "/staff/users/{user}/revoke"): _revoke,
    ("POST", "/staff/users/{user}/disable"): lambda _w, _s, _u: [
        _account("user.disable", "disable", TARGET, form={"reason": "left"}, audited=True)
    ],
    ("POST", "/staff/users/{user}/enable"): lambda _w, _s, _u: [
        _account("user.enable", "enable", TARGET, audited=True)
    ],
    ("POST", "/staff/users/{user}/unlock"): lambda _w, _s, _u: [
        _account("user.unlock", "unlock", LOCKED, audited=True)
    ],
    ("POST", "/staff/account/tokens"): _issue_token,
    ("POST", "/staff/tokens/{token:name}/revoke"): _revoke_token,
    # the sender's own session and factors, last: each ends sessions or changes a factor
    ("POST", "/staff/logout"): _one(
        "session.logout", "POST", "/staff/logout", audited=True, own_session=True
    ),
    ("POST", "/staff/account/password"): _password,
    ("POST", "/staff/account/totp"): lambda _w, _s, user: [
        Call(
            "session.totp_enrol",
            "POST",
            "/staff/account/totp",
            state={"target": user},
            audited=True,
            own_session=True,
        )
    ],
}


def ordered(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """GETs first, then POSTs in recipe order."""
    position = {key: i for i, key in enumerate(RECIPES)}
    return sorted(keys, key=lambda k: (k[0] != "GET", position.get(k, len(position))))


def calls(world: World, seed: int, user: str | None) -> Iterator[tuple[tuple[str, str], Call]]:
    """Every recipe's calls in order, each made just before it is sent (objects change)."""
    for key in ordered(list(RECIPES)):
        for call in RECIPES[key](world, seed, user):
            yield key, call
