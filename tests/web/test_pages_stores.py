"""The data-backed pages on both stores: the same site released from DuckDB and PostgreSQL.

The portal reads the release registry from the store and everything else from the release
folder, so each page must answer the same way whichever store registered the releases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.web.pages_support import AGENCY, build_site, client_for

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.schema import Standard
    from openblotter.storage import Store


def test_pages__every_data_backed_page_in_both_languages(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    data = tmp_path / "site"
    first, second = build_site(store, standard, data, tmp_path / "work")
    with client_for(store, data) as client:
        paths = [
            f"/agencies/{AGENCY}",
            f"/agencies/{AGENCY}/stops",
            f"/agencies/{AGENCY}/stops?from=2025-04&to=2025-09&group=black&by=geography",
            f"/agencies/{AGENCY}/stop_subjects?geography=A&size=50",
            f"/agencies/{AGENCY}/analyses",
            f"/agencies/{AGENCY}/analyses/threshold-test",
            f"/releases/{second.short_id}",
            f"/releases/{first.short_id}",
        ]
        for path in paths:
            for prefix in ("", "/es"):
                page = client.get(prefix + path)
                assert page.status_code == 200, (prefix + path, page.text[:300])
                assert f'lang="{prefix[1:] or "en"}"' in page.text
        home = client.get("/index.json").json()
        assert [a["slug"] for a in home["agencies"]] == [AGENCY]
        agency = client.get(f"/agencies/{AGENCY}.json").json()
        assert agency["release"]["short_id"] == second.short_id
        assert [r["short_id"] for r in agency["releases"]] == [second.short_id, first.short_id]
        explorer = client.get(f"/agencies/{AGENCY}/stops.json?group=black&by=geography").json()
        assert explorer["counts"]["source"] == "aggregates"
        assert {r["value"] for r in explorer["counts"]["rows"]} == {"A", "B", "C", "D"}
        by_race = client.get(f"/agencies/{AGENCY}/stops.json").json()["counts"]["rows"]
        black = next(r for r in by_race if r["value"] == "black")
        assert black["exact"]
        assert explorer["records"]["total"] == black["count"]  # one person per stop
        assert explorer["records"]["applied"] == {"subject_race": ["black"]}
        release = client.get(f"/releases/{first.short_id}.json").json()
        assert release["supersedes"] is None
        assert release["changes"] == []
        download = client.get(f"/releases/{first.short_id}/files/data/stops.csv")
        assert download.status_code == 200
        assert download.content == (data / first.path / "data" / "stops.csv").read_bytes()
