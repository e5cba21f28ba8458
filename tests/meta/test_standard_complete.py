"""The standard is complete: every field is documented, classified and crosswalked, and every
data element the advocacy toolkit requires exists where the toolkit asks for it."""

from __future__ import annotations

import re

import pytest

from openblotter.schema import PrivacyClass, Standard

DATASETS = {
    "agencies", "officers", "officer_ids", "stops", "stop_subjects", "stop_officers", "arrests",
    "use_of_force", "force_subjects", "force_officers", "critical_incidents", "complaints",
    "allegations", "hate_incidents", "calls_for_service", "population",
}  # fmt: skip

# "including date, time, and geolocation of the incident; actual or perceived race, ethnicity,
# age, and gender of the people involved; reason for enforcement action; search conducted (if
# any) and if it was consensual; evidence located (if any); and a unique identifier for the
# officer(s) involved" - the toolkit, "Organize around the release of data".
PERSON = {"race", "ethnicity", "age", "gender", "identity_source"}
EVENT = {"date", "time", "geolocation", "reason"}
SEARCH = {"search_conducted", "search_consent", "evidence_found"}
REQUIRED_ELEMENTS = {
    ("stops", "stop_subjects", "stop_officers"): EVENT | PERSON | SEARCH | {"officer_id"},
    ("arrests",): EVENT | PERSON | SEARCH | {"officer_id"},
    ("use_of_force", "force_subjects", "force_officers"): EVENT | PERSON | {"officer_id"},
    ("complaints", "allegations"): {"date", "geolocation"} | PERSON | {"officer_id"},
    ("critical_incidents",): {"date", "time", "geolocation"},
    ("hate_incidents",): {"date"},
    ("calls_for_service",): {"date", "time", "geolocation"},
}

OPP_STOP_FIELDS = [
    "date", "time", "lat", "lng", "type", "reason_for_stop", "subject_race", "subject_age",
    "subject_sex", "search_conducted", "search_basis", "frisk_performed", "contraband_found",
    "arrest_made", "citation_issued", "warning_issued", "outcome",
]  # fmt: skip
PROHIBITED = re.compile(r"sexual_orientation|gender_identity|immigration|lgbt|citizenship|homeland")


def test_standard__has_every_dataset_of_the_architecture(standard: Standard) -> None:
    assert set(standard.datasets) == DATASETS


def test_every_field__has_description_privacy_and_crosswalk(standard: Standard) -> None:
    for name in standard.datasets:
        schema = standard.schema(name)
        assert schema.description.strip(), name
        for field in schema.fields:
            where = f"{name}.{field.name}"
            assert len(field.description.strip()) >= 20, f"{where}: description too thin"
            assert field.title.strip(), where
            assert isinstance(field.privacy, PrivacyClass), where
            assert set(field.crosswalk) == {"opp", "ripa", "fbi"}, where


@pytest.mark.parametrize("group", list(REQUIRED_ELEMENTS), ids=lambda g: "+".join(g))
def test_toolkit_required_elements__exist(standard: Standard, group: tuple[str, ...]) -> None:
    tagged = {f.toolkit for name in group for f in standard.schema(name).fields if f.toolkit}
    missing = REQUIRED_ELEMENTS[group] - tagged
    assert not missing, f"{group} lacks toolkit elements {sorted(missing)}"


def test_every_officer_record__carries_the_persistent_officer_key(standard: Standard) -> None:
    for name in ("stop_officers", "force_officers", "allegations", "officers", "officer_ids"):
        field = standard.schema(name).field("officer_key")
        assert field.privacy is PrivacyClass.PUBLIC


def test_stop_fields__keep_open_policing_names(standard: Standard) -> None:
    names = {
        f.name
        for d in ("stops", "stop_subjects", "stop_officers")
        for f in standard.schema(d).fields
    }
    assert set(OPP_STOP_FIELDS) <= names
    for d in ("stops", "stop_subjects"):
        for field in standard.schema(d).fields:
            if field.name in OPP_STOP_FIELDS:
                assert field.crosswalk["opp"] == field.name, f"{d}.{field.name}"


def test_subject_race__keeps_open_policing_levels(standard: Standard) -> None:
    field = standard.schema("stop_subjects").field("subject_race")
    assert field.constraints.enum is not None
    opp = {"asian/pacific islander", "black", "hispanic", "white", "other", "unknown"}
    assert opp <= set(field.constraints.enum)
    detail = standard.schema("stop_subjects").field("subject_race_detail")
    assert detail.type == "list"
    assert detail.codelist is not None
    for code in standard.codelist(detail.codelist).codes:
        assert (code.parent or code.code) in opp, f"{code.code} has no Open Policing parent"


def test_summons__is_not_a_citation(standard: Standard) -> None:
    subjects = standard.schema("stop_subjects")
    assert subjects.has_field("summons_issued")
    assert "summons" in (subjects.field("outcome").constraints.enum or ())


def test_prohibited_attributes__appear_only_in_hate_incidents(standard: Standard) -> None:
    for name in standard.datasets:
        for field in standard.schema(name).fields:
            if PROHIBITED.search(field.name):
                assert name == "hate_incidents", f"{name}.{field.name} must not exist"
                assert field.privacy is PrivacyClass.RESTRICTED
                assert field.only_when is not None
                assert field.only_when.field == "reported_voluntarily"


def test_sexual_misconduct__is_an_allegation_category(standard: Standard) -> None:
    field = standard.schema("allegations").field("category")
    codes = set(field.constraints.enum or ())
    assert {"sexual misconduct", "sexual violence"} <= {c.replace("_", " ") for c in codes}


def test_bias_codes__cover_every_nibrs_bias_motivation(standard: Standard) -> None:
    field = standard.schema("hate_incidents").field("bias_motivations")
    assert field.codelist is not None
    fbi = {c.fbi for c in standard.codelist(field.codelist).codes}
    nibrs = {
        "11", "12", "13", "14", "15", "16", "31", "32", "33", "21", "22", "23", "24", "25", "26",
        "27", "28", "29", "81", "82", "83", "84", "85", "41", "42", "43", "44", "45", "51", "52",
        "61", "62", "71", "72", "88", "99",
    }  # fmt: skip
    assert nibrs <= fbi


def test_every_codelist__is_used(standard: Standard) -> None:
    used = {f.codelist for n in standard.datasets for f in standard.schema(n).fields if f.codelist}
    assert used == set(standard.codelists)


def test_child_tables__reference_their_parents(standard: Standard) -> None:
    parents = {
        "stop_subjects": "stops", "stop_officers": "stops", "force_subjects": "use_of_force",
        "force_officers": "use_of_force", "allegations": "complaints", "officer_ids": "officers",
    }  # fmt: skip
    for child, parent in parents.items():
        assert parent in {k.resource for k in standard.schema(child).foreign_keys}, child
