"""The de-identification step: allow-list only, each policy choice applied, text redacted."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openblotter.errors import ConfigError
from openblotter.privacy.deidentify import AGE_TOP_CODE, deidentify, published_fields
from openblotter.privacy.identifiers import record_identifiers
from openblotter.privacy.policy import PublicationPolicy
from openblotter.privacy.redact import redact_text
from openblotter.schema import PrivacyClass, Standard
from openblotter.schema.frames import frame_schema
from openblotter.testing import records


def test_published_fields__never_carry_a_restricted_field(standard: Standard) -> None:
    for dataset in standard.datasets:
        schema = standard.schema(dataset)
        for policy in (PublicationPolicy(), PublicationPolicy(age="exact", time="exact")):
            names = {p.name for p in published_fields(schema, policy)}
            restricted = {f.name for f in schema.fields if f.privacy == PrivacyClass.RESTRICTED}
            assert not names & restricted, dataset


def test_deidentify__output_is_exactly_the_allow_list(standard: Standard) -> None:
    for dataset in standard.datasets:
        schema = standard.schema(dataset)
        frame = records(dataset, standard, rows=20, seed=1).cast(frame_schema(schema))  # type: ignore[arg-type]
        frame = frame.with_columns(
            pl.lit("Ermentrude").alias("victim_name"), pl.lit(7).alias("_batch_id")
        )
        out = deidentify(schema, frame, PublicationPolicy())
        assert out.columns == [p.name for p in published_fields(schema, PublicationPolicy())]
        assert out.height == frame.height


def test_deidentify__policy_choices(standard: Standard) -> None:
    schema = standard.schema("stop_subjects")
    frame = pl.DataFrame(
        {
            "agency_slug": ["a"] * 3,
            "stop_id": ["1", "2", "3"],
            "subject_seq": [1, 1, 1],
            "subject_age": [16, 40, 97],
        },
    ).with_columns(
        [
            pl.lit(None).cast(t).alias(n)
            for n, t in frame_schema(schema).items()
            if n not in ("agency_slug", "stop_id", "subject_seq", "subject_age")
        ]
    )
    banded = deidentify(schema, frame, PublicationPolicy())
    assert banded["subject_age"].to_list() == ["15-17", "35-44", "65 and over"]
    exact = deidentify(schema, frame, PublicationPolicy(age="exact"))
    assert exact["subject_age"].to_list() == [16, 40, AGE_TOP_CODE]


def test_deidentify__coordinates_addresses_and_times(standard: Standard) -> None:
    schema = standard.schema("stops")
    base = {n: pl.Series(n, [None, None], dtype=t) for n, t in frame_schema(schema).items()}
    base.update(
        agency_slug=pl.Series(["a", "a"]),
        stop_id=pl.Series(["1", "2"]),
        date=pl.Series([dt.date(2020, 1, 1)] * 2),
        type=pl.Series(["vehicular"] * 2),
        time=pl.Series([dt.time(13, 47, 12), dt.time(0, 5)]),
        lat=pl.Series([37.774512, 37.77461]),
        lng=pl.Series([-87.113255, -87.11301]),
        location=pl.Series(["1234 N MAIN ST", "MAIN ST & 2ND ST"]),
    )
    frame = pl.DataFrame(base)
    out = deidentify(schema, frame, PublicationPolicy())
    assert out["time"].to_list() == [dt.time(13), dt.time(0)]
    assert out["lat"].to_list() == [37.775, 37.775]
    assert out["location"].to_list() == ["1200 block of N MAIN ST", "MAIN ST & 2ND ST"]
    hexed = deidentify(schema, frame, PublicationPolicy(coordinates="hexagon", time="exact"))
    assert hexed["lat"][0] == hexed["lat"][1]  # 25 m apart: one hexagon of 250 m
    assert hexed["time"][0] == dt.time(13, 47, 12)
    dropped = deidentify(
        schema, frame, PublicationPolicy(coordinates="drop", addresses="drop", narratives="drop")
    )
    assert not {"lat", "lng", "location", "reason_for_stop_text"} & set(dropped.columns)


def test_policy__refuses_a_threshold_below_the_floor() -> None:
    with pytest.raises(ConfigError, match="min_cell"):
        PublicationPolicy.parse({"min_cell": 5})
    with pytest.raises(ConfigError, match="ages"):
        PublicationPolicy.parse({"ages": "exact"})


def test_identifiers__dates_of_birth_are_known_in_every_common_spelling(standard: Standard) -> None:
    schema = standard.schema("stop_subjects")
    frame = pl.DataFrame(
        {
            "agency_slug": ["a"],
            "stop_id": ["1"],
            "subject_first_name": ["Ann"],
            "subject_last_name": ["Lee"],
            "subject_birth_date": [dt.date(1980, 3, 4)],
        }
    )
    ids = record_identifiers(frame, schema, ["agency_slug", "stop_id"]).row(0, named=True)
    assert ids["_names"] == ["Ann", "Lee"]
    assert {"1980-03-04", "03/04/1980", "3/4/1980", "3/4/80"} <= set(ids["_known"])


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("call 555-123-4567 or (555) 123 4567", "call", ["555-123-4567", "123 4567"]),
        ("SSN 123-45-6789 given", "given", ["123-45-6789"]),
        ("email jo.x+1@mail.example.org now", "now", ["jo.x"]),
        ("D.O.B. 04/05/1987 and born March 3, 1990", "and", ["1987", "1990"]),
        ("plate # 7ABC123 and tag XYZ9876", "and", ["7ABC123", "XYZ9876"]),
        ("lives at 4512 W Elm Street Apt 2", "lives at", ["4512"]),
        ("seen in the 4500 block of W Elm Street", "4500 block of W Elm Street", []),
    ],
)
def test_redact__patterns(text: str, kept: str, gone: list[str]) -> None:
    out = redact_text(text)
    assert kept in out
    for value in gone:
        assert value not in out
    if gone:
        assert "[REDACTED:" in out


names = st.from_regex(r"[A-Za-zÀ-ÖØ-Þà-öø-ÿ]{2,12}", fullmatch=True)  # no ß: its upper case is SS


@settings(max_examples=200, deadline=None)
@given(
    first=names,
    last=names,
    filler=st.lists(
        st.sampled_from(["the", "car", "stopped", "near", "and", ",", "."]), max_size=8
    ),
)
def test_redact__a_record_name_never_survives(first: str, last: str, filler: list[str]) -> None:
    text = " ".join([*filler, first.upper(), "met", last, "and", f"{first.lower()}'s", *filler])
    out = redact_text(text, names=[first, last])
    for name in (first, last):
        assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", out, re.IGNORECASE), out
