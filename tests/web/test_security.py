"""Public-side safety (RELIABILITY 4.4, 6.E-F items 50-53, 57, 60, 61): headers on every kind
of response, rate limits, capped pages, schema-only filters, inert injection attempts, no stack
traces, neutralised CSV formulas and published fields only."""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
from typing import TYPE_CHECKING, Any

import pytest

from openblotter.web.api_common import ResponseCache
from openblotter.web.explorer import Explorer
from openblotter.web.portal import Portal
from tests.publish.conftest import CANARY_FIRST, CANARY_LAST, CANARY_LICENCE, CANARY_PLATE
from tests.web.api_release import FORMULA, client_for, publish_on_duckdb

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi.testclient import TestClient

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.schema import Standard
    from openblotter.storage import Store

RESTRICTED = (
    "subject_first_name",
    "subject_last_name",
    "subject_birth_date",
    "subject_drivers_license",
    "vehicle_license_plate",
)
SECRETS = (CANARY_FIRST, CANARY_LAST, CANARY_PLATE, CANARY_LICENCE, "1911-11-11", "078-05-1120")


@pytest.fixture(scope="module")
def world(
    standard: Standard, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, ReleaseRecord, Path]]:
    store, record, data_dir = publish_on_duckdb(standard, tmp_path_factory.mktemp("security"))
    yield store, record, data_dir
    store.close()


@pytest.fixture
def client(world: tuple[Store, ReleaseRecord, Path]) -> TestClient:
    store, _, data_dir = world
    return client_for(store, data_dir)


def _api(record: ReleaseRecord, rest: str) -> str:
    return f"/api/v1/releases/{record.short_id}/{rest}"


def _check_headers(response: Any) -> None:
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    max_age = int(headers["strict-transport-security"].split("max-age=")[1].split(";")[0])
    assert max_age >= 31_536_000
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "server" not in headers or "uvicorn" not in headers["server"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/index.json", 200),
        ("/es/", 200),
        ("/static/site.css", 200),
        ("/api/v1/agencies", 200),
        ("/api/v1/openapi.json", 200),
        ("/no/such/page", 404),
        ("/api/v1/no/such/route", 404),
        ("/api/v1/releases/zz/datasets/stops/records?page=0", 422),
        ("RECORDS?nope=1", 400),
        ("RECORDS?format=csv", 200),
        ("FILE", 200),
    ],
)
def test_security__strict_headers_on_every_kind_of_response(
    client: TestClient, world: tuple[Store, ReleaseRecord, Path], path: str, status: int
) -> None:
    _, record, _ = world
    path = path.replace("RECORDS", _api(record, "datasets/stops/records"))
    path = path.replace("FILE", _api(record, "files/data/stops.csv"))
    response = client.get(path)
    assert response.status_code == status, response.text
    _check_headers(response)


def test_security__rate_limit_answers_429_with_retry_after(
    world: tuple[Store, ReleaseRecord, Path],
) -> None:
    store, _, data_dir = world
    limited = client_for(store, data_dir, rate=0.01, burst=3)
    statuses = [limited.get("/api/v1/agencies").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = limited.get("/api/v1/agencies")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "rate-limited"
    _check_headers(refused)


def test_security__page_size_is_capped(
    client: TestClient, world: tuple[Store, ReleaseRecord, Path]
) -> None:
    store, record, data_dir = world
    page = client.get(_api(record, "datasets/stops/records?page_size=1000000")).json()
    assert page["page_size"] == 1000
    assert client.get(_api(record, "datasets/stops/records?page_size=1000001")).status_code == 422
    client.app.state.explorer = Explorer(Portal(store, data_dir), max_page_size=10)  # type: ignore[attr-defined]
    small = client.get(_api(record, "datasets/stops/records?page_size=500")).json()
    assert small["page_size"] == 10
    assert len(small["rows"]) == 10
    assert small["pages"] == 9


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("victim_name=Alice", 400, "invalid-filter"),
        ("subject_first_name=Maria", 400, "invalid-filter"),
        ("district%22%20OR%201%3D1%20--=x", 400, "invalid-filter"),
        ("sort=date%3B%20DROP%20TABLE%20stops", 400, "invalid-filter"),
        ("sort=date%22%20DESC%2C%20%22stop_id", 400, "invalid-filter"),
        ("type=vehicular%27%20OR%20%271%27%3D%271", 400, "invalid-filter"),
        ("date_from=2020-01-01%27%20OR%201%3D1", 422, "invalid-request"),
        ("order=sideways", 422, "invalid-request"),
    ],
)
def test_security__unknown_columns_and_injection_attempts_are_refused(
    client: TestClient, world: tuple[Store, ReleaseRecord, Path], query: str, status: int, code: str
) -> None:
    _, record, _ = world
    response = client.get(_api(record, f"datasets/stops/records?{query}"))
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert "Traceback" not in error["message"]


