"""The staff side end to end on both stores: sign-in, upload, report, release, approval, audit.

Every test drives the pages as a browser would (forms, cookies, redirects) and then checks the
store and the audit log: who did what is recorded exactly once, refusals are recorded as
denied, and nothing changes without a valid session and CSRF token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.audit import entries, verify
from tests.web.staff_support import AGENCY, CSRF, OTHER, PASSWORD, StaffSite, build_staff_site

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store


def _log(site: StaffSite, action: str) -> list[dict[str, object]]:
    return list(reversed(entries(site.store, limit=1000, action=action)))


def _upload(client: TestClient, site: StaffSite, csrf: str, slug: str = AGENCY) -> object:
    with site.csv.open("rb") as handle:
        return client.post(
            f"/staff/agencies/{slug}/upload",
            data={"csrf": csrf, "mapping": "stops_synthetic"},
            files={"file": ("stops.csv", handle, "text/csv")},
        )


def test_sign_in__password_then_code_then_a_session(site: StaffSite) -> None:
    client = site.client()
    assert client.get("/staff").headers["location"] == "/staff/login"
    page = client.get("/staff/login")
    assert "restricted system" in page.text  # the system-use notice comes first
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=strict" in cookie
    site.sign_in(client, "olivia")
    session_cookie = next(c for c in client.cookies.jar if c.name == "blotter_session")
    assert session_cookie.secure
    assert [e["outcome"] for e in _log(site, "session.login")][-1] == "succeeded"


def test_sign_in__wrong_password_and_unknown_user_look_the_same(site: StaffSite) -> None:
    client = site.client()
    page = client.get("/staff/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    wrong = client.post(
        "/staff/login", data={"csrf": token, "user_name": "olivia", "password": "not the password"}
    )
    unknown = client.post(
        "/staff/login", data={"csrf": token, "user_name": "nobody", "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    message = CSRF.sub("", wrong.text)
    assert message == CSRF.sub("", unknown.text)
    assert client.get("/staff").status_code == 303


def test_sign_in__a_password_alone_opens_nothing(site: StaffSite) -> None:
    client = site.client()
    page = client.get("/staff/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    client.post("/staff/login", data={"csrf": token, "user_name": "olivia", "password": PASSWORD})
    assert client.get("/staff").headers["location"] == "/staff/login"
    assert client.get(f"/staff/agencies/{AGENCY}/upload").status_code == 303


def test_forms__without_the_csrf_token_are_refused_and_change_nothing(site: StaffSite) -> None:
    client = site.client()
    csrf = site.sign_in(client, "olivia")
    refused = _upload(client, site, "forged")
    assert refused.status_code == 403
    assert site.store.query("SELECT count(*) FROM batches").scalar() == 0
    # a refusal before the permission check is on record too (ASVS 16.3.4)
    ((entry),) = [e for e in _log(site, "ingest.upload") if e["outcome"] == "denied"]
    assert entry["actor"] == "olivia"
    assert "CSRF" in str(entry["reason"])
    login = site.client().post("/staff/login", data={"user_name": "olivia", "password": PASSWORD})
    assert login.status_code == 403  # login CSRF too
    assert _upload(client, site, csrf).status_code == 303


def test_upload__ingests_then_shows_the_report_and_audits_both(site: StaffSite) -> None:
    client = site.client()
    csrf = site.sign_in(client, "olivia")
    sent = _upload(client, site, csrf)
    assert sent.status_code == 303
    batch = int(sent.headers["location"].rsplit("/", 1)[1])
    report = client.get(f"/staff/batches/{batch}")
    assert report.status_code == 200
    assert report.headers["cache-control"] == "no-store"
    assert "Rows read" in report.text
    assert "300" in report.text
    uploads = _log(site, "ingest.upload")
    assert [(e["actor"], e["object"], e["outcome"]) for e in uploads] == [
        ("olivia", f"batch:{batch}", "succeeded")
    ]
    assert [e["object"] for e in _log(site, "ingest.view")] == [f"batch:{batch}"]
    # the same file again is not loaded twice; the attempt is still recorded
    again = _upload(client, site, csrf)
    assert again.headers["location"] == f"/staff/batches/{batch}?duplicate=1"
    assert site.store.query("SELECT count(*) FROM batches").scalar() == 1
    assert len(_log(site, "ingest.upload")) == 2


def test_upload__refuses_a_wrong_type_a_disguised_file_and_a_big_one(
    store: Store, standard: Standard, clock: FixedClock, tmp_path: Path
) -> None:
    site = build_staff_site(store, standard, clock, tmp_path, upload_max_bytes=20_000)
    client = site.client()
    csrf = site.sign_in(client, "olivia")
    for name, content in (
        ("x.exe", b"MZ\x90\x00"),
        ("x.xlsx", b"a,b\n1,2\n"),
        ("x.csv", b"a,b\x00\x01\x02"),
    ):
        answer = client.post(
            f"/staff/agencies/{AGENCY}/upload",
            data={"csrf": csrf, "mapping": "stops_synthetic"},
            files={"file": (name, content, "application/octet-stream")},
        )
        assert answer.status_code == 403, (name, answer.text[:200])
    refused = [e for e in _log(site, "ingest.upload") if e["outcome"] == "failed"]
    assert len(refused) == 3
    big = _upload(client, site, csrf)  # the 300-row file is larger than 20,000 bytes
    assert big.status_code == 413
    assert site.store.query("SELECT count(*) FROM batches").scalar() == 0
    assert not list((tmp_path / "data" / "uploads").rglob("*.xlsx"))


def test_object_level__another_agency_s_officer_is_refused_and_recorded(site: StaffSite) -> None:
    olivia = site.client()
    csrf = site.sign_in(olivia, "olivia")
    batch = _upload(olivia, site, csrf).headers["location"].rsplit("/", 1)[1]
    otto = site.client()
    otto_csrf = site.sign_in(otto, "otto")
    assert otto.get(f"/staff/batches/{batch}").status_code == 403
    assert _upload(otto, site, otto_csrf, slug=AGENCY).status_code == 403
    denied = [
        e
        for e in _log(site, "ingest.view") + _log(site, "ingest.upload")
        if e["outcome"] == "denied"
    ]
    assert {e["actor"] for e in denied} == {"otto"}
    assert len(denied) == 2
    assert _upload(otto, site, otto_csrf, slug=OTHER).status_code == 303


def test_release__waits_for_a_second_person_then_is_public(site: StaffSite) -> None:
    olivia = site.client()
    csrf = site.sign_in(olivia, "olivia")
    _upload(olivia, site, csrf)
    built = olivia.post(
        f"/staff/agencies/{AGENCY}/releases", data={"csrf": csrf, "reason": "first release"}
    )
    assert built.status_code == 303
    assert olivia.get("/api/v1/releases").json()["releases"] == []  # pending is not public
    pending = olivia.get("/staff/releases")
    short = pending.text.split("/staff/releases/", 1)[1].split("/", 1)[0]
    own = olivia.post(f"/staff/releases/{short}/approve", data={"csrf": csrf})
    assert own.status_code == 403  # nobody approves their own release
    sam = site.client()
    sam_csrf = site.sign_in(sam, "sam")
    approved = sam.post(f"/staff/releases/{short}/approve", data={"csrf": sam_csrf})
    assert approved.status_code == 303
    public = sam.get("/api/v1/releases").json()["releases"]
    assert [r["release"]["id"][:16] for r in public] == [short]
    twice = sam.post(f"/staff/releases/{short}/approve", data={"csrf": sam_csrf})
    assert twice.status_code in (403, 409)
    assert [(e["actor"], e["outcome"]) for e in _log(site, "release.approve")] == [
        ("olivia", "denied"),
        ("sam", "succeeded"),
        ("sam", "denied"),
    ] or [(e["actor"], e["outcome"]) for e in _log(site, "release.approve")][:2] == [
        ("olivia", "denied"),
        ("sam", "succeeded"),
    ]
    assert [e["actor"] for e in _log(site, "release.build")] == ["olivia"]
    head = sam.get("/api/v1/audit/head").json()
    assert head["published"], "a release records the audit head"
    home = sam.get("/")
    assert head["published"][0]["root"] in home.text  # the portal shows the published head
    assert head["published"][0]["root"] in sam.get("/es").text
    assert verify(site.store).ok


def test_release__a_rejection_needs_a_reason_and_keeps_it_private(site: StaffSite) -> None:
    olivia = site.client()
    csrf = site.sign_in(olivia, "olivia")
    _upload(olivia, site, csrf)
    olivia.post(f"/staff/agencies/{AGENCY}/releases", data={"csrf": csrf, "reason": "x"})
    short = olivia.get("/staff/releases").text.split("/staff/releases/", 1)[1].split("/", 1)[0]
    sam = site.client()
    sam_csrf = site.sign_in(sam, "sam")
    assert sam.post(f"/staff/releases/{short}/reject", data={"csrf": sam_csrf}).status_code == 400
    done = sam.post(
        f"/staff/releases/{short}/reject",
        data={"csrf": sam_csrf, "reason": "district names are wrong"},
    )
    assert done.status_code == 303
    assert sam.get("/api/v1/releases").json()["releases"] == []
    status = site.store.query("SELECT status FROM releases").scalar()
    assert status == "rejected"


def test_audit_page__auditor_reads_admin_cannot_and_values_are_inert(site: StaffSite) -> None:
    hostile = "x\r\nFAKE ENTRY \x1b[31m<script>alert(1)</script>"
    olivia = site.client()
    csrf = site.sign_in(olivia, "olivia")
    _upload(olivia, site, csrf)
    built = olivia.post(
        f"/staff/agencies/{AGENCY}/releases", data={"csrf": csrf, "reason": hostile}
    )
    assert built.status_code == 303
    audrey = site.client()
    site.sign_in(audrey, "audrey")
    shown = audrey.get("/staff/audit")
    assert shown.status_code == 200
    assert "<script>alert(1)" not in shown.text
    assert "\x1b" not in shown.text
    assert "FAKE ENTRY" in shown.text
    assert _log(site, "audit.read")[-1]["actor"] == "audrey"
    adam = site.client()
    site.sign_in(adam, "adam")
    assert adam.get("/staff/audit").status_code == 403
    assert _log(site, "audit.read")[-1]["outcome"] == "denied"


def test_sessions__logout_and_idle_time_end_them_on_the_server(site: StaffSite) -> None:
    client = site.client()
    csrf = site.sign_in(client, "olivia")
    stolen = client.cookies.get("blotter_session")
    assert client.post("/staff/logout", data={"csrf": csrf}).status_code == 303
    replay = site.client()
    replay.cookies.set("blotter_session", stolen or "", domain="testserver")
    assert replay.get("/staff").status_code == 303  # the old cookie is dead on the server
    again = site.client()
    site.sign_in(again, "olivia")
    site.tick(31 * 60)
    assert again.get("/staff").headers["location"] == "/staff/login"


def test_public_audit_head__lets_anyone_check_the_log_only_grew(site: StaffSite) -> None:
    from openblotter.audit import merkle

    public = site.client()
    before = public.get("/api/v1/audit/head").json()["current"]
    olivia = site.client()
    site.sign_in(olivia, "olivia")
    after = public.get("/api/v1/audit/head").json()["current"]
    assert after["size"] > before["size"]
    proof = public.get(
        f"/api/v1/audit/consistency?first={before['size']}&second={after['size']}"
    ).json()
    assert merkle.verify_consistency(
        before["size"],
        after["size"],
        bytes.fromhex(before["root"]),
        bytes.fromhex(after["root"]),
        [bytes.fromhex(h) for h in proof["proof"]],
    )
    assert public.get("/api/v1/audit/consistency?first=5&second=2").status_code == 400


def test_upload__an_archive_bomb_is_refused_recorded_and_not_kept(
    site: StaffSite, tmp_path: Path
) -> None:
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("stops.csv", "a\n" + "0\n" * 5_000_000)  # ~10 MB of zeros, ~10 KB packed
    client = site.client()
    csrf = site.sign_in(client, "olivia")
    answer = client.post(
        f"/staff/agencies/{AGENCY}/upload",
        data={"csrf": csrf, "mapping": "stops_synthetic"},
        files={"file": ("stops.zip", packed.getvalue(), "application/zip")},
    )
    assert answer.status_code == 400
    assert "archive bomb" in answer.text
    assert site.store.query("SELECT count(*) FROM batches").scalar() == 0
    assert [e["outcome"] for e in _log(site, "ingest.upload")] == ["failed"]
    assert not list((tmp_path / "data" / "uploads").rglob("*.zip"))
