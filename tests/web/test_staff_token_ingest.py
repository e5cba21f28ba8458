"""Programmatic ingest with an API token: scope, expiry, revocation, and no cookie riding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.accounts import Principal, issue
from openblotter.accounts.tokens import revoke
from openblotter.audit import entries
from tests.web.staff_support import AGENCY, OTHER, StaffSite

if TYPE_CHECKING:
    import httpx


def _send(site: StaffSite, token: str | None, slug: str = AGENCY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    with site.csv.open("rb") as handle:
        return site.client().post(
            f"/staff/api/agencies/{slug}/ingest",
            data={"mapping": "stops_synthetic"},
            files={"file": ("stops.csv", handle, "text/csv")},
            headers=headers,
        )


def _token(site: StaffSite, days: int = 30) -> str:
    return issue(
        site.store,
        "olivia",
        agency=AGENCY,
        role="data_officer",
        days=days,
        actor=Principal.operator(),
        clock=site.clock,
    )


def test_token__ingests_in_its_agency_once_and_audits_it(site: StaffSite) -> None:
    token = _token(site)
    first = _send(site, token)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "committed"
    assert body["rows_read"] == 300
    again = _send(site, token)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert site.store.query("SELECT count(*) FROM batches").scalar() == 1
    uploads = entries(site.store, limit=10, action="ingest.upload")
    assert {(e["actor"], e["role"], e["outcome"]) for e in uploads} == {
        ("olivia", "data_officer", "succeeded")
    }
    assert token not in str(entries(site.store, limit=1000))


def test_token__is_refused_outside_its_scope_and_when_dead(site: StaffSite) -> None:
    token = _token(site, days=1)
    assert _send(site, None).status_code == 401
    assert _send(site, "not-a-token").status_code == 401
    other = _send(site, token, slug=OTHER)
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "permission-denied"
    site.tick(2 * 24 * 3600)
    assert _send(site, token).status_code == 401  # expired
    fresh = _token(site)
    token_id = site.store.query(
        "SELECT token_id FROM api_tokens ORDER BY created_at DESC LIMIT 1"
    ).scalar()
    revoke(site.store, token_id, actor=Principal.operator(), clock=site.clock)
    assert _send(site, fresh).status_code == 401  # revoked
    assert site.store.query("SELECT count(*) FROM batches").scalar() == 0


def test_token_route__ignores_a_signed_in_browser_session(site: StaffSite) -> None:
    client = site.client()
    site.sign_in(client, "olivia")
    with site.csv.open("rb") as handle:
        ridden = client.post(
            f"/staff/api/agencies/{AGENCY}/ingest",
            data={"mapping": "stops_synthetic"},
            files={"file": ("stops.csv", handle, "text/csv")},
        )
    assert ridden.status_code == 401
    assert site.store.query("SELECT count(*) FROM batches").scalar() == 0
