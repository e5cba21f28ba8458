"""API contract on both stores: agencies, releases, files, datasets, records, counts,
aggregates and analyses, each answer linked to the release it came from."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl
import pytest

from openblotter.analysis.result import Estimate, Result
from tests.web.api_release import AGENCY, client_for, publish

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient

    from openblotter.publish.registry import ReleaseRecord
    from openblotter.schema import Standard
    from openblotter.storage import Store


@pytest.fixture
def published(
    store: Store, standard: Standard, tmp_path: Path
) -> tuple[TestClient, ReleaseRecord, Path]:
    data_dir = tmp_path / "portal"
    record = publish(store, standard, data_dir, tmp_path)
    return client_for(store, data_dir), record, data_dir / record.path


def _get(client: TestClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.text)
    return response.json()


def _links_release(body: dict[str, Any], record: ReleaseRecord) -> None:
    link = body["release"] if "release" in body else body["latest_release"]
    assert link["id"] == record.release_id
    assert link["short_id"] == record.short_id
    assert link["manifest_url"] == f"/api/v1/releases/{record.short_id}/files/manifest.json"


def test_api__agencies_and_releases(published: tuple[TestClient, ReleaseRecord, Path]) -> None:
    client, record, folder = published
    index = _get(client, "/api/v1")
    assert index["openapi_url"] == "/api/v1/openapi.json"
    agencies = _get(client, index["agencies_url"])["agencies"]
    assert [a["slug"] for a in agencies] == [AGENCY]
    _links_release(agencies[0], record)
    detail = _get(client, agencies[0]["url"])
    assert detail["name"] == "Test Police Department"
    assert [r["release"]["id"] for r in detail["releases"]] == [record.release_id]
    assert detail["releases"][0]["rows"]["stops"] == 90
    listed = _get(client, f"/api/v1/releases?agency={AGENCY}")["releases"]
    assert [r["release"]["version"] for r in listed] == [1]
    assert _get(client, "/api/v1/releases?agency=zz_none", 404)["error"]["code"] == "not-found"
    assert _get(client, "/api/v1/agencies/zz_none", 404)["error"]["status"] == 404

    release = _get(client, listed[0]["release"]["url"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert release["manifest"] == manifest
    by_path = {f["path"]: f for f in release["files"]}
    assert set(by_path) == set(manifest["files"])
    stops_csv = client.get(by_path["data/stops.csv"]["url"])
    assert stops_csv.status_code == 200
    assert stops_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in stops_csv.headers["content-disposition"]
    assert hashlib.sha256(stops_csv.content).hexdigest() == by_path["data/stops.csv"]["sha256"]
    served = client.get(release["release"]["manifest_url"])
    assert hashlib.sha256(served.content).hexdigest() == record.release_id
    _get(client, f"/api/v1/releases/{record.short_id}/files/blotter.duckdb", 404)
    _get(client, f"/api/v1/releases/{record.short_id}/files/..%2F..%2Fblotter.duckdb", 404)
    _get(client, "/api/v1/releases/0000000000000000", 404)
    assert _get(client, f"/api/v1/releases/{record.release_id}")["release"]["version"] == 1


def test_api__datasets_and_fields(published: tuple[TestClient, ReleaseRecord, Path]) -> None:
    client, record, folder = published
    listed = _get(client, f"/api/v1/releases/{record.short_id}/datasets")
    _links_release(listed, record)
    names = {d["name"]: d for d in listed["datasets"]}
    assert {"stops", "stop_subjects"} <= set(names)
    assert names["stop_subjects"]["parent"] == "stops"
    assert names["stops"]["date_field"] == "date"
    detail = _get(client, names["stop_subjects"]["url"])
    package = json.loads((folder / "datapackage.json").read_text())
    schema = next(r for r in package["resources"] if r["name"] == "stop_subjects")["schema"]
    assert [f["name"] for f in detail["fields"]] == [f["name"] for f in schema["fields"]]
    race = next(f for f in detail["fields"] if f["name"] == "subject_race")
    assert "black" in race["codes"]
    keys = {f["key"] for f in detail["filters"]}
    assert {"subject_race", "district", "date"} <= keys
    assert "subject_first_name" not in keys
    _get(client, f"/api/v1/releases/{record.short_id}/datasets/nope", 404)


def test_api__records_filter_sort_page(
    published: tuple[TestClient, ReleaseRecord, Path],
) -> None:
    client, record, folder = published
    base = f"/api/v1/releases/{record.short_id}/datasets"
    stops = pl.read_parquet(folder / "data" / "stops.parquet")
    subjects = pl.read_parquet(folder / "data" / "stop_subjects.parquet")

    page = _get(client, f"{base}/stops/records?page_size=20&sort=date&order=desc")
    _links_release(page, record)
    assert page["total"] == stops.height == 90
    assert page["pages"] == 5
    dates = [r["date"] for r in page["rows"]]
    assert dates == sorted(dates, reverse=True)
    assert len(page["rows"]) == 20
    following = _get(client, page["next_url"])
    assert following["page"] == 2
    assert following["previous_url"] is not None
    assert not {r["stop_id"] for r in page["rows"]} & {r["stop_id"] for r in following["rows"]}

    two = _get(client, f"{base}/stops/records?district=D0&district=D1")
    assert two["total"] == stops.filter(pl.col("district").is_in(["D0", "D1"])).height
    listed = _get(client, f"{base}/stops/records?violation=equipment")
    expected = stops.filter(pl.col("violation").list.contains("equipment")).height
    assert listed["total"] == expected > 0
    ranged = _get(client, f"{base}/stops/records?date_from=2020-03-01&date_to=2020-06-30")
    in_range = stops.filter(pl.col("date").is_between(pl.date(2020, 3, 1), pl.date(2020, 6, 30)))
    assert ranged["total"] == in_range.height > 0

    searched = _get(client, f"{base}/stop_subjects/records?search_conducted=true&district=D0")
    keys = stops.filter(pl.col("district") == "D0").select("stop_id")
    want = subjects.filter(pl.col("search_conducted")).join(keys, on="stop_id")
    assert searched["total"] == want.height > 0
    assert "EXISTS" in searched["query"]
    by_race = _get(client, f"{base}/stops/records?subject_race=black")
    black = subjects.filter(pl.col("subject_race") == "black").height
    assert by_race["total"] == black > 0

    # show your work: the query and parameters reproduce the page on the release's own files
    con = duckdb.connect()
    rerun = con.execute(
        searched["query"],
        [str(folder / p) if str(p).startswith("data/") else p for p in searched["params"]],
    ).fetchall()
    assert [r[1] for r in rerun] == [r["stop_id"] for r in searched["rows"]]


def test_api__counts_and_csv(published: tuple[TestClient, ReleaseRecord, Path]) -> None:
    client, record, folder = published
    base = f"/api/v1/releases/{record.short_id}/datasets"
    subjects = pl.read_parquet(folder / "data" / "stop_subjects.parquet")
    counts = _get(client, f"{base}/stop_subjects/counts?by=subject_race&by=search_conducted")
    _links_release(counts, record)
    want = subjects.group_by("subject_race", "search_conducted").len()
    got = {(r["subject_race"], r["search_conducted"]): r["count"] for r in counts["rows"]}
    assert got == {(r[0], r[1]): r[2] for r in want.iter_rows()}
    assert counts["total"] == 90
    assert _get(client, f"{base}/stop_subjects/counts?by=nope", 400)["error"]["code"] == (
        "invalid-filter"
    )

    response = client.get(f"{base}/stops/records?format=csv&district=D2&sort=stop_id")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(response.content, infer_schema_length=0)
    published_csv = pl.read_csv(folder / "data" / "stops.csv", infer_schema_length=0)
    assert frame.columns == published_csv.columns
    assert frame.equals(published_csv.filter(pl.col("district") == "D2").sort("stop_id"))
    empty = client.get(f"{base}/stops/records?format=csv&district=nowhere")
    assert empty.text.splitlines() == [",".join(published_csv.columns)]


def test_api__aggregates(published: tuple[TestClient, ReleaseRecord, Path]) -> None:
    client, record, folder = published
    listed = _get(client, f"/api/v1/releases/{record.short_id}/aggregates")
    _links_release(listed, record)
    table = listed["aggregates"][0]
    assert table["dataset"] == "stops"
    everything = _get(client, table["url"])
    source = pl.read_parquet(folder / "aggregates" / "stops.parquet")
    assert everything["total"] == source.height == len(everything["rows"])
    assert everything["unit"] == "people stopped"
    suppressed = [r for r in everything["rows"] if r["suppressed"]]
    assert suppressed
    assert all(r["count"] is None for r in suppressed)
    black = _get(client, f"{table['url']}?race=black&sex=all&age_band=all&month=all")
    want = source.filter(
        (pl.col("race") == "black")
        & (pl.col("sex") == "all")
        & (pl.col("age_band") == "all")
        & (pl.col("month") == "all")
    )
    assert black["total"] == want.height > 0
    assert black["filters"] == {
        "race": ["black"],
        "sex": ["all"],
        "age_band": ["all"],
        "month": ["all"],
    }
    again = client.get(f"{table['url']}?race=black&sex=all&age_band=all&month=all")
    assert (
        client.get(again.request.url, headers={"If-None-Match": again.headers["etag"]}).status_code
        == 304
    )
    _get(client, f"/api/v1/releases/{record.short_id}/aggregates/nope", 404)


def test_api__analyses(published: tuple[TestClient, ReleaseRecord, Path], tmp_path: Path) -> None:
    client, record, _ = published
    base = f"/api/v1/agencies/{AGENCY}/analyses"
    empty = _get(client, base)
    assert empty["results"] == []
    assert empty["generated_at"] is None
    _links_release(empty, record)
    result = Result(
        method="search-rates",
        estimates=(
            Estimate("search_rate", 0.2, {"group": "black"}, (0.1, 0.3), n=23),
            Estimate("search_rate", 0.1, {"group": "white"}, (0.05, 0.2), n=22),
        ),
        filters=("stops with a known subject race",),
        caveats=("Search rates ignore who is searchable.",),
        provenance={"batches": "1"},
        summary="Black drivers were searched more often.",
    )
    saved = {
        "agency": AGENCY,
        "generated_at": "2021-06-01T12:00:00Z",
        "results": [result.to_dict()],
        "failures": [{"method": "veil-of-darkness", "title": "Veil", "failure": "no times"}],
    }
    folder = tmp_path / "portal" / "analyses"
    folder.mkdir(parents=True)
    (folder / f"{AGENCY}.json").write_text(json.dumps(saved))
    full = _get(client, base)
    assert full["generated_at"] == "2021-06-01T12:00:00Z"
    assert full["results"][0]["estimates"][0]["interval"] == [0.1, 0.3]
    one = _get(client, f"{base}/search-rates")
    assert [e["n"] for e in one["results"][0]["estimates"]] == [23, 22]
    assert one["failures"] == []
    failed = _get(client, f"{base}/veil-of-darkness")
    assert failed["failures"][0]["failure"] == "no times"
    _get(client, f"{base}/threshold-test", 404)
