"""Release benchmark: building a release against writing the same tables bare, in one run.

Loads an Open-Policing-style synthetic stop file (default 1 million stops) into a fresh DuckDB
store with `blotter ingest`, then measures, each in its own process:

- the reference: reading the stored ``stops`` and ``stop_subjects`` tables and writing them with
  Polars as CSV, NDJSON and Parquet, no de-identification, no XLSX, no scan;
- ``blotter release create``: snapshot read, de-identification, four formats, suppressed
  aggregates, completeness, datapackage, dictionary and the leak scan,

and prints the wall times, the ratio release / reference and the peak memory of each. Machines
here are noisy (2 cores): read the ratio.

    .venv/bin/python benchmarks/release.py               # 1,000,000 stops
    .venv/bin/python benchmarks/release.py --rows 200000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openblotter.ingest.readers import file_sha256
from openblotter.testing import stops_mapping_yaml, write_stops_csv

AGENCY = "xx_bench_pd"
REFERENCE = """
import sys, time, duckdb, polars as pl
start = time.perf_counter()
con = duckdb.connect(sys.argv[1], read_only=True)
for table in ("stops", "stop_subjects"):
    frame = pl.DataFrame(con.sql(f"SELECT * FROM {table} ORDER BY stop_id").to_arrow_table())
    lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
    flat = frame.with_columns([pl.col(n).list.join(";") for n in lists])
    flat.write_csv(f"{sys.argv[2]}/{table}.csv")
    frame.write_ndjson(f"{sys.argv[2]}/{table}.ndjson")
    frame.write_parquet(f"{sys.argv[2]}/{table}.parquet")
print(time.perf_counter() - start)
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB and stdout of a command run in its own process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    out = process.stdout.read() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed")
    return seconds, usage.ru_maxrss / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blotter-bench-") as tmp:
        work = Path(tmp)
        csv = write_stops_csv(work / "stops.csv", args.rows, seed=1)
        agency = work / "agencies" / AGENCY
        (agency / "mappings").mkdir(parents=True)
        (agency / "agency.yaml").write_text(
            f"slug: {AGENCY}\nname: Bench PD\nagency_type: municipal police\n"
            "publication: {lag_days: 0}\n"
        )
        (agency / "mappings" / "stops.yaml").write_text(
            stops_mapping_yaml(csv.name, file_sha256(csv))
        )
        env = {
            **os.environ,
            "BLOTTER_DATA_DIR": str(work / "data"),
            "BLOTTER_AGENCIES_DIR": str(work / "agencies"),
        }
        env.pop("BLOTTER_DATABASE_URL", None)
        blotter = [sys.executable, "-m", "openblotter"]
        subprocess.run([*blotter, "db", "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [*blotter, "ingest", "--agency", AGENCY, "--dataset", "stops", str(csv)],
            env=env,
            check=True,
            capture_output=True,
        )
        out = work / "bare"
        out.mkdir()
        ref_wall, ref_rss, ref_out = timed(
            [sys.executable, "-c", REFERENCE, str(work / "data" / "blotter.duckdb"), str(out)], env
        )
        rel_wall, rel_rss, _ = timed([*blotter, "release", "create", "--agency", AGENCY], env)
        result = {
            "rows": args.rows,
            "reference_seconds": round(ref_wall, 2),
            "reference_inner_seconds": round(float(ref_out.strip() or 0), 2),
            "reference_peak_mib": round(ref_rss),
            "release_seconds": round(rel_wall, 2),
            "release_peak_mib": round(rel_rss),
            "ratio_release_to_reference": round(rel_wall / ref_wall, 1),
        }
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
