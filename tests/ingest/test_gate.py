"""The prohibited-attribute gate, proven with planted unique values (canaries).

A RIPA-style export carries perceived LGBT status, an immigration column, perceived gender values
that state gender identity, and a "Contacted U.S. Department of Homeland Security" result. After an
accepted ingest and after a refused one, no planted value may appear anywhere: not in the store
(every table, and the DuckDB file's bytes), the quarantine, the logs or the command's output.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from openblotter.errors import ProhibitedAttributeError
from openblotter.ingest.mapping import Mapping
from openblotter.schema import Standard
from openblotter.storage import Store
from tests.ingest.builders import AGENCY, run, write_csv, write_mapping

RIPA_HEADER = [
    "Stop ID", "Date", "Perceived Race", "Perceived Gender", "Perceived LGBT",
    "Immigration Status", "Result of Stop", "Street",
]  # fmt: skip

RIPA_MAPPING = """
name: ripa_stops
version: 1
description: A RIPA-style export; the prohibited columns are not mapped.
records:
  stops:
    fields:
      stop_id: {column: Stop ID}
      date: {column: Date, format: "%m/%d/%Y"}
      location: {column: Street}
  stop_subjects:
    fields:
      stop_id: {column: Stop ID}
      subject_seq: {value: 1}
      subject_race: {column: Perceived Race, recode: {Asian: asian/pacific islander, Black/African American: black, White: white}}
      subject_sex: {column: Perceived Gender, recode: {Male: male, Female: female}}
      stop_results:
        column: Result of Stop
        split: ";"
        recode: {Citation for infraction: citation, Warning: verbal warning}
"""


def ripa_file(tmp_path: Path) -> tuple[Path, list[str], str]:
    """A RIPA-style CSV; returns the planted canaries and a control value that must be stored."""
    canaries: list[str] = []
    rows = []
    control = f"CONTROL-{uuid.uuid4().hex}"
    for i in range(40):
        lgbt, imm, gi, dhs = (
            f"PLANT-{kind}-{uuid.uuid4().hex}" for kind in ("LGBT", "IMM", "GI", "DHS")
        )
        canaries += [lgbt, imm]
        gender = "Male" if i % 2 else "Female"
        results = "Citation for infraction"
        if i % 5 == 0:
            gender = f"Transgender Woman/Girl {gi}"
            canaries.append(gi)
        if i % 3 == 0:
            results = (
                f"Citation for infraction;Contacted U.S. Department of Homeland Security {dhs}"
            )
            canaries.append(dhs)
        rows.append({
            "Stop ID": f"R{i}", "Date": "13/45/2021" if i == 7 else "03/01/2021",
            "Perceived Race": ["Asian", "Black/African American", "White"][i % 3],
            "Perceived Gender": gender, "Perceived LGBT": lgbt, "Immigration Status": imm,
            "Result of Stop": results, "Street": f"{control} 100 block of Main St",
        })  # fmt: skip
    return write_csv(tmp_path / "ripa.csv", rows, RIPA_HEADER), canaries, control


def dump_store(store: Store) -> str:
    """Every value of every table, as text."""
    parts = []
    for table in sorted(store.tables()):
        for row in store.query(f'SELECT * FROM "{table}"').rows:
            parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def assert_absent(canaries: list[str], *texts: str) -> None:
    for text in texts:
        leaked = [c for c in canaries if c in text]
        assert not leaked, f"{len(leaked)} planted values leaked, e.g. {leaked[0][:12]}"


def test_gate__ripa_export_loads_with_prohibited_columns_refused(
    store: Store, standard: Standard, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, canaries, control = ripa_file(tmp_path)
    mapping = write_mapping(tmp_path / "ripa.yaml", RIPA_MAPPING)
    with caplog.at_level(logging.DEBUG, logger="openblotter"):
        result = run(store, standard, path, mapping)
    assert result.status == "committed"
    assert set(result.refused_columns) == {"Perceived LGBT", "Immigration Status"}
    assert result.rows_read == 40
    assert result.rows_quarantined == 1  # row 7's impossible date: quarantined, without canaries
    assert result.warnings["prohibited-value-removed"] == 8 + 14
    assert store.query("SELECT count(*) FROM stop_subjects").scalar() == 39
    cited = store.query(
        "SELECT count(*) FROM stop_subjects WHERE stop_results IS NOT NULL"
    ).scalar()
    assert cited == 39  # the citation is kept when the DHS item beside it is removed
    dump = dump_store(store)
    assert control in dump  # positive control: the scan does see stored text
    assert_absent(canaries, dump, caplog.text, str(result.summary()))


def test_gate__duckdb_file_holds_no_planted_value(standard: Standard, tmp_path: Path) -> None:
    from openblotter.storage import initialize
    from openblotter.storage.duckdb import DuckDBStore

    path, canaries, _ = ripa_file(tmp_path)
    mapping = write_mapping(tmp_path / "ripa.yaml", RIPA_MAPPING)
    db = tmp_path / "store" / "blotter.duckdb"
    with DuckDBStore(db) as store:
        initialize(store, standard)
        run(store, standard, path, mapping)
    files = b"".join(p.read_bytes() for p in db.parent.iterdir())
    assert_absent(canaries, files.decode("latin-1"))


def test_gate__cli_output_and_logs_hold_no_planted_value(tmp_path: Path) -> None:
    path, canaries, _ = ripa_file(tmp_path)
    (tmp_path / "agencies" / AGENCY.slug / "mappings").mkdir(parents=True)
    (tmp_path / "agencies" / AGENCY.slug / "agency.yaml").write_text(
        f"slug: {AGENCY.slug}\nname: Test PD\nstate: CA\nagency_type: municipal police\n"
        "timezone: America/Los_Angeles\n"
    )
    mapping = tmp_path / "agencies" / AGENCY.slug / "mappings" / "stops.yaml"
    mapping.write_text(RIPA_MAPPING)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOTTER_")}
    env |= {
        "BLOTTER_DATA_DIR": str(tmp_path / "data"),
        "BLOTTER_AGENCIES_DIR": str(tmp_path / "agencies"),
    }
    outputs = []
    for args in (
        ["db", "init"],
        [
            "--debug",
            "--log-level",
            "DEBUG",
            "ingest",
            "--agency",
            AGENCY.slug,
            "--dataset",
            "stops",
            str(path),
        ],
        ["quarantine", "show", "1"],
        ["sql", "SELECT * FROM quarantine_rows", "--format", "json"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "openblotter", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
    assert "refused column 'Perceived LGBT'" in outputs[2]
    assert_absent(canaries, *outputs)


@pytest.mark.parametrize(
    ("target", "field"),
    [("stop_subjects", "subject_unhoused"), ("stop_subjects", "subject_limited_english")],
)
def test_gate__mapping_that_stores_a_prohibited_column_is_refused(
    store: Store, standard: Standard, tmp_path: Path, target: str, field: str
) -> None:
    path, canaries, _ = ripa_file(tmp_path)
    text = RIPA_MAPPING.replace(
        "      subject_seq: {value: 1}\n",
        f"      subject_seq: {{value: 1}}\n      {field}: {{column: Perceived LGBT}}\n",
    )
    mapping = write_mapping(tmp_path / "bad.yaml", text)
    with pytest.raises(ProhibitedAttributeError) as caught:
        run(store, standard, path, mapping)
    message = str(caught.value)
    assert "Perceived LGBT" in message
    assert "sexual orientation" in message
    assert "decision 6" in message
    assert_absent(canaries, message)
    assert store.query("SELECT count(*) FROM batches").scalar() == 0
    assert_absent(canaries, dump_store(store))


def test_gate__mapping_to_a_prohibited_attribute_is_refused(
    standard: Standard, tmp_path: Path, store: Store
) -> None:
    text = RIPA_MAPPING.replace(
        "      subject_seq: {value: 1}\n",
        "      subject_seq: {value: 1}\n      subject_immigration_status: {column: Street}\n",
    )
    path, _, _ = ripa_file(tmp_path)
    with pytest.raises(ProhibitedAttributeError, match="immigration status"):
        run(store, standard, path, write_mapping(tmp_path / "bad.yaml", text))


HATE_MAPPING = """
name: hate
version: 1
description: hate incidents with a victim's volunteered information
records:
  hate_incidents:
    fields:
      incident_id: {column: id}
      is_crime: {value: true}
      date: {column: date}
      bias_motivations: {column: bias}  # FBI labels are recognised as they are
      reported_voluntarily: {column: volunteered}
      victim_gender_identity: {column: victim gender identity}
