"""Golden test: FBI UCR hate crime incidents 1991-2020 (Crime Data Explorer bulk file), checked
against facts read from the raw file independently (tests/data/real/fbi-hate-crime/facts.json).

The file has 219,577 rows: it is loaded once per store, by the one test below, which then checks
each fact in turn (a helper per fact, so that a failure names it).

Where the mapping recodes values, the recode is stated again here (not read from the mapping) and
the loaded counts are compared with the raw counts under it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.contract.golden import contains, counts, facts, load, real_file

if TYPE_CHECKING:
    from pathlib import Path

    from openblotter.clock import FixedClock
    from openblotter.ingest.pipeline import IngestResult
    from openblotter.schema import Standard
    from openblotter.storage import Store

SOURCE = "fbi-hate-crime"
ZIP = "hate_crime.zip"
MEMBER = "hate_crime.csv"

# FBI bias label → NIBRS Data Element 8A slug (the mapping's recode).
BIAS = {
    "Anti-White": "anti_white",
    "Anti-Black or African American": "anti_black",
    "Anti-American Indian or Alaska Native": "anti_american_indian_alaska_native",
    "Anti-Asian": "anti_asian",
    "Anti-Multiple Races, Group": "anti_multiple_races",
    "Anti-Native Hawaiian or Other Pacific Islander": "anti_native_hawaiian_pacific_islander",
    "Anti-Arab": "anti_arab",
    "Anti-Hispanic or Latino": "anti_hispanic_latino",
    "Anti-Other Race/Ethnicity/Ancestry": "anti_other_race_ethnicity_ancestry",
    "Anti-Jewish": "anti_jewish",
    "Anti-Catholic": "anti_catholic",
    "Anti-Protestant": "anti_protestant",
    "Anti-Islamic (Muslim)": "anti_islamic",
    "Anti-Other Religion": "anti_other_religion",
    "Anti-Multiple Religions, Group": "anti_multiple_religions",
    "Anti-Atheism/Agnosticism": "anti_atheism_agnosticism",
    "Anti-Mormon": "anti_mormon",
    "Anti-Jehovah's Witness": "anti_jehovahs_witness",
    "Anti-Eastern Orthodox (Russian, Greek, Other)": "anti_eastern_orthodox",
    "Anti-Other Christian": "anti_other_christian",
    "Anti-Buddhist": "anti_buddhist",
    "Anti-Hindu": "anti_hindu",
    "Anti-Sikh": "anti_sikh",
    "Anti-Gay (Male)": "anti_gay_male",
    "Anti-Lesbian (Female)": "anti_lesbian",
    "Anti-Lesbian, Gay, Bisexual, or Transgender (Mixed Group)": "anti_lgbt_mixed_group",
    "Anti-Heterosexual": "anti_heterosexual",
    "Anti-Bisexual": "anti_bisexual",
    "Anti-Physical Disability": "anti_physical_disability",
    "Anti-Mental Disability": "anti_mental_disability",
    "Anti-Male": "anti_male",
    "Anti-Female": "anti_female",
    "Anti-Transgender": "anti_transgender",
    "Anti-Gender Non-Conforming": "anti_gender_non_conforming",
    "Unknown (offender's motivation not known)": "unknown",
}


def fact() -> dict[str, Any]:
    data: dict[str, Any] = facts(SOURCE)["files"][MEMBER]
    return data


def unnested(store: Store, field: str) -> dict[Any, int]:
    """Incidents per item of a list field."""
    return counts(
        store,
        f"SELECT item, count(*) FROM (SELECT unnest({field}) AS item FROM hate_incidents) AS x"
        " GROUP BY item",
    )


def lower_keys(raw: dict[str, int]) -> dict[str, int]:
    """The recode of offence, location, victim type, race and ethnicity labels: the code is the
    FBI label in lower case (they are the code lists' labels)."""
    return {label.lower(): n for label, n in raw.items()}


def check_batch(result: IngestResult) -> None:
    assert result.status == "committed"
    assert result.rows_read == fact()["data_rows"] == 219577
    assert result.rows_loaded + result.rows_quarantined + result.rows_junk == result.rows_read
    assert result.rows_quarantined == 0
    assert result.rows_junk == 0
    assert result.records["hate_incidents"].inserted == 219577
    # The offender's anti-gay / anti-transgender biases are not prohibited values: nothing removed.
    assert "prohibited-value-removed" not in result.warnings
    assert result.refused_columns == {}


def check_agencies(store: Store) -> None:
    ori = fact()["ori"]
    slugs = [r[0] for r in store.query("SELECT DISTINCT agency_slug FROM hate_incidents").rows]
    assert len(slugs) == ori["distinct"] == 9689
    assert all(re.fullmatch(r"[a-z]{2}_[a-z0-9_]+", s) for s in slugs)
    # Each record is filed under lower("{STATE_ABBR}_{ORI}") of its reporting agency.
    other = store.query(
        "SELECT count(*) FROM hate_incidents WHERE agency_slug <> lower(state || '_' || ori)"
    ).scalar()
    assert other == 0
    per_ori = counts(
        store,
        "SELECT ori, count(*) FROM hate_incidents WHERE ori IN"
        " ('NY0303000', 'CA0194200', 'MA0130100', 'AZ0072300', 'CA0380100') GROUP BY ori",
    )
    assert per_ori == ori["most_incidents"]
    nypd = store.query("SELECT count(*) FROM hate_incidents WHERE agency_slug = 'ny_ny0303000'")
    assert nypd.scalar() == 10717
    # The FBI's state codes are kept: FS (federal agencies, ORI prefix = state they sit in), NB, GM.
    states = counts(store, "SELECT state, count(*) FROM hate_incidents GROUP BY state")
    assert states == fact()["value_counts"]["STATE_ABBR"]
    mismatched = store.query(
        "SELECT count(*) FROM hate_incidents WHERE substr(ori, 1, 2) <> state"
    ).scalar()
    assert mismatched == sum(ori["rows_where_ori_prefix_differs_from_STATE_ABBR"].values()) == 426
    federal = store.query(
        "SELECT count(*) FROM hate_incidents WHERE agency_slug LIKE 'fs\\_%' ESCAPE '\\'"
    ).scalar()
    assert federal == states["FS"] == 426
    # Names are trimmed (93 raw names end with a blank).
    blanks = store.query(
        "SELECT count(*) FROM hate_incidents"
        " WHERE reporting_agency_name <> trim(reporting_agency_name)"
        " OR reporting_agency_unit <> trim(reporting_agency_unit)"
    ).scalar()
    assert blanks == 0
    units = store.query("SELECT count(reporting_agency_unit) FROM hate_incidents").scalar()
    assert units == 219577 - fact()["missing_markers"]["''"]["columns"]["PUB_AGENCY_UNIT"]
    # Every reporting agency has an agencies record (one per ORI), beside the collector's own.
    assert store.query("SELECT count(*) FROM agencies").scalar() == 9689 + 1
    assert (
        store.query("SELECT count(*) FROM agencies WHERE agency_slug = 'us_fbi_ucr'").scalar() == 1
    )
    orphans = store.query(
        "SELECT count(*) FROM hate_incidents h WHERE NOT EXISTS"
        " (SELECT 1 FROM agencies a WHERE a.agency_slug = h.agency_slug)"
    ).scalar()
    assert orphans == 0
    nypd_agency = store.query(
        "SELECT name, ori, state, agency_type FROM agencies WHERE agency_slug = 'ny_ny0303000'"
    ).rows
    assert nypd_agency == [("New York", "NY0303000", "NY", "municipal police")]


def check_dates(store: Store) -> None:
    dates = fact()["dates"]["INCIDENT_DATE"]
    first, last = store.query("SELECT min(date), max(date) FROM hate_incidents").rows[0]
    assert [str(first), str(last)] == [dates["min"], dates["max"]]
    assert store.query("SELECT count(*) FROM hate_incidents WHERE date IS NULL").scalar() == 0
    per_year = counts(store, "SELECT year, count(*) FROM hate_incidents GROUP BY year")
    assert {str(k): v for k, v in per_year.items()} == fact()["years"]["incidents_per_year"]
    # The two-digit years land in the right century: the date's year is always DATA_YEAR.
    off = store.query(
        "SELECT count(*) FROM hate_incidents WHERE CAST(EXTRACT(YEAR FROM date) AS INTEGER) <> year"
    ).scalar()
    assert off == len(dates["rows_where_year_differs_from_DATA_YEAR"]["lines"]) == 0


def check_biases(store: Store) -> None:
    bias = fact()["bias"]
    assert set(bias["incidents_per_individual_bias"]) == set(BIAS)
    expected = {BIAS[label]: n for label, n in bias["incidents_per_individual_bias"].items()}
    assert unnested(store, "bias_motivations") == expected
    # The offender's bias against gay men and transgender people is kept.
    assert expected["anti_gay_male"] == 22054
    assert expected["anti_transgender"] == 939
    per_incident = counts(
        store,
        "SELECT len, count(*) FROM (SELECT cardinality(bias_motivations) AS len"
        " FROM hate_incidents) AS x GROUP BY len",
    )
    assert {str(k): v for k, v in per_incident.items()} == bias["biases_per_incident"]
    flags = counts(store, "SELECT multiple_bias, count(*) FROM hate_incidents GROUP BY 1")
    assert flags == {True: bias["MULTIPLE_BIAS"]["M"], False: bias["MULTIPLE_BIAS"]["S"]}
    several = store.query(
        "SELECT count(*) FROM hate_incidents WHERE multiple_bias"
        " AND cardinality(bias_motivations) > 1"
    ).scalar()
    assert several == bias["incidents_with_several_biases"] == 1019
    unknown = contains(store, "bias_motivations", "unknown")
    one = store.query(f"SELECT count(*) FROM hate_incidents WHERE {unknown}").scalar()
    assert one == 1


def check_offenses_places_victims(store: Store) -> None:
    offenses = fact()["offenses"]
    assert unnested(store, "offenses") == lower_keys(offenses["incidents_per_offense_name"])
    flags = counts(store, "SELECT multiple_offense, count(*) FROM hate_incidents GROUP BY 1")
    assert flags == {
        True: offenses["MULTIPLE_OFFENSE"]["M"],
        False: offenses["MULTIPLE_OFFENSE"]["S"],
    }
    one_name = store.query(
        "SELECT count(*) FROM hate_incidents WHERE multiple_offense AND cardinality(offenses) = 1"
    ).scalar()
    assert one_name == offenses["MULTIPLE_OFFENSE_M_but_one_offense"] == 2325
    several = store.query(
        "SELECT count(*) FROM hate_incidents WHERE cardinality(offenses) > 1"
    ).scalar()
    assert several == offenses["incidents_with_several_offenses"]
    locations = fact()["locations"]
    assert unnested(store, "location_types") == lower_keys(locations["incidents_per_location"])
    several = store.query(
        "SELECT count(*) FROM hate_incidents WHERE cardinality(location_types) > 1"
    ).scalar()
    assert several == locations["incidents_with_several"]
    victims = fact()["victim_types"]
    assert unnested(store, "victim_types") == lower_keys(victims["incidents_per_victim_type"])
    several = store.query(
        "SELECT count(*) FROM hate_incidents WHERE cardinality(victim_types) > 1"
    ).scalar()
    assert several == victims["incidents_with_several"]


def check_offenders_and_counts(store: Store) -> None:
    raw = fact()["value_counts"]
    race = counts(store, "SELECT offender_race, count(*) FROM hate_incidents GROUP BY 1")
    assert race == {(k.lower() or None): n for k, n in raw["OFFENDER_RACE"].items()}
    eth = counts(store, "SELECT offender_ethnicity, count(*) FROM hate_incidents GROUP BY 1")
    assert eth == {(k.lower() or None): n for k, n in raw["OFFENDER_ETHNICITY"].items()}
    assert race[None] == 20  # empty OFFENDER_RACE is missing, not unknown
    # Count columns: empty stays missing (not 0), sums as in the raw file.
    for column, stats in fact()["counts_columns"].items():
        field = column.lower()
        total, empty, low, high = store.query(
            f"SELECT sum({field}), count(*) - count({field}), min({field}), max({field})"
            " FROM hate_incidents"
        ).rows[0]
        assert [int(total), int(empty), low, high] == [
            stats["sum"],
            stats["empty"],
            stats["min"],
            stats["max"],
        ], column
    # TOTAL_OFFENDER_COUNT 0 (offender unknown) is kept as 0, some with a known race.
    known = counts(
        store,
        "SELECT offender_race, count(*) FROM hate_incidents WHERE total_offender_count = 0"
        " AND offender_race <> 'unknown' GROUP BY 1",
    )
    assert known == lower_keys(fact()["offender_count_0_with_known_race"])


def check_crimes_and_restricted_fields(store: Store) -> None:
    crimes = counts(store, "SELECT is_crime, count(*) FROM hate_incidents GROUP BY 1")
    assert crimes == {True: 219577}
    filled = store.query(
        "SELECT count(reported_voluntarily), count(victim_sexual_orientation),"
        " count(victim_gender_identity), count(victim_immigration_status), count(time),"
        " count(location), count(lat) FROM hate_incidents"
    ).rows[0]
    assert list(filled) == [0] * 7


def test_fbi_hate_crime__golden(
    store: Store, standard: Standard, clock: FixedClock, tmp_path: Path
) -> None:
    result = load(
        store,
        standard,
        clock,
        agency="us_fbi_ucr",
        dataset="hate_incidents",
        path=real_file(SOURCE, ZIP, tmp_path),
    )
    check_batch(result)
    check_agencies(store)
    check_dates(store)
    check_biases(store)
    check_offenses_places_victims(store)
    check_offenders_and_counts(store)
    check_crimes_and_restricted_fields(store)
