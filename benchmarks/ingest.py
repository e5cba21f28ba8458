"""Ingest benchmark: OpenBlotter's ingest against the bare parse of the same file, in one run.

Generates an Open-Policing-style stop CSV (default 5 million rows), then measures:

- the bare parse of the file into memory by DuckDB (``read_csv``, all columns as text, fetched as
  Arrow), by PyArrow (``pyarrow.csv.read_csv``) and by Polars (``read_csv``): the references;
- ``blotter ingest`` of the file into a fresh DuckDB store and into a fresh PostgreSQL schema,
  each in its own process, with its wall time and peak resident memory (``wait4`` rusage).

It prints the times, rows per second, the ratio of each ingest to the fastest bare parse, and
the peak memory. Every step runs in its own process, so that no step's memory is counted in
another's peak (a child's high-water mark includes what it inherited at fork). Machines here are
noisy (2 cores): read the ratios, not the absolute numbers.

    .venv/bin/python benchmarks/ingest.py                 # 5,000,000 rows, DuckDB and PostgreSQL
    .venv/bin/python benchmarks/ingest.py --rows 1000000 --no-postgres
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from openblotter.ingest.readers import file_sha256
from openblotter.testing import stops_mapping_yaml

PG_URL = os.environ.get("BLOTTER_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
AGENCY = "xx_bench_pd"


PARSERS = {
    "duckdb read_csv → arrow": (
        "import duckdb",
        "duckdb.connect().sql(\"SELECT * FROM read_csv('{path}', all_varchar = true)\")"
        ".to_arrow_table()",
    ),
    "pyarrow.csv.read_csv": ("import pyarrow.csv as c", "c.read_csv('{path}')"),
    "polars.read_csv": ("import polars as pl", "pl.read_csv('{path}', infer_schema=False)"),
}


def bare_parse(label: str, path: Path) -> float:
    """Time one reference parser in a fresh process (the import is not timed)."""
    setup, statement = PARSERS[label]
    script = (
        f"{setup}\nimport time\nstart = time.perf_counter()\n{statement.format(path=path)}\n"
        "print(time.perf_counter() - start)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    seconds = float(done.stdout.strip().splitlines()[-1])
    print(f"  {label:<34} {seconds:8.2f} s", flush=True)
    return seconds


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run a command; return wall seconds, peak RSS in MiB and the exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def ingest(work: Path, csv: Path, *, database_url: str | None) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOTTER_")}
    env["BLOTTER_DATA_DIR"] = str(work / f"store-{uuid.uuid4().hex[:6]}")
    env["BLOTTER_AGENCIES_DIR"] = str(work / "agencies")
    if database_url:
        env["BLOTTER_DATABASE_URL"] = database_url
    blotter = [sys.executable, "-m", "openblotter"]
    _, _, code = run_child([*blotter, "db", "init"], env)
    if code:
        raise SystemExit("db init failed")
    seconds, peak, code = run_child(
        [*blotter, "ingest", "--agency", AGENCY, "--dataset", "stops", str(csv)], env
    )
    if code:
        raise SystemExit(f"ingest failed with exit code {code}")
    return seconds, peak


def postgres_schema() -> str | None:
    try:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:
        print(f"  PostgreSQL not available: {exc}")
        return None
    return schema


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="blotter-bench-") as tmp:
        work = Path(tmp)
        csv = work / "stops.csv"
        print(f"generating {options.rows:,} stops …", flush=True)
        subprocess.run(  # in its own process, so its memory is not inherited by the others
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from openblotter.testing import write_stops_csv; "
                "write_stops_csv(Path(sys.argv[1]), int(sys.argv[2]), seed=42)",
                str(csv),
                str(options.rows),
            ],
            check=True,
        )
        size = csv.stat().st_size
        print(f"  {csv.name}: {size / 1e6:,.0f} MB")
        mappings = work / "agencies" / AGENCY / "mappings"
        mappings.mkdir(parents=True)
        (mappings.parent / "agency.yaml").write_text(
            f"slug: {AGENCY}\nname: Benchmark PD\nstate: CA\nagency_type: municipal police\n"
            "timezone: America/Los_Angeles\n"
        )
        (mappings / "stops.yaml").write_text(stops_mapping_yaml(csv.name, file_sha256(csv)))

        print("bare parse (reference):")
        refs = {label: bare_parse(label, csv) for label in PARSERS}
        fastest = min(refs.values())
        print("blotter ingest (stops + stop_subjects + stop_officers + agency):")
        results: dict[str, object] = {"rows": options.rows, "bytes": size, "reference_s": refs}
        seconds, peak = ingest(work, csv, database_url=None)
        print(
            f"  {'DuckDB store':<34} {seconds:8.2f} s  {options.rows / seconds:12,.0f} rows/s"
            f"  {seconds / fastest:6.1f}× bare parse  peak {peak:,.0f} MiB",
            flush=True,
        )
        results["duckdb"] = {"seconds": seconds, "peak_mib": peak, "ratio": seconds / fastest}
        if not options.no_postgres and (schema := postgres_schema()):
            try:
                url = f"{PG_URL}?options=-csearch_path%3D{schema}"
                seconds, peak = ingest(work, csv, database_url=url)
                print(
                    f"  {'PostgreSQL store':<34} {seconds:8.2f} s  {options.rows / seconds:12,.0f} "
                    f"rows/s  {seconds / fastest:6.1f}× bare parse  peak {peak:,.0f} MiB"
                )
                results["postgres"] = {
                    "seconds": seconds,
                    "peak_mib": peak,
                    "ratio": seconds / fastest,
                }
            finally:
                drop_schema(schema)
        if options.json:
            options.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