"""


def test_gate__hate_incident_keeps_volunteered_information_only(
    store: Store, standard: Standard, tmp_path: Path
) -> None:
    kept = f"VOLUNTEERED-{uuid.uuid4().hex}"
    dropped = f"PLANT-{uuid.uuid4().hex}"
    rows = [
        {
            "id": "H1",
            "date": "2021-05-01",
            "bias": "Anti-Transgender",
            "volunteered": "true",
            "victim gender identity": kept,
        },
        {
            "id": "H2",
            "date": "2021-05-02",
            "bias": "Anti-Gay (Male)",
            "volunteered": "false",
            "victim gender identity": dropped,
        },
        {
            "id": "H3",
            "date": "2021-05-03",
            "bias": "Anti-Gay (Male)",
            "volunteered": "",
            "victim gender identity": dropped,
        },
    ]
    header = ["id", "date", "bias", "volunteered", "victim gender identity"]
    path = write_csv(tmp_path / "hate.csv", rows, header)
    result = run(store, standard, path, write_mapping(tmp_path / "hate.yaml", HATE_MAPPING))
    assert result.rows_loaded == 3
    assert not result.refused_columns
    stored = dict(
        store.query("SELECT incident_id, victim_gender_identity FROM hate_incidents").rows
    )
    assert stored == {"H1": kept, "H2": None, "H3": None}
    biases = store.query("SELECT bias_motivations FROM hate_incidents ORDER BY incident_id").rows
    assert [list(b[0]) for b in biases] == [
        ["anti_transgender"],
        ["anti_gay_male"],
        ["anti_gay_male"],
    ]
    assert_absent([dropped], dump_store(store))


def test_gate__volunteered_field_outside_hate_incidents_is_refused(
    store: Store, standard: Standard, tmp_path: Path, stops_mapping: Mapping
) -> None:
    text = HATE_MAPPING.replace("hate_incidents:", "stops:").replace("incident_id", "stop_id")
    with pytest.raises(ProhibitedAttributeError):
        run(store, standard, tmp_path / "x.csv", write_mapping(tmp_path / "h.yaml", text))
