"""Portal benchmark: latency and throughput of a running server under a load generator.

Builds a data folder with the demo releases (``blotter demo``) plus a release of synthetic
stops (default 1 million, as in ``benchmarks/release.py``), then for each store

- DuckDB: one uvicorn worker over the DuckDB store;
- PostgreSQL: ``--pg-workers`` (default 2) workers over a fresh database on ``--pg-url``'s
  server (created and dropped by this script),

starts the portal in its own process (the app ``blotter serve`` runs, built the same way, with
the per-client rate limit lifted: the load generator is one client) and drives it with ``wrk``
(Debian package ``wrk``; a Lua script prints p50/p95/p99 and requests/s) from another process:

- ``home``: the home page;
- ``agency``: the synthetic agency's page;
- ``explorer``: the dataset explorer page, filtered by period, place and group;
- ``api-aggregate``: ``/api/v1/releases/<id>/aggregates/stops?race=black``;
- ``api-records``: ``/api/v1/releases/<id>/datasets/stops/records`` filtered by date and district;
- ``api-records-cold``: the same with a random 30-day period and page per request, so nearly
  every request misses the explorer's answer cache and scans the release's Parquet files;

and the same answers served as static precomputed bytes by a bare ASGI app on the same
uvicorn settings (``static`` rows): the in-run reference, so the table reads as a ratio on a
noisy 2-core machine where the load generator shares the cores. Goal (issue 6): p95 <= 50 ms at
>= 300 requests/s on aggregate pages.

    .venv/bin/python benchmarks/portal.py                      # 1,000,000 stops, both stores
    .venv/bin/python benchmarks/portal.py --rows 200000 --no-postgres --duration 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from openblotter.ingest.readers import file_sha256
from openblotter.testing import stops_mapping_yaml, write_stops_csv

AGENCY = "xx_bench_pd"
HERE = Path(__file__).resolve().parent
LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, '
    .. '"p99_ms": %.2f, "max_ms": %.2f, "errors": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors, summary.errors.status))
end
"""
COLD = """
-- every request a different date range and page: the explorer's answer cache misses
init = function(args) base = args[1] end
request = function()
  local day = math.random(0, 330)
  local first = os.date("!%Y-%m-%d", os.time{year=2020, month=1, day=1, hour=12} + day * 86400)
  local last = os.date("!%Y-%m-%d", os.time{year=2020, month=1, day=1, hour=12} + (day + 30) * 86400)
  return wrk.format("GET", string.format("%s&date_from=%s&date_to=%s&page=%d", base, first, last,
    math.random(1, 5)))
end
"""
APP = """
import os
from openblotter.logs import configure_logging
from openblotter.settings import Settings
from openblotter.storage import open_store
from openblotter.web.app import create_app
from openblotter.web.portal import Portal


def portal_app():
    settings = Settings()
    configure_logging(settings.log_level)
    store = open_store(settings, read_only=True)
    return create_app(Portal(store, settings.data_dir), rate=1e9, burst=10**9)


def static_app():
    import json
    answers = json.loads(open(os.environ["BENCH_STATIC"], encoding="utf-8").read())
    bodies = {path: (body.encode(), media.encode()) for path, (body, media) in answers.items()}

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        target = scope["path"] + ("?" + scope["query_string"].decode() if scope["query_string"] else "")
        body, media = bodies.get(target, (b"not found", b"text/plain"))
        await send({"type": "http.response.start", "status": 200 if target in bodies else 404,
                    "headers": [(b"content-type", media), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app
"""


def run(command: list[str], env: dict[str, str]) -> None:
    """Run a setup command, failing loudly with its output."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def build(work: Path, env: dict[str, str], csv: Path, *, analyses: bool) -> None:
    """The demo releases and a release of the synthetic stops ``csv`` in ``env``'s store."""
    blotter = [sys.executable, "-m", "openblotter"]
    started = time.perf_counter()
    run([*blotter, "demo", *([] if analyses else ["--no-analyses"])], env)
    agencies = work / "agencies"
    if not agencies.exists():
        (agencies / AGENCY / "mappings").mkdir(parents=True)
        (agencies / AGENCY / "agency.yaml").write_text(
            f"slug: {AGENCY}\nname: Bench Police Department\n"
            "agency_type: municipal police\npublication: {lag_days: 0}\n"
        )
        (agencies / AGENCY / "mappings" / "stops.yaml").write_text(
            stops_mapping_yaml(csv.name, file_sha256(csv))
        )
    bench = {**env, "BLOTTER_AGENCIES_DIR": str(agencies)}
    run([*blotter, "ingest", "--agency", AGENCY, "--dataset", "stops", str(csv)], bench)
    run([*blotter, "release", "create", "--agency", AGENCY], bench)
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


