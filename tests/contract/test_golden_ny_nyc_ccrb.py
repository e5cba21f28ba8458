"""Golden test: NYC Civilian Complaint Review Board, Penalties (NYC Open Data, 2024-07-27), checked
against facts read from the raw file independently (tests/data/real/nyc-ccrb-penalties/facts.json)
and against the raw file itself, read here with the csv module.

Where the mapping recodes values, the recode is stated again below in plain Python (not read from
the mapping) and the loaded counts are compared with the raw counts under it.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from tests.contract.golden import ROOT, contains, counts, facts, load, real_file

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.schema import Standard
    from openblotter.storage import Store

SOURCE = "nyc-ccrb-penalties"
FILE = "Civilian_Complaint_Review_Board__Penalties_20240727.csv"
PENALTY = "NYPD Officer Penalty"
DISPOSITION = "CCRB Substantiated Officer Disposition"

# CCRB's bracketed recommendation → board_recommendation code.
RECOMMENDATION = {
    "Substantiated (Charges)": "charges",
    "Substantiated (Command Discipline A)": "command discipline a",
    "Substantiated (Command Discipline B)": "command discipline b",
    "Substantiated (Command Discipline)": "command discipline",
    "Substantiated (Formalized Training)": "formalized training",
    "Substantiated (Command Lvl Instructions)": "command level instructions",
    "Substantiated (Instructions)": "instructions",
    "Substantiated (No Recommendations)": "no recommendation",
}


def discipline_code(item: str) -> str:
    """One ` / `-separated item of `NYPD Officer Penalty` → discipline code (the recode)."""
    text = item.strip().lower()
    exact = {
        "no penalty": "no penalty",
        "dismissed": "no penalty",  # the charges were dismissed ("... without discipline")
        "apu - decision pending": "pending",
        "retired": "retired",
        "resigned": "resigned",
        "terminated": "termination",
        "forced separation": "termination",
        "instructions": "instructions",
        "command level instructions": "command level instructions",
        "formalized training": "formalized training",
        "reprimand": "warned and admonished",
        "warned and admonished": "warned and admonished",
    }
    if text in exact:
        return exact[text]
    prefixes = [
        ("closed administratively", "closed administratively"),
        ("w&a", "warned and admonished"),
        ("command discipline - a", "command discipline a"),
        ("command discipline a", "command discipline a"),
        ("command discipline - b", "command discipline b"),
        ("command discipline b", "command discipline b"),
        ("dismissal probation", "dismissal probation"),
        ("probation:", "dismissal probation"),
        ("suspension", "suspension"),
        ("forfeit vacation", "forfeit vacation"),
        ("vacation:", "forfeit vacation"),
    ]
    for prefix, code in prefixes:
        if text.startswith(prefix):
            return code
    raise AssertionError(f"penalty item {item!r} has no code in this test")


def penalty_days(text: str) -> float | None:
    """Vacation + suspension days stated in a penalty text (the mapping's penalty_days table):
    probation days and days inside `Closed Administratively (...)` are not counted."""
    total = None
    for item in text.split(" / "):
        low = item.strip().lower()
        if low.startswith("closed administratively") or "probation" in low:
            continue
        found = re.search(r"(\d+(?:\.\d+)?) days?\b", low)
        if found:
            total = (total or 0.0) + float(found.group(1))
    return total


def raw_rows(tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "raw" / FILE
    path.parent.mkdir(exist_ok=True)
    with real_file(SOURCE, FILE, path.parent).open(newline="", encoding="ascii") as handle:
        return list(csv.DictReader(handle))


def fact() -> dict[str, Any]:
    data: dict[str, Any] = facts(SOURCE)["files"][FILE]
    return data


@pytest.fixture
def loaded(store: Store, standard: Standard, clock: FixedClock, tmp_path: Path) -> Store:
    result = load(
        store,
        standard,
        clock,
        agency="ny_nyc_ccrb",
        dataset="complaints",
        path=real_file(SOURCE, FILE, tmp_path),
    )
    assert result.status == "committed"
    assert result.rows_read == fact()["data_rows"] == 11583
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    assert result.rows_quarantined == 0
    assert result.rows_junk == 0
    assert result.records["complaints"].merged == 11583 - 7773
    return store


def test_ccrb__one_complaint_per_id_and_one_allegation_per_officer(loaded: Store) -> None:
    f = fact()
    assert loaded.query("SELECT count(*) FROM complaints").scalar() == f["complaints"]["distinct"]
    assert loaded.query("SELECT count(*) FROM allegations").scalar() == f["data_rows"]
    ids = loaded.query("SELECT min(complaint_id), max(complaint_id) FROM complaints").rows[0]
    assert list(ids) == [f["complaints"]["min"], f["complaints"]["max"]]
    per_complaint = counts(
        loaded,
        "SELECT n, count(*) FROM (SELECT complaint_id, count(*) AS n FROM allegations"
        " GROUP BY complaint_id) AS c GROUP BY n",
    )
    assert {str(k): v for k, v in per_complaint.items()} == f["complaints"][
        "officers_per_complaint"
    ]
    # Every allegation belongs to a loaded complaint of the board.
    orphans = loaded.query(
        "SELECT count(*) FROM allegations AS a LEFT JOIN complaints AS c"
        " ON c.agency_slug = a.agency_slug AND c.complaint_id = a.complaint_id"
        " WHERE c.complaint_id IS NULL"
    ).scalar()
    assert orphans == 0
    slugs = counts(loaded, "SELECT agency_slug, count(*) FROM allegations GROUP BY 1")
    assert slugs == {"ny_nyc_ccrb": 11583}


def test_ccrb__officers_are_nypd_officers_keyed_by_tax_id(loaded: Store) -> None:
    distinct = fact()["officer_id"]["distinct"]
    assert counts(loaded, "SELECT agency_slug, count(*) FROM officers GROUP BY 1") == {
        "ny_nypd": distinct
    }
    ids = counts(
        loaded, "SELECT id_type, count(*) FROM officer_ids WHERE agency_slug = 'ny_nypd' GROUP BY 1"
    )
    assert ids == {"tax_id": distinct}
    assert (
        loaded.query("SELECT count(*) FROM officer_ids WHERE id_value <> officer_key").scalar() == 0
    )
    owners = counts(loaded, "SELECT officer_agency_slug, count(*) FROM allegations GROUP BY 1")
    assert owners == {"ny_nypd": 11583}
    # Every allegation's officer resolves to an NYPD officer record.
    unresolved = loaded.query(
        "SELECT count(*) FROM allegations AS a LEFT JOIN officers AS o"
        " ON o.agency_slug = a.officer_agency_slug AND o.officer_key = a.officer_key"
        " WHERE o.officer_key IS NULL"
    ).scalar()
    assert unresolved == 0
    assert (
        loaded.query("SELECT count(*) FROM allegations WHERE allegation_id <> officer_key").scalar()
        == 0
    )
    per_officer = counts(
        loaded,
        "SELECT n, count(*) FROM (SELECT officer_key, count(*) AS n FROM allegations"
        " GROUP BY officer_key) AS o GROUP BY n",
    )
    assert {str(k): v for k, v in per_officer.items()} == fact()["officer_id"][
        "complaints_per_officer"
    ]


def test_ccrb__dispositions_recoded(loaded: Store) -> None:
    raw = fact()["value_counts"]
    # Every row is substantiated: finding sustained, complaint closed.
    assert set(raw[DISPOSITION]) <= set(RECOMMENDATION)
    assert counts(loaded, "SELECT finding, count(*) FROM allegations GROUP BY 1") == {
        "sustained": 11583
    }
    assert counts(loaded, "SELECT status, count(*) FROM complaints GROUP BY 1") == {"closed": 7773}
    expected = Counter()
    for label, n in raw[DISPOSITION].items():
        expected[RECOMMENDATION[label]] += n
    got = counts(loaded, "SELECT disposition_recommendation, count(*) FROM allegations GROUP BY 1")
    assert got == dict(expected)
    board = Counter()
    for label, n in raw["Board Discipline Recommendation"].items():
        board[RECOMMENDATION.get(label, "NA")] += n
    got = counts(
        loaded,
        "SELECT coalesce(board_recommendation, 'NA'), count(*) FROM allegations GROUP BY 1",
    )
    assert got == dict(board)
    assert got["NA"] == 7753


def test_ccrb__apu_prosecutions(loaded: Store) -> None:
    raw = fact()["value_counts"]
    referred = counts(
        loaded, "SELECT CAST(apu_referred AS INTEGER), count(*) FROM allegations GROUP BY 1"
    )
    assert referred == {1: raw["Officer is_APU"]["Yes"], 0: raw["Officer is_APU"]["No"]}
    # The APU statuses are the code list's labels: label → code from the standard's code list.
    codelist = ROOT / "src" / "openblotter" / "schema" / "codelists" / "apu_case_status.csv"
    with codelist.open(newline="", encoding="utf-8") as handle:
        by_label = {r["label"]: r["code"] for r in csv.DictReader(handle)}
    expected = {by_label.get(k, "NA") if k else "NA": n for k, n in raw["APU Case Status"].items()}
    got = counts(
        loaded, "SELECT coalesce(apu_case_status, 'NA'), count(*) FROM allegations GROUP BY 1"
    )
    assert got == expected
    assert got["pending"] == 679
    # The APU penalty columns are kept as written.
    for column, field in [
        ("APU CCRB Trial Recommended Penalty", "apu_recommended_penalty"),
        ("APU Trial Commissioner Recommended Penalty", "apu_trial_commissioner_penalty"),
        ("APU Plea Agreed Penalty", "apu_plea_penalty"),
    ]:
        got = counts(loaded, f"SELECT coalesce({field}, ''), count(*) FROM allegations GROUP BY 1")
        assert got == raw[column], field
    # Only APU cases have an APU status or closing date, and none has a penalty report date.
    stray = loaded.query(
        "SELECT count(*) FROM allegations WHERE NOT apu_referred"
        " AND (apu_case_status IS NOT NULL OR apu_closing_date IS NOT NULL)"
    ).scalar()
    assert stray == 0
    both = loaded.query(
        "SELECT count(*) FROM allegations WHERE apu_referred AND penalty_report_date IS NOT NULL"
    ).scalar()
    assert both == fact()["apu_rows_with_report_date"] == 0


def test_ccrb__dates_and_the_closing_date_after_the_extract(loaded: Store, tmp_path: Path) -> None:
    dates = fact()["dates"]
    report = loaded.query(
        "SELECT min(penalty_report_date), max(penalty_report_date), count(penalty_report_date)"
        " FROM allegations"
    ).rows[0]
    fr = dates["Non-APU NYPD Penalty Report Date"]
    assert [str(report[0]), str(report[1]), report[2]] == [
        fr["min"],
        fr["max"],
        11583 - fr["missing"],
    ]
    closing = loaded.query(
        "SELECT min(apu_closing_date), max(apu_closing_date), count(apu_closing_date)"
        " FROM allegations"
    ).rows[0]
    fc = dates["APU Closing Date"]
    assert [str(closing[0]), str(closing[1]), closing[2]] == [
        fc["min"],
        fc["max"],
        11583 - fc["missing"],
    ]
    # The quirk: one APU closing date (line 4955) is later than the As Of Date 2024-07-27.
    assert fc["after_as_of_date"]["count"] == 1
    line = fc["after_as_of_date"]["rows"][0]["line"]
    row = raw_rows(tmp_path)[line - 2]  # header is line 1
    late = loaded.query(
        "SELECT complaint_id, allegation_id, apu_closing_date FROM allegations"
        " WHERE apu_closing_date > DATE '2024-07-27'"
    ).rows
    assert [(r[0], r[1], str(r[2])) for r in late] == [
        (row["Complaint Id"], row["Tax ID"], "2024-08-09")
    ]


def test_ccrb__penalties_recoded_and_text_kept(loaded: Store, tmp_path: Path) -> None:
    rows = raw_rows(tmp_path)
    # Every item of the raw penalty texts (facts split them on " / ") has a code in this test.
    items = fact()["nypd_officer_penalty_items"]
    assert {discipline_code(i) for i in items} <= {
        "no penalty",
        "pending",
        "retired",
        "resigned",
        "termination",
        "instructions",
        "command level instructions",
        "formalized training",
        "warned and admonished",
        "closed administratively",
        "command discipline a",
        "command discipline b",
        "dismissal probation",
        "suspension",
        "forfeit vacation",
    }
    expected: Counter[str] = Counter()
    for r in rows:
        if r[PENALTY]:
            expected.update({discipline_code(i) for i in r[PENALTY].split(" / ")})
    got = counts(
        loaded,
        "SELECT d, count(*) FROM (SELECT unnest(discipline) AS d FROM allegations) AS x GROUP BY d",
    )
    assert got == dict(expected)
    # The wording is kept as it is.
    text = counts(
        loaded, "SELECT coalesce(discipline_text, ''), count(*) FROM allegations GROUP BY 1"
    )
    assert text == fact()["value_counts"][PENALTY]
    empty = loaded.query("SELECT count(*) FROM allegations WHERE discipline IS NULL").scalar()
    assert empty == fact()["value_counts"][PENALTY][""] == 1636
    # A combined penalty gives several kinds; a bracketed CD with days one.
    vac = contains(loaded, "discipline", "forfeit vacation")
    cdb = contains(loaded, "discipline", "command discipline b")
    both = loaded.query(f"SELECT count(*) FROM allegations WHERE {vac} AND {cdb}").scalar()
    assert both == sum(
        1
        for r in rows
        if {"forfeit vacation", "command discipline b"}
        <= {discipline_code(i) for i in r[PENALTY].split(" / ") if r[PENALTY]}
    )
    # "Dismissed" means the charges were dismissed: every such row is an APU case closed without
    # discipline, and it is recoded to no penalty, not termination.
    dismissed = [r for r in rows if r[PENALTY] == "Dismissed"]
    assert len(dismissed) == 13
    assert all(r["APU Case Status"].lower().endswith("without discipline") for r in dismissed)
    nopen = contains(loaded, "discipline", "no penalty")
    got_dismissed = loaded.query(
        f"SELECT count(*) FROM allegations WHERE discipline_text = 'Dismissed' AND {nopen}"
    ).scalar()
    assert got_dismissed == 13


def test_ccrb__penalty_days_read_from_the_text(loaded: Store, tmp_path: Path) -> None:
    expected = {
        (r["Complaint Id"], r["Tax ID"]): penalty_days(r[PENALTY]) for r in raw_rows(tmp_path)
    }
    got = {
        (r[0], r[1]): (float(r[2]) if r[2] is not None else None)
        for r in loaded.query(
            "SELECT complaint_id, allegation_id, penalty_days FROM allegations"
        ).rows
    }
    assert got.keys() == expected.keys()
    wrong = {
        k: (got[k], v)
        for k, v in expected.items()
        if (got[k] is None) != (v is None) or (v is not None and got[k] != pytest.approx(v))
    }
    assert wrong == {}
    assert sum(1 for v in expected.values() if v is not None) == 1318
    # Spot checks of the spellings.
    by_text = dict(
        loaded.query(
            "SELECT DISTINCT discipline_text, penalty_days FROM allegations"
            " WHERE discipline_text IN ('Command Discipline - A (Vacation: 0.25 days)',"
            " 'Suspension: 30 days / Vacation: 15 days / Probation: 30 days',"
            " 'Forfeit vacation 10 days / Command Discipline B', 'Command Discipline - A')"
        ).rows
    )
    assert {k: (float(v) if v is not None else None) for k, v in by_text.items()} == {
        "Command Discipline - A (Vacation: 0.25 days)": 0.25,
        "Suspension: 30 days / Vacation: 15 days / Probation: 30 days": 45.0,
        "Forfeit vacation 10 days / Command Discipline B": 10.0,
        "Command Discipline - A": None,
    }
