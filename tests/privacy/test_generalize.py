"""Generalisations: exact on examples, and properties over any input (Hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openblotter.errors import ConfigError
from openblotter.privacy import (
    GENERALIZERS,
    age_band,
    block_address,
    date_month,
    generalize,
    round_coordinates,
    time_hour,
)
from openblotter.schema import Standard


def _apply(fn: object, values: list[object], dtype: pl.DataType | None = None) -> list[object]:
    frame = pl.DataFrame({"x": pl.Series(values, dtype=dtype)})
    return frame.select(fn(pl.col("x")).alias("y"))["y"].to_list()  # type: ignore[operator]


def test_age_band__edges(standard: Standard) -> None:
    ages = [0, 14, 15, 17, 18, 24, 25, 34, 35, 64, 65, 120, None]
    assert _apply(age_band, ages, pl.Int64) == [
        "under 15", "under 15", "15-17", "15-17", "18-24", "18-24", "25-34", "25-34", "35-44",
        "55-64", "65 and over", "65 and over", None,
    ]  # fmt: skip


@given(st.lists(st.integers(0, 120), min_size=1, max_size=50))
def test_age_band__gives_codes_of_the_code_list_in_age_order(ages: list[int]) -> None:
    from openblotter.schema import load_standard

    codes = list(load_standard().codelist("age_band").values)
    bands = _apply(age_band, sorted(ages), pl.Int64)
    assert all(b in codes for b in bands)
    positions = [codes.index(str(b)) for b in bands]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("1234 N MAIN ST", "1200 block of N MAIN ST"),
        ("12 ELM AVE", "0 block of ELM AVE"),
        ("12A OAK ST", "0 block of OAK ST"),
        ("7-9 PARK PL", "0 block of PARK PL"),
        ("MAIN ST & 1ST AVE", "MAIN ST & 1ST AVE"),
        ("1200 block of MAIN ST", "1200 block of MAIN ST"),
        (None, None),
    ],
)
def test_block_address__examples(address: str | None, expected: str | None) -> None:
    assert _apply(block_address, [address], pl.String) == [expected]


street = (
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=2, max_size=20)
    .map(str.strip)
    .filter(lambda s: bool(s) and not s[0].isdigit())
)


@given(st.integers(1, 99_999), street)
def test_block_address__never_keeps_the_house_number(number: int, name: str) -> None:
    (result,) = _apply(block_address, [f"{number} {name}"], pl.String)
    assert result == f"{number // 100 * 100} block of {name}"
    assert _apply(block_address, [result], pl.String) == [result]  # idempotent


@given(st.floats(-180, 180, allow_nan=False))
def test_round_coordinates__moves_at_most_half_a_unit_and_is_idempotent(value: float) -> None:
    (rounded,) = _apply(round_coordinates, [value], pl.Float64)
    assert abs(rounded - value) <= 0.0005 + 1e-9
    assert _apply(round_coordinates, [rounded], pl.Float64) == [rounded]


def test_time_hour_and_date_month() -> None:
    assert _apply(time_hour, [dt.time(23, 59, 59), None], pl.Time) == [dt.time(23), None]
    assert _apply(date_month, [dt.date(2016, 2, 29)], pl.Date) == [dt.date(2016, 2, 1)]


def test_generalize__every_generalization_of_the_standard_exists_or_is_the_release_step(
    standard: Standard,
) -> None:
    named = {
        f.generalization
        for n in standard.datasets
        for f in standard.schema(n).fields
        if f.generalization
    }
    assert named - set(GENERALIZERS) <= {"redact_text"}  # the identifier scanner of the release
    with pytest.raises(ConfigError, match="no generalisation"):
        generalize("blur", "x")
    frame = pl.DataFrame({"subject_age": [16]})
    assert frame.select(generalize("age_band", "subject_age")).to_dicts() == [
        {"subject_age": "15-17"}
    ]