@contextlib.contextmanager
def server(factory: str, port: int, workers: int, env: dict[str, str]) -> Any:
    """A uvicorn server (as ``blotter serve`` runs it) in its own process group."""
    command = [
        sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
        "--no-server-header", "--app-dir", str(env["BENCH_APP_DIR"]),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/site.css", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def fetch(url: str) -> tuple[int, str, str]:
    """Status, content type and body of one GET."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"] or "", error.read().decode()


def targets(base: str) -> dict[str, str]:
    """The benchmarked paths, found from the running portal's own API."""
    agencies = json.loads(fetch(f"{base}/api/v1/agencies")[2])["agencies"]
    bench = next(a for a in agencies if a["slug"] == AGENCY)
    release = bench["latest_release"]["short_id"]
    table = json.loads(fetch(f"{base}/api/v1/releases/{release}/aggregates/stops?month=all")[2])
    places = sorted({r["geography"] for r in table["rows"] if r["geography"] not in (None, "all")})
    place = places[0] if places else ""
    return {
        "home": "/",
        "agency": f"/agencies/{AGENCY}",
        "explorer": f"/agencies/{AGENCY}/stops?from=2020-03&to=2020-05&geography={place}"
        "&group=black",
        "api-aggregate": f"/api/v1/releases/{release}/aggregates/stops?race=black",
        "api-records": f"/api/v1/releases/{release}/datasets/stops/records?"
        f"date_from=2020-03-01&date_to=2020-05-31&district={place}&page_size=50",
    }


def load(
    url: str, args: argparse.Namespace, script: Path, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Drive ``url`` with wrk; the Lua summary as a dict."""
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
        "--latency", "-s", str(script), url, *extra,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("{"))
    result: dict[str, Any] = json.loads(line)
    return result


def bench_store(
    name: str, env: dict[str, str], workers: int, args: argparse.Namespace, work: Path
) -> list[dict[str, Any]]:
    """Every target on the portal and on the static reference, for one store."""
    script = work / "summary.lua"
    rows: list[dict[str, Any]] = []
    answers: dict[str, tuple[str, str]] = {}
    with server("bench_app:portal_app", free_port(), workers, env) as base:
        paths = targets(base)
        for label, path in paths.items():
            status, media, body = fetch(base + path)
            if status != 200:
                print(f"  {label}: {path} answered {status}; skipped", file=sys.stderr)
                continue
            for _ in range(20):  # warm the caches as a visitor would
                fetch(base + path)
            answers[path] = (body, media)
            result = load(base + path, args, script)
            rows.append({"store": name, "workers": workers, "endpoint": label, **result})
            print(f"  {name} {label}: {result}", file=sys.stderr)
        cold = paths["api-records"].replace("date_from=2020-03-01&date_to=2020-05-31&", "")
        result = load(base + cold, args, work / "cold.lua", ("--", cold))
        rows.append({"store": name, "workers": workers, "endpoint": "api-records-cold", **result})
        print(f"  {name} api-records-cold: {result}", file=sys.stderr)
    static = work / f"static-{name}.json"
    static.write_text(json.dumps(answers), encoding="utf-8")
    with server(
        "bench_app:static_app", free_port(), workers, {**env, "BENCH_STATIC": str(static)}
    ) as base:
        for label, path in paths.items():
            if path in answers:
                result = load(base + path, args, script)
                rows.append(
                    {"store": name, "workers": workers, "endpoint": f"static {label}", **result}
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="Seconds per endpoint.")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--pg-url", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--pg-workers", type=int, default=2)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-analyses", action="store_true", help="Skip the demo's analyses.")
    parser.add_argument("--work", type=Path, help="Keep the data here (reused when present).")
    parser.add_argument("--out", type=Path, help="Also write the results as JSON here.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")
    keep = args.work is not None
    work = args.work or Path(tempfile.mkdtemp(prefix="blotter-portal-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "summary.lua").write_text(LUA)
    (work / "cold.lua").write_text(COLD + LUA)
    (work / "bench_app.py").write_text(APP)
    csv = work / "stops.csv"
    if not csv.exists():
        write_stops_csv(csv, args.rows, seed=1)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("BLOTTER_")}
    base_env["BENCH_APP_DIR"] = str(work)
    results: list[dict[str, Any]] = []
    try:
        env = {**base_env, "BLOTTER_DATA_DIR": str(work / "duckdb")}
        if not (work / "duckdb" / "releases" / AGENCY).exists():
            print("building the DuckDB data folder", file=sys.stderr)
            build(work, env, csv, analyses=not args.no_analyses)
        results += bench_store("duckdb", env, 1, args, work)
        if not args.no_postgres:
            results += with_postgres(work, base_env, args, csv)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    report(results, args)


def with_postgres(
    work: Path, base_env: dict[str, str], args: argparse.Namespace, csv: Path
) -> list[dict[str, Any]]:
    """Build and benchmark on a fresh PostgreSQL database, dropped afterwards."""
    import psycopg

    database = f"blotter_bench_{os.getpid()}"
    with psycopg.connect(args.pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    url = args.pg_url.rsplit("/", 1)[0] + f"/{database}"
    env = {**base_env, "BLOTTER_DATA_DIR": str(work / "postgres"), "BLOTTER_DATABASE_URL": url}
    try:
        print("building the PostgreSQL data folder", file=sys.stderr)
        build(work, env, csv, analyses=not args.no_analyses)
        return bench_store("postgres", env, args.pg_workers, args, work)
    finally:
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """The table (Markdown) on stdout, ratios to the static reference, JSON if asked."""
    static = {(r["store"], r["endpoint"]): r["rps"] for r in results}
    print(f"\n{args.rows:,} synthetic stops + demo releases; wrk -t{args.threads} "
          f"-c{args.connections} -d{args.duration}s on {os.cpu_count()} cores\n")  # fmt: skip
    print("| store | workers | endpoint | req/s | p50 ms | p95 ms | p99 ms | non-2xx | x static |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ref = static.get((r["store"], f"static {r['endpoint']}"))
        ratio = f"1/{ref / r['rps']:.1f}" if ref and not r["endpoint"].startswith("static") else ""
        print(
            f"| {r['store']} | {r['workers']} | {r['endpoint']} | {r['rps']:,.0f} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']} | {ratio} |"
        )
    if args.out:
        args.out.write_text(json.dumps({"rows": args.rows, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
