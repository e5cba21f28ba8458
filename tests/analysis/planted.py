"""Synthetic records with planted, known effects for the force, complaint and officer tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

DISTRICTS = ("A", "B", "C", "D")
BLACK_SHARE = (0.15, 0.35, 0.6, 0.85)
DISTRICT_EFFECT = (0.0, 0.4, 0.8, 1.2)
REASONS = ("casing", "matched suspect description", "suspicious object")


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def force_people(n: int, seed: int, odds_ratio: float = 1.8) -> pl.DataFrame:
    """One row per person stopped: force depends on race (``odds_ratio`` for black vs white),
    district (where black people are more often stopped: confounding), sex, age, reason, year."""
    rng = np.random.default_rng(seed)
    d = rng.integers(0, len(DISTRICTS), n)
    black = rng.random(n) < np.asarray(BLACK_SHARE)[d]
    hispanic = ~black & (rng.random(n) < 0.3)
    race = np.where(black, "black", np.where(hispanic, "hispanic", "white"))
    male = rng.random(n) < 0.8
    age = rng.integers(16, 70, n)
    reason = rng.integers(0, len(REASONS), n)
    year = rng.integers(2019, 2021, n)
    eta = (
        -2.2
        + np.asarray(DISTRICT_EFFECT)[d]
        + 0.4 * male
        + 0.3 * (age < 25)
        + np.asarray([0.0, 0.3, -0.2])[reason]
        + 0.2 * (year == 2020)
        + np.log(odds_ratio) * black
        + np.log(1.2) * hispanic
    )
    force = rng.random(n) < _logistic(eta)
    return pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "date": [dt.date(int(y), 1 + i % 12, 1 + i % 28) for i, y in enumerate(year)],
            "district": np.asarray(DISTRICTS)[d],
            "reason": np.asarray(REASONS)[reason],
            "subject_race": race,
            "subject_sex": np.where(male, "male", "female"),
            "subject_age": age,
            "force_used": force,
        }
    )


def stop_frames(people: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """``stops`` and ``stop_subjects`` frames (one person per stop) for storefill."""
    stops = people.select(
        "stop_id",
        "date",
        "district",
        pl.lit("pedestrian").alias("type"),
        pl.concat_list(pl.col("reason")).alias("reason_for_stop"),
    )
    subjects = people.select(
        "stop_id",
        pl.lit(1).alias("subject_seq"),
        "subject_race",
        "subject_sex",
        "subject_age",
        "force_used",
    )
    return {"stops": stops, "stop_subjects": subjects}


def force_incidents(n: int, seed: int, odds_ratio: float = 1.5) -> dict[str, pl.DataFrame]:
    """``use_of_force`` and ``force_subjects``: force level 2+ and injury with a planted odds
    ratio for black vs white people, confounded by precinct."""
    rng = np.random.default_rng(seed)
    d = rng.integers(0, len(DISTRICTS), n)
    black = rng.random(n) < np.asarray(BLACK_SHARE)[d]
    male = rng.random(n) < 0.85
    eta = -1.2 + np.asarray(DISTRICT_EFFECT)[d] + 0.3 * male + np.log(odds_ratio) * black
    high = rng.random(n) < _logistic(eta)
    level = np.where(high, np.where(rng.random(n) < 0.1, 3, 2), 1)
    injured = rng.random(n) < _logistic(eta - 0.5)
    ids = [f"u{i}" for i in range(n)]
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "date": [dt.date(2020 + i % 2, 1 + i % 12, 1 + i % 28) for i in range(n)],
            "precinct": np.asarray(DISTRICTS)[d],
            "force_level": level,
        }
    )
    subjects = pl.DataFrame(
        {
            "incident_id": ids,
            "subject_seq": [1] * n,
            "subject_race": np.where(black, "black", "white"),
            "subject_sex": np.where(male, "male", "female"),
            "subject_injured": injured,
        }
    )
    return {"use_of_force": incidents, "force_subjects": subjects}


def officer_stops(
    seed: int,
    *,
    officers: int = 60,
    stops_per_officer: int = 150,
    biased: int = 0,
    bias_odds: float = 2.5,
) -> tuple[dict[str, pl.DataFrame], set[str]]:
    """Stops by officers who each work mostly one district (very different black shares),
    day or night; the first ``biased`` officers stop black people with odds ``bias_odds``
    times their peers' in the same district and time band. Returns frames and biased keys."""
    rng = np.random.default_rng(seed)
    keys = [f"off{i:03d}" for i in range(officers)]
    home = rng.integers(0, len(DISTRICTS), officers)
    night = rng.random(officers) < 0.5
    rows: list[tuple[str, str, int, int, bool]] = []
    for i, key in enumerate(keys):
        for _ in range(stops_per_officer):
            district = home[i] if rng.random() < 0.85 else rng.integers(0, len(DISTRICTS))
            hour = int(rng.integers(18, 30) % 24) if night[i] else int(rng.integers(6, 18))
            share = BLACK_SHARE[district] * (1.2 if hour < 6 or hour >= 18 else 0.9)
            odds = share / (1 - share) * (bias_odds if i < biased else 1.0)
            rows.append(
                (
                    key,
                    DISTRICTS[district],
                    hour,
                    int(rng.integers(2019, 2021)),
                    rng.random() < odds / (1 + odds),
                )
            )
    stop_ids = [f"s{j}" for j in range(len(rows))]
    stops = pl.DataFrame(
        {
            "stop_id": stop_ids,
            "date": [dt.date(r[3], 1 + j % 12, 1 + j % 28) for j, r in enumerate(rows)],
            "time": [dt.time(r[2], 30) for r in rows],
            "district": [r[1] for r in rows],
        }
    )
    subjects = pl.DataFrame(
        {
            "stop_id": stop_ids,
            "subject_seq": [1] * len(rows),
            "subject_race": ["black" if r[4] else "white" for r in rows],
        }
    )
    officers_frame = pl.DataFrame(
        {
            "stop_id": stop_ids,
            "officer_key": [r[0] for r in rows],
            "officer_role": ["primary"] * len(rows),
        }
    )
    frames = {"stops": stops, "stop_subjects": subjects, "stop_officers": officers_frame}
    return frames, set(keys[:biased])
