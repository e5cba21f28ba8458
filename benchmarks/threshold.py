"""Threshold-test benchmark: fit the nine state patrols of the OPP 2017 counts, one fit per state.

Reads ``tests/data/real/opp-threshold-counts/threshold_counts_2017.csv`` (counties as locations,
white / Black / Hispanic drivers), fits each state with ``fit_threshold`` and prints, as JSON on
stdout, the wall time per state and in total, the stop-weighted threshold per race with its 95 %
interval, the convergence and posterior-predictive diagnostics, and the published stop-weighted
thresholds of the same fits (Pierson et al. 2017, ``fig4b_threshold_test.csv`` of
5harad/openpolicing: the posterior mean threshold of every county x race, weighted here by the
county's stops exactly as ``model_flat.stan`` weights them).

Chains run in parallel on the two cores (``numpyro.set_host_device_count`` before JAX starts).
The 5-minute budget is met with the fast ``discriminant`` model; the reference ``beta`` model
(the one the published numbers come from) takes much longer: run it with ``--model beta``.

    .venv/bin/python benchmarks/threshold.py                       # discriminant, 2x(300+300)
    .venv/bin/python benchmarks/threshold.py --model beta --draws 300 --out results.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

COUNTS = (
    Path(__file__).resolve().parent.parent
    / "tests/data/real/opp-threshold-counts/threshold_counts_2017.csv"
)

# Stop-weighted averages of the published per-county posterior means (fig4b_threshold_test.csv,
# 5harad/openpolicing@47d7b05, beta model), weights = all stops in the county.
PUBLISHED = {
    "CO": {"White drivers": 0.5342, "Black drivers": 0.3832, "Hispanic drivers": 0.3600},
    "CT": {"White drivers": 0.2709, "Black drivers": 0.1891, "Hispanic drivers": 0.2007},
    "IL": {"White drivers": 0.2085, "Black drivers": 0.1088, "Hispanic drivers": 0.0838},
    "NC": {"White drivers": 0.1342, "Black drivers": 0.1317, "Hispanic drivers": 0.0952},
    "RI": {"White drivers": 0.2808, "Black drivers": 0.2541, "Hispanic drivers": 0.2147},
    "SC": {"White drivers": 0.1428, "Black drivers": 0.0809, "Hispanic drivers": 0.0627},
    "TX": {"White drivers": 0.2195, "Black drivers": 0.1956, "Hispanic drivers": 0.1861},
    "WA": {"White drivers": 0.0758, "Black drivers": 0.0766, "Hispanic drivers": 0.0558},
    "WI": {"White drivers": 0.3522, "Black drivers": 0.3103, "Hispanic drivers": 0.2448},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("beta", "discriminant"), default="discriminant")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--states", default=",".join(PUBLISHED))
    parser.add_argument("--out", type=Path, default=None, help="Also write the JSON here.")
    args = parser.parse_args()

    import numpyro

    numpyro.set_host_device_count(min(args.chains, os.cpu_count() or 1))
    import polars as pl

    from openblotter.analysis.threshold import fit_threshold

    counts = pl.read_csv(COUNTS)
    report: dict[str, object] = {
        "model": args.model,
        "chains": args.chains,
        "draws": args.draws,
        "warmup": args.warmup if args.warmup is not None else args.draws,
        "seed": args.seed,
        "cpu_count": os.cpu_count(),
        "load_average_start": os.getloadavg()[0],
        "states": {},
    }
    states: dict[str, object] = {}
    total_start = time.perf_counter()
    for state in args.states.split(","):
        part = counts.filter(pl.col("state") == state)
        start = time.perf_counter()
        result = fit_threshold(
            part,
            location="location_variable",
            group="driver_race",
            stops="num_stops",
            searches="num_searches",
            hits="num_hits",
            model=args.model,
            chains=args.chains,
            draws=args.draws,
            warmup=args.warmup,
            seed=args.seed,
            reference_group="White drivers",
            provenance={"counts_file": COUNTS.name},
        )
        seconds = time.perf_counter() - start
        weighted = {
            e.labels["group"]: {"mean": e.value, "low": e.interval[0], "high": e.interval[1]}
            for e in result.estimates
            if e.quantity == "weighted_threshold" and e.interval is not None
        }
        differences = {
            e.labels["group"]: {
                "mean": e.value,
                "low": e.interval[0],
                "high": e.interval[1],
                "prob_below_white": e.extra["prob_below_reference"],
            }
            for e in result.estimates
            if e.quantity == "threshold_difference" and e.interval is not None
        }
        states[state] = {
            "seconds": seconds,
            "cells": part.height,
            "counties": part.get_column("location_variable").n_unique(),
            "weighted_threshold": weighted,
            "difference_vs_white": differences,
            "published_weighted_threshold": PUBLISHED.get(state),
            "diagnostics": result.diagnostics,
        }
        print(f"{state}: {seconds:.1f} s", file=sys.stderr, flush=True)
    report["states"] = states
    report["total_seconds"] = time.perf_counter() - total_start
    report["load_average_end"] = os.getloadavg()[0]
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
