"""Staff uploads: size limit, type check, server-chosen names (RELIABILITY F.59, A.11, ASVS 5.2-5.3).

Over the limit → 413 before the route runs, whether the body declares its length or streams
without one; nothing is kept and nothing ingested. A file whose extension and first bytes
disagree (or an extension no reader takes) → refused. The client's file name is a label only:
the file is written as ``uploads/<agency>/<32 hex>.<ext>``, so ``../../x.csv`` or an absolute
path never becomes a path, and the raw upload is deleted once its batch is stored.
"""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.datastructures import UploadFile

from openblotter.web.staff.uploads import UploadRefusedError, save_upload
from tests.security.world import upload
from tests.web.staff_support import AGENCY, build_staff_site

if TYPE_CHECKING:
    from collections.abc import Iterator

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store
    from tests.web.staff_support import StaffSite

LIMIT = 20_000
SERVER_NAME = re.compile(r"[0-9a-f]{32}\.[a-z]+")


@pytest.fixture
def small(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> StaffSite:
    return build_staff_site(store, standard, clock, tmp_path, upload_max_bytes=LIMIT)


def _kept(site: StaffSite) -> list[Path]:
    return [p for p in (site.root / "data" / "uploads").rglob("*") if p.is_file()]


def _uploads_recorded(site: StaffSite) -> int:
    count = site.store.query("SELECT count(*) FROM audit_log WHERE action = 'ingest.upload'")
    return int(count.scalar() or 0)


def test_upload__over_the_limit_is_413_before_anything_is_kept(small: StaffSite) -> None:
    browser = small.client()
    csrf = small.sign_in(browser, "olivia")
    declared = upload(browser, csrf, b"a,b\n" + b"1,2\n" * LIMIT)

    def stream() -> Iterator[bytes]:  # no Content-Length: the limit is counted as it arrives
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for _ in range(LIMIT // 1000 + 5):
            yield b"1,2\n" * 250

    streamed = browser.post(
        f"/staff/agencies/{AGENCY}/upload",
        content=stream(),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "too-large"
    assert "content-length" not in streamed.request.headers
    assert small.store.query("SELECT count(*) FROM batches").scalar() == 0
    assert _kept(small) == []
    assert _uploads_recorded(small) == 0  # the route never ran
    assert upload(browser, csrf, b"stop_id\n1\n").status_code != 413  # under the limit passes


@pytest.mark.parametrize("store_settings", ["duckdb"], indirect=True)
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("stops.parquet", b"stop_id,date\n1,2024-01-01\n"),  # text called Parquet
        ("stops.zip", b"stop_id,date\n1,2024-01-01\n"),  # text called a ZIP
        ("stops.xlsx", b"%PDF-1.7\n"),  # a PDF called a workbook
        ("stops.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00"),  # a ZIP called CSV
        ("stops.csv", b"MZ\x90\x00\x03\x00\x00\x00"),  # a Windows program called CSV
        ("stops.json", b"stop_id,date\n1,2024-01-01\n"),  # CSV called JSON
        ("stops.exe", b"stop_id\n1\n"),  # an extension no reader takes
        ("stops.csv.html", b"<script>alert(1)</script>"),
        ("stops", b"stop_id\n1\n"),  # no extension at all
    ],
)
def test_upload__extension_and_content_must_agree(
    small: StaffSite, name: str, content: bytes
) -> None:
    browser = small.client()
    csrf = small.sign_in(browser, "olivia")
    answer = upload(browser, csrf, content, name=name)
    assert answer.status_code == 403, answer.text[:200]
    assert "cannot be ingested" in answer.text or "content is" in answer.text
    assert small.store.query("SELECT count(*) FROM batches").scalar() == 0
    assert _kept(small) == []


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("../../../../etc/passwd.csv", "passwd.csv"),
        ("/etc/passwd.csv", "passwd.csv"),
        ("uploads/../../x.csv", "x.csv"),
        ("~/.ssh/authorized_keys.csv", "authorized_keys.csv"),
        ("..\\..\\windows\\x.csv", "..\\..\\windows\\x.csv"),  # not a separator here
        ("stops\x00.csv", "stops\x00.csv"),
        ("名前.csv", "名前.csv"),
    ],
)
def test_save_upload__the_client_name_is_a_label_never_a_path(
    tmp_path: Path, name: str, label: str
) -> None:
    folder = tmp_path / "uploads" / AGENCY
    sent = UploadFile(file=io.BytesIO(b"stop_id,date\n1,2024-01-01\n"), filename=name)
    path, kept_as = save_upload(sent, folder)
    assert path.parent == folder
    assert SERVER_NAME.fullmatch(path.name)
    assert kept_as == label
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]


def test_save_upload__a_header_in_the_name_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    sent = UploadFile(file=io.BytesIO(b"a\n"), filename="stops.csv\r\nX-Injected: 1")
    with pytest.raises(UploadRefusedError):
        save_upload(sent, tmp_path / "uploads")
    assert not (tmp_path / "uploads").exists()


def test_save_upload__a_long_name_keeps_its_extension(tmp_path: Path) -> None:
    name = "stops-" + "x" * 200 + ".csv"  # the label is cut to 120 characters
    sent = UploadFile(file=io.BytesIO(b"stop_id,date\n1,2024-01-01\n"), filename=name)
    path, label = save_upload(sent, tmp_path / "uploads")
    assert path.suffix == ".csv"
    assert label == name[:120]


def test_upload__a_path_as_file_name_stays_inside_the_uploads_folder(site: StaffSite) -> None:
    marker = f"escape-{uuid.uuid4().hex}.csv"
    name = "../../../../" + marker
    browser = site.client()
    csrf = site.sign_in(browser, "olivia")
    answer = upload(browser, csrf, site.csv.read_bytes(), name=name)
    assert answer.status_code == 303, answer.text[:300]
    base = site.root / "data" / "uploads" / AGENCY
    for depth in range(8):  # wherever "../" * depth would have led
        assert not (base / ("../" * depth) / marker).resolve().exists()
    assert not list(site.root.rglob(f"*{marker}*"))
    assert _kept(site) == []  # the raw upload is gone once its batch is stored
    [reason] = site.store.query(
        "SELECT reason FROM audit_log WHERE action = 'ingest.upload' AND outcome = 'succeeded'"
    ).rows[0]
    assert reason.startswith(f"{marker}: committed")  # the client's name, as a label only
    stored = site.store.query("SELECT file_name FROM batches").scalar()
    assert "/" not in str(stored)
    assert ".." not in str(stored)
