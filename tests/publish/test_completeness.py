"""Completeness: shares over the right denominators, flagged months, fields never provided."""

from __future__ import annotations

import datetime as dt

import polars as pl

from openblotter.publish.completeness import completeness
from openblotter.schema import Standard
from openblotter.schema.frames import frame_schema


def frame(standard: Standard, dataset: str, rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = frame_schema(standard.schema(dataset))
    full = [{name: row.get(name) for name in schema} for row in rows]
    return pl.DataFrame(full, schema=schema)


def test_completeness__predicated_fields_count_among_their_records(standard: Standard) -> None:
    subjects = frame(
        standard,
        "stop_subjects",
        [
            {
                "stop_id": "1",
                "subject_seq": 1,
                "search_conducted": True,
                "search_basis": ["consent"],
                "contraband_found": False,
            },
            {
                "stop_id": "2",
                "subject_seq": 1,
                "search_conducted": True,
                "search_basis": [],
                "contraband_found": None,
            },
            {
                "stop_id": "3",
                "subject_seq": 1,
                "search_conducted": False,
                "subject_identity_source": "unknown",
            },
            {"stop_id": "4", "subject_seq": 1, "search_conducted": None, "subject_race": "white"},
        ],
    )
    report = completeness(standard, {"stop_subjects": subjects})
    rows = {r["field"]: r for r in report.fields.iter_rows(named=True)}
    assert rows["search_basis"]["records"] == 2
    assert rows["search_basis"]["carried"] == 1  # an empty list carries nothing
    assert rows["search_basis"]["denominator"] == "records where search_conducted is true"
    assert rows["contraband_found"]["records"] == 2  # Open Policing's rule
    assert rows["contraband_found"]["share"] == 0.5
    assert rows["search_conducted"]["records"] == 4
    assert rows["search_conducted"]["share"] == 0.75
    assert rows["subject_race"]["share"] == 0.25
    assert rows["subject_identity_source"]["share"] == 0.25  # carried …
    assert rows["subject_identity_source"]["known_share"] == 0.0  # … but says nothing
    assert "subject_last_name" in report.never_provided("stop_subjects")
    assert "search_conducted" not in report.never_provided("stop_subjects")


def test_completeness__months_with_too_few_records_and_gaps_are_flagged(standard: Standard) -> None:
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(31)]  # January: 31
    days += [dt.date(2020, 2, 1) + dt.timedelta(days=i) for i in range(29)]  # February: 29
    days += [dt.date(2020, 4, 3)] * 5  # March: none; April: 5
    days += [dt.date(2020, 5, 1) + dt.timedelta(days=i) for i in range(31)]
    stops = frame(standard, "stops", [{"stop_id": str(i), "date": d} for i, d in enumerate(days)])
    report = completeness(standard, {"stops": stops})
    flags = {r["month"]: r["flag"] for r in report.months.iter_rows(named=True)}
    assert flags[dt.date(2020, 3, 1)] == "no records"
    assert flags[dt.date(2020, 4, 1)].startswith("under 50%")
    assert flags[dt.date(2020, 1, 1)] == ""
    summary = report.datasets.row(0, named=True)
    assert summary["first_date"] == dt.date(2020, 1, 1)
    assert summary["last_date"] == dt.date(2020, 5, 31)
    assert summary["months_flagged"] == 2
