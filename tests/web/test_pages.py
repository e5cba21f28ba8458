"""The public pages over a small published site: models, templates, twins, 404s and 400s.

One DuckDB site (two releases of synthetic stops and saved analyses, ``pages_support``) serves
every test of this module; ``test_pages_stores`` runs the data-backed pages on both stores.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from starlette.requests import Request

from openblotter.schema import load_standard
from openblotter.settings import Settings
from openblotter.storage import open_store
from openblotter.storage.lifecycle import initialize
from openblotter.web.i18n import language
from openblotter.web.pages.agency import agency_page
from openblotter.web.pages.analyses import analyses_page, analysis_page
from openblotter.web.pages.dataset import dataset_page
from openblotter.web.pages.dictionary import dictionary_page
from openblotter.web.pages.downloads import release_page
from openblotter.web.pages.methods import method_ids, method_page, methods_page
from openblotter.web.pages.reading import reading_page
from tests.web.pages_support import AGENCY, NAME, build_site, client_for

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from fastapi.testclient import TestClient

    from openblotter.publish.registry import ReleaseRecord


class Site:
    """The test site: its client, data folder and two releases."""

    def __init__(self, client: TestClient, data: Path, first: ReleaseRecord, second: ReleaseRecord):
        self.client, self.data, self.first, self.second = client, data, first, second


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    standard = load_standard()
    store = open_store(Settings(data_dir=root / "data", database_url=None))
    initialize(store, standard)
    first, second = build_site(store, standard, root / "data", root / "work")
    with client_for(store, root / "data") as client:
        yield Site(client, root / "data", first, second)
    store.close()


def _request(site: Site, query: str = "") -> Request:
    app = site.client.app
    return Request({"type": "http", "app": app, "query_string": query.encode(), "headers": []})


def _model(site: Site, builder: Callable[..., dict[str, Any]], code: str, **params: Any) -> Any:
    query = params.pop("query", "")
    portal = site.client.app.state.portal  # type: ignore[attr-defined]
    model = builder(_request(site, query), portal, language(code), **params)
    return json.loads(json.dumps(model, ensure_ascii=False, default=str))


def _html(site: Site, url: str) -> str:
    response = site.client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


PAGES: list[tuple[str, Callable[..., dict[str, Any]], dict[str, Any]]] = [
    (f"/agencies/{AGENCY}", agency_page, {"slug": AGENCY}),
    (f"/agencies/{AGENCY}/stops", dataset_page, {"slug": AGENCY, "dataset": "stops"}),
    (
        f"/agencies/{AGENCY}/stop_subjects",
        dataset_page,
        {"slug": AGENCY, "dataset": "stop_subjects"},
    ),
    (f"/agencies/{AGENCY}/analyses", analyses_page, {"slug": AGENCY}),
    (
        f"/agencies/{AGENCY}/analyses/rates-and-benchmarks",
        analysis_page,
        {"slug": AGENCY, "method": "rates-and-benchmarks"},
    ),
    (
        f"/agencies/{AGENCY}/analyses/veil-of-darkness",
        analysis_page,
        {"slug": AGENCY, "method": "veil-of-darkness"},
    ),
    ("/methods/veil-of-darkness", method_page, {"method": "veil-of-darkness"}),
    ("/methods", methods_page, {}),
    ("/dictionary", dictionary_page, {}),
    ("/how-to-read", reading_page, {}),
]


@pytest.mark.parametrize("code", ["en", "es"])
@pytest.mark.parametrize(("path", "builder", "params"), PAGES, ids=[p[0] for p in PAGES])
def test_pages__json_twin_equals_the_page_model(
    site: Site, code: str, path: str, builder: Callable[..., dict[str, Any]], params: Any
) -> None:
    prefix = "" if code == "en" else "/es"
    twin = site.client.get(f"{prefix}{path}.json")
    assert twin.status_code == 200
    assert twin.json() == _model(site, builder, code, **params)
    by_accept = site.client.get(f"{prefix}{path}", headers={"accept": "application/json"})
    assert by_accept.json() == twin.json()
    html = _html(site, f"{prefix}{path}")
    assert f'<html lang="{code}">' in html
    assert f'href="{prefix}{path}.json"' in html


def test_release_page__twin_and_model(site: Site) -> None:
    short = site.second.short_id
    twin = site.client.get(f"/releases/{short}.json").json()
    assert twin == _model(site, release_page, "en", release=short)
    by_full_id = site.client.get(f"/releases/{site.second.release_id}.json").json()
    assert by_full_id == twin


def test_agency_page__datasets_completeness_findings_and_downloads(site: Site) -> None:
    model = _model(site, agency_page, "en", slug=AGENCY)
    assert model["title"] == NAME
    names = [d["name"] for d in model["datasets"]]
    assert names == ["stops", "stop_subjects"]
    stops = model["datasets"][0]
    assert stops["rows"] == 840
    assert (stops["first_date"], stops["last_date"]) == ("2025-01-01", "2025-12-22")
    assert stops["aggregated"] is True
    assert stops["url"] == f"/agencies/{AGENCY}/stops"
    missing = {f["field"] for f in stops["toolkit_missing"]}
    assert "time" in missing  # the synthetic stops carry no clock time
    assert all(f["toolkit"] for f in stops["toolkit_missing"])
    assert model["release"]["short_id"] == site.second.short_id
    downloads = {d["path"] for d in model["release"]["downloads"]}
    assert {"data/stops.csv", "data/stop_subjects.parquet"} <= downloads
    manifest = json.loads((site.data / site.second.path / "manifest.json").read_text())
    for item in model["release"]["downloads"]:
        assert item["sha256"] == manifest["files"][item["path"]]["sha256"]
    findings = {m["id"]: m for m in model["findings"]["methods"]}
    assert findings["veil-of-darkness"]["failure"].startswith("the veil of darkness needs")
    assert findings["rates-and-benchmarks"]["findings"]
    assert [r["version"] for r in model["releases"]] == [2, 1]


def test_agency_page__html_links_every_part(site: Site) -> None:
    html = _html(site, f"/agencies/{AGENCY}")
    assert "<h1>Synthetic Police Department</h1>" in html
    for href in (
        f"/agencies/{AGENCY}/stops",
        f"/agencies/{AGENCY}/analyses",
        f"/agencies/{AGENCY}/analyses/rates-and-benchmarks",
        "/methods/veil-of-darkness",
        f"/releases/{site.second.short_id}",
        f"/releases/{site.second.short_id}/files/data/stops.csv",
        f"/releases/{site.second.short_id}/files/manifest.json",
    ):
        assert f'href="{href}"' in html, href
    spanish = _html(site, f"/es/agencies/{AGENCY}")
    assert "Conjuntos de datos" in spanish
    assert f'href="/es/agencies/{AGENCY}/stops"' in spanish
    assert '<li lang="en">' not in spanish  # the report's findings are written in Spanish
    assert " veces la de " in spanish


def test_explorer__counts_come_from_the_aggregates_and_keep_withheld_cells(site: Site) -> None:
    model = _model(site, dataset_page, "en", slug=AGENCY, dataset="stops")
    counts = model["counts"]
    assert counts["source"] == "aggregates"
    assert counts["by"] == "race"
    assert counts["unit"] == "people stopped"
    assert counts["k"] == 11
    by_value = {r["value"]: r for r in counts["rows"]}
    assert by_value["white"]["exact"]
    assert by_value["white"]["count"] > 300
    small = [r for r in counts["rows"] if not r["exact"]]
    assert small, "the handful of 'other' people must be withheld"
    for row in small:
        assert row["count"] is None or row["withheld"]
        assert row["text"] == "withheld" or row["text"].startswith("at least")
    assert counts["work"]["params"] == {"file": "aggregates/stops.parquet"}
    assert "read_parquet($file)" in counts["work"]["query"]
    assert counts["work"]["file"]["url"] == (
        f"/releases/{site.second.short_id}/files/aggregates/stops.parquet"
    )
    html = _html(site, f"/agencies/{AGENCY}/stops")
    for row in small:
        assert f'<th scope="row">{row["label"]}</th><td class="num">withheld' in html


def test_explorer__month_range_sums_months_and_says_when_a_month_is_withheld(site: Site) -> None:
    model = _model(
        site, dataset_page, "en", slug=AGENCY, dataset="stops", query="from=2025-03&to=2025-08"
    )
    counts = model["counts"]
    assert counts["source"] == "aggregates"
    assert counts["work"]["params"]["month_from"] == "2025-03"
    assert counts["work"]["params"]["month_to"] == "2025-08"
    white = next(r for r in counts["rows"] if r["value"] == "white")
    assert white["count"] is not None
    assert white["count"] < 440
    assert model["map"]["notes"][0].startswith("The map covers the whole period")
    assert model["records"]["applied"] == {"date_from": ["2025-03-01"], "date_to": ["2025-08-31"]}


def test_explorer__a_combination_no_table_holds_is_counted_from_the_records(site: Site) -> None:
    model = _model(
        site,
        dataset_page,
        "en",
        slug=AGENCY,
        dataset="stops",
        query="from=2025-02&to=2025-05&geography=B",
    )
    counts = model["counts"]
    assert counts["source"] == "records"
    assert counts["work"]["params"][-1] == "B"
    assert "?" in counts["work"]["query"]
    assert "'B'" not in counts["work"]["query"]
    for row in counts["rows"]:
        assert row["count"] is None or row["count"] >= 11
        if row["count"] is None:
            assert row["text"] == "fewer than 11"
    if any(r["count"] is None for r in counts["rows"]):
        assert counts["total"]["exact"] is False
        assert counts["total_text"].startswith("at least")


def test_explorer__unanswerable_breakdown_says_why(site: Site) -> None:
    model = _model(
        site, dataset_page, "en", slug=AGENCY, dataset="stops", query="by=month&geography=A"
    )
    assert model["counts"]["available"] is False
    assert "at most two things at once" in model["counts"]["reason"]


def test_explorer__map_places_each_district_at_its_mean_coordinates(site: Site) -> None:
    model = _model(site, dataset_page, "en", slug=AGENCY, dataset="stops", query="group=black")
    area = model["map"]
    assert area["kind"] == "dots"
    units = {u["value"]: u for u in area["units"]}
    assert set(units) == {"A", "B", "C", "D"}
    assert units["D"]["lat"] == pytest.approx(41.80, abs=0.002)
    assert units["C"]["lng"] == pytest.approx(-72.71, abs=0.002)
    assert "race" in json.dumps(area["work"]["params"]) or area["work"]["params"]["group"]
    assert area["work"]["positions"]["params"] == {"file": "data/stops.parquet"}
    html = _html(site, f"/agencies/{AGENCY}/stops?group=black")
    svg = re.search(r'<svg[^>]*id="?[^>]*class="drawing"[^>]*>', html)
    assert svg is None or "role" in svg.group(0)
    assert html.count('role="img"') >= 2
    assert '<title id="place-map-title">' in html
    assert '<desc id="place-map-desc">' in html


def test_explorer__records_are_paged_with_links_that_keep_the_filters(site: Site) -> None:
    model = _model(
        site, dataset_page, "en", slug=AGENCY, dataset="stops", query="geography=C&size=50&page=2"
    )
    records = model["records"]
    assert records["page"] == 2
    assert records["size"] == 50
    assert records["first"] == 51
    links = records["links"]
    assert links["previous"] == f"/agencies/{AGENCY}/stops?geography=C&size=50"
    assert links["first"] == links["previous"]
    if links["next"]:
        assert links["next"].endswith("geography=C&page=3&size=50")
    assert records["applied"] == {"district": ["C"]}
    assert all(len(row) == len(records["columns"]) for row in records["rows"])
    assert records["work"]["params"] == ["data/stops.parquet", "C"]


def test_explorer__rates_come_from_the_saved_analyses(site: Site) -> None:
    model = _model(site, dataset_page, "en", slug=AGENCY, dataset="stops")
    rates = {r["group"]: r for r in model["rates"]}
    assert rates["Black"]["value"] == pytest.approx(0.12)
    assert rates["Other"]["suppressed"] is True
    assert rates["Other"]["value"] is None
    assert rates["Black"]["url"] == f"/agencies/{AGENCY}/analyses/rates-and-benchmarks"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("group=martian", "is not a value of 'group'"),
        ("geography=Z", "is not a value of 'geography'"),
        ("from=2025-13", "must be a month written YYYY-MM"),
        ("from=2025-06&to=2025-01", "the period ends before it starts"),
        ("by=officer", "is not a value of 'by'"),
        ("size=5000", "must be one of the numbers offered"),
        ("page=0", "must be one of the numbers offered"),
        ("page=abc", "must be one of the numbers offered"),
        ("district=A", "unknown filter 'district'"),
        ("group=black&group=white", "give 'group' at most once"),
        ("geography=A'%20OR%201=1--", "is not a value of 'geography'"),
    ],
)
def test_explorer__bad_filters_are_a_400_page_not_a_crash(
    site: Site, query: str, message: str
) -> None:
    page = site.client.get(f"/agencies/{AGENCY}/stops?{query}")
    assert page.status_code == 400
    assert "This request cannot be answered" in page.text
    assert message.replace("'", "&#39;") in page.text
    twin = site.client.get(f"/agencies/{AGENCY}/stops.json?{query}")
    assert twin.status_code == 400
    assert twin.json()["error"]["code"] == "invalid-filter"
    assert message in twin.json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/agencies/nowhere_pd",
        "/agencies/nowhere_pd.json",
        f"/agencies/{AGENCY}/arrests",
        f"/agencies/{AGENCY}/no_such_dataset.json",
        f"/agencies/{AGENCY}/analyses/no-such-method",
        "/es/agencies/nowhere_pd/analyses",
        "/releases/0000000000000000",
        "/releases/0000000000000000/files/data/stops.csv",
        "/methods/no-such-method",
        "/methods/..%2F..%2FREADME",
    ],
)
def test_pages__unknown_things_are_404(site: Site, path: str) -> None:
    response = site.client.get(path)
    assert response.status_code == 404
    if path.endswith(".json"):
        assert response.json()["error"]["code"] == "not-found"
    else:
        assert "Page not found" in response.text or "Página no encontrada" in response.text


def test_analysis_page__estimates_withheld_and_provenance(site: Site) -> None:
    model = _model(site, analysis_page, "en", slug=AGENCY, method="rates-and-benchmarks")
    assert model["status"] == "ok"
    result = model["result"]
    other = next(e for e in result["estimates"] if e["labels"].get("group") == "Other")
    assert other["withheld"]
    assert other["value"] is None
    assert other["n"] is None
    black = next(
        e
        for e in result["estimates"]
        if e["quantity"] == "search_rate" and e["labels"]["group"] == "Black"
    )
    assert (black["value"], black["low"], black["high"], black["n"]) == (0.12, 0.09, 0.15, 250)
    assert result["release"]["short_id"] == site.second.short_id
    assert result["findings"]
    html = _html(site, f"/agencies/{AGENCY}/analyses/rates-and-benchmarks")
    written = "rates-and-benchmarks" in method_ids()
    assert ('href="/methods/rates-and-benchmarks"' in html) is written
    assert ("This method's page is not written yet." in html) is not written
    assert "Withheld estimates" in html
    assert "Search rates compare people who were stopped, not residents." in html
    assert 'role="img"' in html
    assert "<caption" in html


def test_analysis_page__failure_and_not_run(site: Site) -> None:
    failed = _model(site, analysis_page, "en", slug=AGENCY, method="veil-of-darkness")
    assert failed["status"] == "failed"
    assert "clock times" in failed["failure"]
    assert failed["method"]["method_url"] == "/methods/veil-of-darkness"
    idle = _model(site, analysis_page, "es", slug=AGENCY, method="complaint-outcomes")
    assert idle["status"] == "not-run"
    listing = _model(site, analyses_page, "en", slug=AGENCY)
    statuses = {m["id"]: m["status"] for m in listing["methods"]}
    assert statuses["rates-and-benchmarks"] == "ok"
    assert statuses["veil-of-darkness"] == "failed"
    assert statuses["complaint-outcomes"] == "not-run"


def test_release_page__files_checksums_changelog_and_changes(site: Site) -> None:
    model = _model(site, release_page, "en", release=site.second.short_id)
    manifest = json.loads((site.data / site.second.path / "manifest.json").read_text())
    assert {f["path"] for f in model["files"]} == set(manifest["files"])
    for f in model["files"]:
        assert f["sha256"] == manifest["files"][f["path"]]["sha256"]
        assert f["bytes"] == manifest["files"][f["path"]]["bytes"]
    assert model["manifest"]["sha256"] == site.second.release_id
    assert model["supersedes"]["short_id"] == site.first.short_id
    assert model["release"]["reason"] == "forty late stops were added"
    assert {c["path"] for c in model["changes"]} == {
        "changes/stops.csv",
        "changes/stop_subjects.csv",
    }
    assert "forty late stops were added" in model["changelog"]["text"]
    html = _html(site, f"/releases/{site.second.short_id}")
    assert "<h1>" not in html.split("</h1>", 1)[1]  # the changelog's headings are demoted
    assert "sha256sum -c SHA256SUMS" in html
    assert f"blotter release verify {site.second.short_id}" in html


def test_release_files__served_from_the_manifest_only(site: Site) -> None:
    short = site.second.short_id
    folder = site.data / site.second.path
    response = site.client.get(f"/releases/{short}/files/data/stops.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="stops.csv"'
    assert response.headers["content-type"].startswith("text/csv")
    digest = hashlib.sha256(response.content).hexdigest()
    assert response.headers["etag"] == f'"{digest}"'
    assert response.content == (folder / "data" / "stops.csv").read_bytes()
    again = site.client.get(
        f"/releases/{short}/files/data/stops.csv", headers={"if-none-match": f'"{digest}"'}
    )
    assert again.status_code == 304
    manifest = site.client.get(f"/releases/{short}/files/manifest.json")
    assert hashlib.sha256(manifest.content).hexdigest() == site.second.release_id
    (folder / "secret.txt").write_text("not listed")
    try:
        for path in (
            "secret.txt",
            "data%2F..%2Fmanifest.json",
            "data/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
            "..%2F..%2F..%2Fblotter.duckdb",
            "/etc/passwd",
            "data",
        ):
            assert site.client.get(f"/releases/{short}/files/{path}").status_code == 404, path
    finally:
        (folder / "secret.txt").unlink()
    head = site.client.head(f"/releases/{short}/files/datapackage.json")
    assert head.status_code == 200


def test_method_page__markdown_is_rendered_safely(site: Site) -> None:
    html = _html(site, "/methods/veil-of-darkness")
    assert "<h1>Veil of darkness</h1>" in html
    assert '<pre tabindex="0"><code' in html
    spanish = _html(site, "/es/methods/threshold-test")
    assert '<article class="prose" lang="en">' in spanish


def test_dictionary_page__every_dataset_field_and_code_list(site: Site) -> None:
    standard = load_standard()
    model = _model(
        site,
        dictionary_page,
        "es",
    )
    assert [d["name"] for d in model["datasets"]] == list(standard.datasets)
    assert sum(len(d["fields"]) for d in model["datasets"]) == sum(
        len(standard.schema(n).fields) for n in standard.datasets
    )
    assert {c["name"] for c in model["codelists"]} == set(standard.codelists)
    privacy = {f["privacy_text"] for d in model["datasets"] for f in d["fields"]}
    assert "nunca se publica" in privacy
    html = _html(site, "/dictionary")
    assert 'id="codes-race"' in html
    assert 'href="#codes-race"' in html


def test_how_to_read__both_languages(site: Site) -> None:
    english = _html(site, "/how-to-read")
    spanish = _html(site, "/es/how-to-read")
    for anchor in ("counts", "intervals", "withheld", "benchmarks", "disparity"):
        assert f'id="{anchor}"' in english
        assert f'id="{anchor}"' in spanish
    assert "is not by itself proof of discrimination" in english
    assert "No es por sí sola una prueba de discriminación" in spanish


def test_pages__headings_are_in_order_and_tables_have_captions(site: Site) -> None:
    urls = [p[0] for p in PAGES] + [f"/releases/{site.second.short_id}"]
    for url in urls:
        for prefix in ("", "/es"):
            html = _html(site, prefix + url)
            levels = [int(h) for h in re.findall(r"<h([1-6])[ >]", html)]
            assert levels[0] == 1, url
            assert levels.count(1) == 1, url
            assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), url
            if "/methods/" not in url:  # Markdown tables have no captions
                assert html.count("<table") == html.count("<caption"), url
            assert "<script" not in html
            assert 'href="#main"' in html