@pytest.mark.parametrize(
    "value",
    [
        "D0' OR '1'='1",
        'D0" OR "1"="1',
        "D0'); DROP TABLE stops; --",
        "' UNION SELECT * FROM read_csv('/etc/passwd') --",
        "D0%",
        "*",
    ],
)
def test_security__injection_in_filter_values_is_inert(
    client: TestClient, world: tuple[Store, ReleaseRecord, Path], value: str
) -> None:
    _, record, _ = world
    url = _api(record, "datasets/stops/records")
    page = client.get(url, params={"district": value}).json()
    assert page["total"] == 0
    assert value not in page["query"]
    assert page["params"][1] == value
    assert client.get(url, params={"district": "D0"}).json()["total"] == 30


def test_security__the_api_takes_no_body_and_only_get(
    client: TestClient, world: tuple[Store, ReleaseRecord, Path]
) -> None:
    _, record, _ = world
    url = _api(record, "datasets/stops/records")
    big = client.request("GET", url, content=b"x" * 10)
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "payload-too-large"
    posted = client.post(url, json={"status": "published"})
    assert posted.status_code == 405
    assert posted.json()["error"]["status"] == 405


def test_security__csv_export_neutralises_formulas(
    client: TestClient, world: tuple[Store, ReleaseRecord, Path]
) -> None:
    _, record, _ = world
    response = client.get(_api(record, "datasets/stops/records?format=csv&stop_id=S001"))
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["stop_id"] for r in rows] == ["S001"]
    assert rows[0]["district"] == "'" + FORMULA
    assert '"\'=HYPERLINK(""http://example.invalid"",""x"")"' in response.text


def _crawl(client: TestClient, record: ReleaseRecord) -> Iterator[tuple[str, Any]]:
    for dataset in client.get(_api(record, "datasets")).json()["datasets"]:
        detail = client.get(dataset["url"]).json()
        yield dataset["url"], detail
        page = client.get(dataset["records_url"], params={"page_size": 1000}).json()
        yield dataset["records_url"], page
        counted = [f["name"] for f in detail["fields"] if f["sortable"]][:2]
        yield (
            dataset["counts_url"],
            client.get(dataset["counts_url"], params={"by": counted}).json(),
        )
    for table in client.get(_api(record, "aggregates")).json()["aggregates"]:
        yield table["url"], client.get(table["url"]).json()


def test_security__only_published_fields_leave_the_api(
    client: TestClient, world: tuple[Store, ReleaseRecord, Path]
) -> None:
    _, record, data_dir = world
    package = json.loads((data_dir / record.path / "datapackage.json").read_text())
    allowed = {
        r["name"]: {f["name"] for f in r["schema"]["fields"]}
        for r in package["resources"]
        if r["path"].startswith("data/")
    }
    for url, body in _crawl(client, record):
        text = json.dumps(body)
        for secret in SECRETS:
            assert secret not in text, (url, secret)
        for name in RESTRICTED:
            assert f'"{name}"' not in text, (url, name)
        if url.endswith("/records"):
            assert body["rows"]
            for row in body["rows"]:
                assert set(row) <= allowed[body["dataset"]], url


def test_security__a_crash_shows_an_incident_id_not_a_trace(
    world: tuple[Store, ReleaseRecord, Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, record, data_dir = world
    broken = tmp_path / "data"
    shutil.copytree(data_dir / "releases", broken / "releases")
    (broken / record.path / "data" / "stops.parquet").write_bytes(b"PAR1 this is not parquet")
    client = client_for(store, broken)
    with caplog.at_level(logging.ERROR):
        response = client.get(_api(record, "datasets/stops/records?district=D1"))
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal-error"
    assert len(error["incident"]) == 12
    assert "Traceback" not in response.text
    assert "parquet" not in response.text.lower()
    assert error["incident"] in caplog.text
    _check_headers(response)


class _NeverEndingExplorer(Explorer):
    """A real explorer whose record query cannot finish within its time limit."""

    def records(self, *_: Any, **__: Any) -> Any:
        return self._run("SELECT count(*) FROM range(100000000000) AS a", [])


def test_security__a_query_past_the_time_limit_gets_503(
    client: TestClient, world: tuple[Store, ReleaseRecord, Path]
) -> None:
    store, record, data_dir = world
    slow = _NeverEndingExplorer(Portal(store, data_dir), time_limit=0.2)
    client.app.state.explorer = slow  # type: ignore[attr-defined]
    response = client.get(_api(record, "datasets/stops/records"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "query-timeout"
    assert response.headers["retry-after"] == "5"
    _check_headers(response)


def test_security__answer_caches_are_bounded() -> None:
    cache = ResponseCache(size=3, max_bytes=10)
    for key in range(5):
        cache.put(key, b"abcd")
    assert [cache.get(k) for k in range(5)] == [None, None, None, b"abcd", b"abcd"]
    cache.put("big", b"x" * 11)
    assert cache.get("big") is None
