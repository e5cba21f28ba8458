#!/usr/bin/env python3
"""Derive golden facts about the real public data files, independently of OpenBlotter.

This script reads the raw files with nothing but the standard library (csv, zipfile, lzma, ...)
and openpyxl (for the two NYPD .xlsx files), and writes one ``facts.json`` per source:

    {"files": {"<file name>": {...}}, "notes": ["..."]}

It deliberately imports no OpenBlotter code, so that the facts can be used as an independent
check of OpenBlotter's readers, mappings and loaders.

Usage::

    python3 derive_facts.py                       # read the compressed copies beside this script
    python3 derive_facts.py /work/shared/data/real  # read the originals
    python3 derive_facts.py ROOT --out DIR        # write facts under DIR/<source>/facts.json
    python3 derive_facts.py ROOT --check          # compare with the facts.json files beside
                                                  # this script; exit 1 on any difference

For every file it looks for ``ROOT/<source>/<name>`` and, failing that, ``<name>.xz``; sha256 and
byte size are always those of the uncompressed original.  The output does not depend on which
copy was read.

Conventions used in the facts:

* ``line`` = 1-based physical line number in the CSV file (the first header line is line 1).
  No file here has a quoted field spanning lines, so the line of a record is its start line.
* ``row`` in the .xlsx facts = the Excel row number (the header is row 1).
* ``data_row`` = 1-based index among the data rows (after header lines and junk rows).
* Value counts are exact ``{value: count}`` dicts over the data rows, most common first, with the
  raw cell text as key (so ``" "``, ``""``, ``"NA"``, ``"(null)"`` are visible as they are).
  For .xlsx cells the key is the cell value rendered as text; an empty cell is ``"<empty cell>"``;
  datetimes are rendered ISO; the cell type counts are given separately.
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import hashlib
import io
import json
import lzma
import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

MISSING_MARKERS = ["", " ", "NA", "NULL", "(null)", "N/A", "#N/A", "**", "-", "(", "(nu"]
EMPTY_CELL = "<empty cell>"


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def counts(values) -> dict:
    """Exact value counts, most common first (ties: by key), keys as text."""
    c = collections.Counter(values)
    return {k: v for k, v in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))}


def read_bytes(root: str, source: str, name: str) -> tuple[bytes, str]:
    plain = os.path.join(root, source, name)
    if os.path.exists(plain):
        with open(plain, "rb") as f:
            return f.read(), plain
    xz = plain + ".xz"
    if os.path.exists(xz):
        with open(xz, "rb") as f:
            return lzma.decompress(f.read()), xz
    raise FileNotFoundError(f"neither {plain} nor {xz}")


def file_identity(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def text_facts(data: bytes) -> tuple[dict, str]:
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")  # raises if not UTF-8: every file here is
    if bom:
        text = text[1:]
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    cr = data.count(b"\r") - crlf
    non_ascii = [c for c in text if ord(c) > 127]
    if crlf and not lf and not cr:
        eol = "CRLF"
    elif lf and not crlf and not cr:
        eol = "LF"
    else:
        eol = "mixed"
    return {
        "encoding": "utf-8"
        + (" with BOM" if bom else "")
        + (" (ASCII only)" if not non_ascii else ""),
        "bom": bom,
        "non_ascii_characters": dict(counts(non_ascii)) if non_ascii else {},
        "line_endings": {"crlf": crlf, "lf_only": lf, "cr_only": cr},
        "line_ending": eol,
        "final_newline": data.endswith(b"\n"),
    }, text


def parse_csv(text: str, header_lines: int = 1):
    """Return (header rows, list of (line, record)) for every record after the header lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    prev = 0
    multiline = 0
    for rec in reader:
        start = prev + 1
        if reader.line_num - prev > 1:
            multiline += 1
        prev = reader.line_num
        records.append((start, rec))
    headers = [r for _, r in records[:header_lines]]
    return headers, records[header_lines:], multiline, reader.line_num


def split_junk(header: list[str], body):
    """Separate junk records (blank, all-space, repeated header, wrong width) from data rows."""
    junk = {"blank": [], "all_space": [], "repeated_header": [], "wrong_field_count": []}
    data = []
    for line, rec in body:
        if all(v == "" for v in rec):
            junk["blank"].append(line)
        elif all(v.strip() == "" for v in rec):
            junk["all_space"].append(line)
        elif rec == header:
            junk["repeated_header"].append(line)
        elif len(rec) != len(header):
            junk["wrong_field_count"].append(line)
        else:
            data.append((line, rec))
    return data, {k: {"count": len(v), "lines": v} for k, v in junk.items()}


def missing_markers(header, rows, markers=MISSING_MARKERS, key=lambda v: v) -> dict:
    """Per marker: total and per-column counts (only columns where it occurs)."""
    out = {}
    for m in markers:
        per_col = {}
        for i, col in enumerate(header):
            n = sum(1 for r in rows if key(r[i]) == m)
            if n:
                per_col[col] = n
        if per_col:
            out[repr(m) if m.strip() != m or m == "" else m] = {
                "total": sum(per_col.values()),
                "columns": per_col,
            }
    # any other whitespace-only value
    per_col = {}
    for i, col in enumerate(header):
        n = sum(
            1
            for r in rows
            if isinstance(key(r[i]), str) and key(r[i]) not in ("", " ") and key(r[i]).strip() == ""
        )
        if n:
            per_col[col] = n
    if per_col:
        out["other whitespace-only"] = {"total": sum(per_col.values()), "columns": per_col}
    return out


def padded_values(header, rows) -> dict:
    """Columns with values that carry leading/trailing blanks (not whitespace-only values)."""
    out = {}
    for i, col in enumerate(header):
        n = sum(1 for r in rows if isinstance(r[i], str) and r[i].strip() and r[i] != r[i].strip())
        if n:
            out[col] = n
    return out


def id_facts(values, column, lines=None) -> dict:
    c = collections.Counter(values)
    shared = {k: v for k, v in c.items() if v > 1}
    res = {
        "column": column,
        "distinct": len(c),
        "unique": not shared,
        "ids_repeated": len(shared),
        "rows_sharing_an_id": sum(shared.values()),
        "max_rows_per_id": max(c.values()) if c else 0,
    }
    if shared:
        res["most_repeated"] = dict(list(counts(values).items())[:10])
    return res


def parse_dates(items, formats, year_range=None, missing=("", "NA"), kind="date") -> dict:
    """items: iterable of (row_ref, raw). Tries each strptime format in turn."""
    fmt_seen = collections.Counter()
    bad = []
    parsed = []
    n_missing = 0
    outside = []
    for ref, raw in items:
        if raw in missing or raw is None:
            n_missing += 1
            continue
        val = None
        for fmt in formats:
            try:
                val = dt.datetime.strptime(raw, fmt)
            except ValueError:
                continue
            fmt_seen[fmt] += 1
            break
        if val is None:
            bad.append({"ref": ref, "value": raw})
            continue
        parsed.append(val)
        if year_range and not (year_range[0] <= val.year <= year_range[1]):
            outside.append({"ref": ref, "value": raw, "parsed": val.isoformat()})
    res = {
        "formats_seen": dict(fmt_seen),
        "missing": n_missing,
        "unparseable_count": len(bad),
        "unparseable": bad[:50],
    }
    if parsed:
        show = {
            "date": lambda v: v.date().isoformat(),
            "time": lambda v: v.time().isoformat(),
            "datetime": lambda v: v.isoformat(),
        }[kind]
        res["min"] = show(min(parsed))
        res["max"] = show(max(parsed))
    if year_range:
        res["expected_years"] = list(year_range)
        res["outside_expected_years"] = outside
    return res


def age_facts(values, missing=("", "NA", " ", "(null)", EMPTY_CELL, "NULL")) -> dict:
    nums = []
    miss = collections.Counter()
    other = collections.Counter()
    for v in values:
        s = v.strip() if isinstance(v, str) else v
        if v in missing or s in missing:
            miss[v] += 1
            continue
        try:
            nums.append(int(s))
        except (TypeError, ValueError):
            try:
                f = float(s)
                nums.append(f)
            except (TypeError, ValueError):
                other[v] += 1
    out_range = [n for n in nums if not (10 <= n <= 110)]
    return {
        "numeric_count": len(nums),
        "min": min(nums) if nums else None,
        "max": max(nums) if nums else None,
        "missing": sum(miss.values()),
        "missing_markers": dict(counts(miss.elements())),
        "non_numeric": dict(counts(other.elements())),
        "out_of_10_110_count": len(out_range),
        "out_of_10_110_values": dict(counts(str(n) for n in out_range)),
    }


def split_counts(values, sep, strip=True) -> dict:
    items = []
    for v in values:
        if v is None or v == "":
            continue
        for part in v.split(sep):
            items.append(part.strip() if strip else part)
    return counts(items)


def per_group_distribution(groups: dict) -> dict:
    """{group: set/list} -> distribution of sizes {size: number of groups}."""
    sizes = collections.Counter(len(v) for v in groups.values())
    return {str(k): sizes[k] for k in sorted(sizes)}


def csv_file_facts(root, source, name, header_lines=1):
    """Common facts for one CSV file; returns (facts, header, data rows as (line, record))."""
    data, used = read_bytes(root, source, name)
    facts = {"source_dir": source, "test_copy": name + ".xz", "format": "csv"}
    facts.update(file_identity(data))
    tfacts, text = text_facts(data)
    facts.update(tfacts)
    headers, body, multiline, nlines = parse_csv(text, header_lines)
    header = headers[0]
    facts["delimiter"] = ","
    facts["quotechar"] = '"'
    facts["physical_lines"] = nlines
    facts["records_including_header"] = len(body) + header_lines
    facts["multiline_records"] = multiline
    facts["header_lines"] = header_lines
    facts["header_line_text"] = [ln.rstrip("\r") for ln in text.split("\n")[:header_lines]]
    if header_lines > 1:
        facts["header_lines_parsed"] = headers
    facts["columns"] = header
    facts["column_count"] = len(header)
    facts["field_count_per_record"] = {
        str(k): v for k, v in counts(len(r) for _, r in body).items()
    }
    rows, junk = split_junk(header, body)
    facts["data_rows"] = len(rows)
    facts["junk_rows"] = junk
    facts["quoted_field_lines"] = sum(1 for ln in text.split("\n") if '"' in ln)
    recs = [r for _, r in rows]
    facts["missing_markers"] = missing_markers(header, recs)
    facts["values_with_leading_or_trailing_blanks"] = padded_values(header, recs)
    return facts, header, rows


def col(header, rows, name):
    i = header.index(name)
    return [r[i] for _, r in rows]


def refs(header, rows, name):
    i = header.index(name)
    return [(line, r[i]) for line, r in rows]


def vc(header, rows, names):
    return {n: counts(col(header, rows, n)) for n in names}


def crosstab(header, rows, a, b):
    ia, ib = header.index(a), header.index(b)
    c = collections.Counter(f"{r[ia]} | {r[ib]}" for _, r in rows)
    return {"columns": f"{a} | {b}", "counts": counts(c.elements())}


# --------------------------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------------------------


def owensboro(root):
    src = "opp-ky-owensboro"
    name = "ky_owensboro_2020_04_01.csv"
    f, h, rows = csv_file_facts(root, src, name)
    f["record_id"] = id_facts(col(h, rows, "raw_row_number"), "raw_row_number")
    f["dates"] = {
        "date": parse_dates(refs(h, rows, "date"), ["%Y-%m-%d"], (2015, 2017)),
        "time": parse_dates(refs(h, rows, "time"), ["%H:%M:%S"], kind="time"),
    }
    f["age"] = {"subject_age": age_facts(col(h, rows, "subject_age"))}
    f["value_counts"] = vc(
        h,
        rows,
        [
            "subject_race",
            "raw_race",
            "subject_sex",
            "type",
            "arrest_made",
            "citation_issued",
            "outcome",
            "vehicle_registration_state",
            "sector",
        ],
    )
    f["value_counts_crosstabs"] = [
        crosstab(h, rows, "subject_race", "raw_race"),
        crosstab(h, rows, "arrest_made", "outcome"),
    ]
    f["officer_id_hash_distinct"] = len(set(col(h, rows, "officer_id_hash")) - {"NA"})
    viol = col(h, rows, "violation")
    f["violation"] = {
        "empty": sum(1 for v in viol if v == ""),
        "NA": sum(1 for v in viol if v == "NA"),
        "rows_with_several_charges": sum(1 for v in viol if "; " in v),
        "charges_per_row": {
            str(k): v
            for k, v in sorted(
                collections.Counter(len(v.split("; ")) for v in viol if v not in ("", "NA")).items()
            )
        },
        "distinct_rows": len(set(viol)),
        "individual_charge_counts": split_counts([v for v in viol if v != "NA"], "; "),
    }
    lat, lng = col(h, rows, "lat"), col(h, rows, "lng")
    f["coordinates"] = {
        "lat_NA": lat.count("NA"),
        "lng_NA": lng.count("NA"),
        "lat_zero": sum(1 for v in lat if v not in ("NA",) and float(v) == 0),
        "lng_zero": sum(1 for v in lng if v not in ("NA",) and float(v) == 0),
        "lat_zero_lines": [
            ln
            for ln, r in rows
            if r[h.index("lat")] not in ("NA",) and float(r[h.index("lat")]) == 0
        ],
        "location_empty": col(h, rows, "location").count(""),
    }
    f["surprises"] = [
        "Missing values are the literal string NA (also in lat/lng/sector/subject_race/type/"
        "vehicle_registration_state); `violation` and `location` use the empty string instead.",
        "citation_issued is TRUE on every row: every stop in this extract produced a citation; "
        "outcome is 'arrest' when arrest_made is TRUE, else 'citation' (no warnings).",
        "9 rows have lat = 0 with lng = NA and an empty location (a 'null island' latitude, "
        "not a real point): treat lat 0 as missing.",
        "`violation` is a '; '-separated list of charges (one stop, several charges).",
        "subject_race 'other' comes from raw_race 'AMER IND/ALASKAN' (OPP collapses Native "
        "American into other); no hispanic level at all (raw data has no ethnicity).",
        "subject_sex has no missing value, subject_age has NA.",
        "Rows are not in date order; raw_row_number is the only id (OPP row id, not a police id).",
        "No search, frisk, contraband or warning columns exist for this location.",
    ]
    return {
        "files": {name: f},
        "notes": [
            "Stanford Open Policing Project standardized release 2020-04-01 for Owensboro KY; "
            "one row per stop and per person stopped (OPP grain is a stop; here one subject each).",
            "The OPP zip (yg821jf8611_ky_owensboro_2020_04_01.csv.zip) is not copied to tests: its "
            "only member is byte-identical to the CSV.",
        ],
    }


def hartford(root):
    src = "opp-ct-hartford"
    name = "ct_hartford_2020_04_01.csv"
    f, h, rows = csv_file_facts(root, src, name)
    ids = col(h, rows, "raw_row_number")
    f["record_id"] = id_facts(ids, "raw_row_number")
    merged = [v for v in ids if "|" in v]
    f["record_id"]["pipe_joined_ids"] = len(merged)
    f["record_id"]["pipe_joined_parts"] = {
        str(k): v for k, v in sorted(collections.Counter(len(v.split("|")) for v in merged).items())
    }
    f["record_id"]["raw_rows_covered"] = sum(len(v.split("|")) for v in ids)
    f["record_id"]["max_raw_row_number"] = max(int(p) for v in ids for p in v.split("|"))
    f["record_id"]["in_file_order"] = ids == sorted(ids, key=lambda v: int(v.split("|")[0]))
    f["dates"] = {
        "date": parse_dates(refs(h, rows, "date"), ["%Y-%m-%d"], (2013, 2016)),
        "date_NA_lines": [ln for ln, v in refs(h, rows, "date") if v == "NA"],
        "time": parse_dates(refs(h, rows, "time"), ["%H:%M:%S"], kind="time"),
    }
    f["age"] = {"subject_age": age_facts(col(h, rows, "subject_age"))}
    f["value_counts"] = vc(
        h,
        rows,
        [
            "subject_race",
            "subject_sex",
            "type",
            "department_name",
            "arrest_made",
            "citation_issued",
            "warning_issued",
            "outcome",
            "contraband_found",
            "search_conducted",
            "search_vehicle",
            "search_basis",
            "reason_for_stop",
            "district",
            "raw_subject_race_code",
            "raw_subject_ethnicity_code",
            "raw_search_authorization_code",
            "raw_intervention_disposition_code",
        ],
    )
    f["reason_for_stop_pipe_lists"] = sum(1 for v in col(h, rows, "reason_for_stop") if "|" in v)
    f["value_counts_crosstabs"] = [
        crosstab(h, rows, "search_conducted", "search_basis"),
        crosstab(h, rows, "search_conducted", "contraband_found"),
        crosstab(h, rows, "search_conducted", "search_vehicle"),
        crosstab(h, rows, "outcome", "arrest_made"),
        crosstab(h, rows, "raw_intervention_disposition_code", "outcome"),
        crosstab(h, rows, "subject_race", "raw_subject_race_code"),
        crosstab(h, rows, "raw_search_authorization_code", "search_basis"),
    ]
    f["officer_id_hash_distinct"] = len(set(col(h, rows, "officer_id_hash")) - {"NA"})
    f["officer_id_hash_NA"] = col(h, rows, "officer_id_hash").count("NA")
    lat = col(h, rows, "lat")
    f["coordinates"] = {"lat_NA": lat.count("NA"), "lng_NA": col(h, rows, "lng").count("NA")}
    f["surprises"] = [
        "raw_row_number is not always a number: some ids are '|'-joined lists (OPP merged "
        "duplicate raw rows into one stop), e.g. '2773|2778'; the max raw row number exceeds "
        "the row count. Rows are not sorted by raw_row_number.",
        "raw_* code columns can also hold '|'-joined codes (e.g. raw_search_authorization_code "
        "'O|N', raw_intervention_disposition_code 'U|I'), and reason_for_stop can be "
        "'Other|Stop Sign'.",
        "Missing values are the literal string NA; booleans are TRUE/FALSE (with NA).",
        "4 rows have date NA and time NA (lines listed in dates.date_NA_lines).",
        "outcome is NA for 2,522 rows: raw disposition M (2,349; misdemeanor summons in the CT "
        "coding) and N (163) and the '|'-joined codes map to no OPP outcome although M is a "
        "summons; citation_issued TRUE does not always mean outcome 'citation' (arrest wins: "
        "57 rows with code I are outcome arrest).",
        "Predicated columns: search_basis and contraband_found are NA when search_conducted is "
        "FALSE; 4 searched rows still have search_basis NA and 3 contraband_found NA (the "
        "'|'-joined authorization codes).",
        "raw_row_number values cover 18,646 raw rows - the row count of the 2019-02-25 release.",
        "All rows are vehicular stops; department_name is always 'Hartford'.",
        "subject_race 'hispanic' is derived from raw_subject_ethnicity_code H over any race code.",
        "Latitudes carry float noise (41.732189399999996): compare numerically, not as text.",
    ]
    return {
        "files": {name: f},
        "notes": [
            "Stanford Open Policing Project standardized release 2020-04-01 for Hartford CT "
            "(vehicle stops 2013-10 to 2016-09), one row per stop.",
            "The earlier 2019-02-25 release (.rds, 18,646 rows) is not copied to tests and has no "
            "facts here.",
        ],
    }


NYPD2016_CODES = {
    "race": {
        "A": "asian/pacific islander",
        "B": "black",
        "I": "american indian/alaskan native",
        "P": "black-hispanic",
        "Q": "white-hispanic",
        "W": "white",
        "U": "unknown",
        "Z": "other",
    },
    "sex": {"M": "male", "F": "female", "Z": "unknown"},
    "inout": {"I": "inside", "O": "outside"},
    "trhsloc": {"P": "neither housing nor transit (public)", "H": "housing", "T": "transit"},
    "typeofid": {"P": "photo", "V": "verbal", "R": "refused", "O": "other"},
    "forceuse": {
        "DS": "defense of self",
        "DO": "defense of other",
        "OR": "overcome resistance",
        "OT": "other",
        "SF": "suspected flight",
        "SW": "suspected weapon",
        " ": "not listed",
    },
    "build": {"H": "heavy", "M": "medium", "T": "thin", "U": "muscular", "Z": "unknown"},
    "officrid": {"I": "id card shown", " ": "not listed"},
    "offshld": {"S": "shield shown", " ": "not listed"},
    "offverb": {"V": "verbal statement", " ": "not listed"},
    "Y/N flags": {"Y": "yes", "N": "no"},
}

NYPD2016_FLAGS = [
    "explnstp",
    "othpers",
    "arstmade",
    "sumissue",
    "offunif",
    "frisked",
    "searched",
    "contrabn",
    "adtlrept",
    "pistol",
    "riflshot",
    "asltweap",
    "knifcuti",
    "machgun",
    "othrweap",
    "pf_hands",
    "pf_wall",
    "pf_grnd",
    "pf_drwep",
    "pf_ptwep",
    "pf_baton",
    "pf_hcuff",
    "pf_pepsp",
    "pf_other",
    "radio",
    "sb_hdobj",
    "sb_outln",
    "sb_admis",
    "sb_other",
    "cs_objcs",
    "cs_descr",
    "cs_casng",
    "cs_lkout",
    "cs_cloth",
    "cs_drgtr",
    "cs_furtv",
    "cs_vcrim",
    "cs_bulge",
    "cs_other",
    "rf_vcrim",
    "rf_othsw",
    "rf_attir",
    "rf_vcact",
    "rf_rfcmp",
    "rf_verbl",
    "rf_knowl",
    "rf_furt",
    "rf_bulg",
    "ac_rept",
    "ac_inves",
    "ac_proxm",
    "ac_evasv",
    "ac_assoc",
    "ac_cgdir",
    "ac_incid",
    "ac_time",
    "ac_stsnd",
    "ac_other",
]


def nypd_2016(root):
    src = "nypd-sqf"
    name = "sqf-2016.csv"
    f, h, rows = csv_file_facts(root, src, name)
    yi, pi, si = h.index("year"), h.index("pct"), h.index("ser_num")
    f["record_id"] = id_facts(
        [f"{r[yi]}-{r[pi]}-{r[si]}" for _, r in rows],
        "year + pct + ser_num (composite; ser_num alone repeats)",
    )
    f["record_id"]["ser_num_alone"] = id_facts(col(h, rows, "ser_num"), "ser_num")
    # datestop: MMDDYYYY without leading zero -> left-pad to 8 digits
    ds = refs(h, rows, "datestop")
    f["dates"] = {
        "datestop": parse_dates([(ln, v.zfill(8)) for ln, v in ds], ["%m%d%Y"], (2016, 2016)),
        "datestop_lengths": {
            str(k): v for k, v in sorted(collections.Counter(len(v) for _, v in ds).items())
        },
        "datestop_note": "value is M?MDDYYYY: 7 digits for January-September (no leading zero), "
        "8 for October-December; parsed after left-padding with 0 to 8 digits",
        "timestop": parse_dates(
            [(ln, v.zfill(4)) for ln, v in refs(h, rows, "timestop")], ["%H%M"], kind="time"
        ),
        "timestop_note": "HHMM without leading zeros (e.g. '30' = 00:30, '100' = 01:00); "
        "parsed after left-padding to 4 digits",
    }
    f["dates"]["datestop"]["distinct_days"] = len(set(v for _, v in ds))
    f["age"] = {"age": age_facts(col(h, rows, "age"), missing=("", " ", "**"))}
    coded = [
        "race",
        "sex",
        "inout",
        "trhsloc",
        "typeofid",
        "recstat",
        "forceuse",
        "build",
        "city",
        "officrid",
        "offshld",
        "offverb",
        "haircolr",
        "eyecolor",
        "pct",
        "detailCM",
        "dettypCM",
        "lineCM",
        "compyear",
        "comppct",
        "year",
    ]
    f["value_counts"] = vc(h, rows, coded + NYPD2016_FLAGS)
    f["value_counts_full_text"] = vc(h, rows, ["crimsusp", "arstoffn", "sumoffen"])
    f["decoded"] = {
        "codebook": NYPD2016_CODES,
        "race": counts(
            NYPD2016_CODES["race"].get(v, f"<undocumented {v!r}>") for v in col(h, rows, "race")
        ),
        "sex": counts(
            NYPD2016_CODES["sex"].get(v, f"<undocumented {v!r}>") for v in col(h, rows, "sex")
        ),
        "frisked": counts(col(h, rows, "frisked")),
        "searched": counts(col(h, rows, "searched")),
        "contraband_found_contrabn": counts(col(h, rows, "contrabn")),
        "weapon_found_any": sum(
            1
            for _, r in rows
            if any(
                r[h.index(c)] == "Y"
                for c in ("pistol", "riflshot", "asltweap", "knifcuti", "machgun", "othrweap")
            )
        ),
        "contraband_or_weapon_found": sum(
            1
            for _, r in rows
            if any(
                r[h.index(c)] == "Y"
                for c in (
                    "contrabn",
                    "pistol",
                    "riflshot",
                    "asltweap",
                    "knifcuti",
                    "machgun",
                    "othrweap",
                )
            )
        ),
        "any_physical_force_pf": sum(
            1 for _, r in rows if any(r[h.index(c)] == "Y" for c in h if c.startswith("pf_"))
        ),
        "search_basis_any_sb": sum(
            1
            for _, r in rows
            if any(r[h.index(c)] == "Y" for c in ("sb_hdobj", "sb_outln", "sb_admis", "sb_other"))
        ),
    }
    f["value_counts_crosstabs"] = [
        crosstab(h, rows, "searched", "contrabn"),
        crosstab(h, rows, "frisked", "searched"),
        crosstab(h, rows, "arstmade", "sumissue"),
    ]
    f["always_blank_columns"] = [c for c in h if set(col(h, rows, c)) == {" "}]
    f["officer_id"] = "none (officrid is an 'ID card shown' flag, repcmd/revcmd are commands)"
    f["subject_id"] = "none"
    f["surprises"] = [
        "UTF-8 BOM before the first column name ('\\ufeffyear' if read without utf-8-sig).",
        "The last record (line 12406) is a trailing blank record: all 112 fields are a single "
        "space. It is not a stop; 12,404 stops remain.",
        "The missing marker is a single space ' ', not an empty field; numbers are "
        "space-padded (addrpct ' 49', beat ' 1', xcoord ' 989472').",
        "datestop is MMDDYYYY without a leading zero (2072016 = 2016-02-07); timestop is HHMM "
        "without leading zeros ('30' = 00:30).",
        "There is no single stop id: ser_num repeats across precincts; year+pct+ser_num is unique.",
        "age uses '**' for unknown, and there are ages 1-9 and 99 (out of 10..110 or suspicious).",
        "Race is a letter code with two Hispanic codes (P black-Hispanic, Q white-Hispanic) that "
        "collapse to OPP 'hispanic'; U unknown and Z other. Older codebooks use X for unknown.",
        "trhsloc uses P for 'neither' where older codebooks leave it blank.",
        "The published codebook swaps the labels of pf_wall and pf_grnd (pf_wall is described "
        "as 'suspect on ground', pf_grnd as 'suspect against wall'): keep both as-is.",
        "dob, addrtyp, rescode, premtype, aptnum, state and zip are blank in every row.",
        "No officer identifier and no subject identifier.",
        "crimsusp is free text with many spellings of the same thing (FELONY, FEL, MISD, "
        "MISDEMEANOR, CPW, ...).",
    ]
    return f


def nypd_2018(root):
    src = "nypd-sqf"
    name = "sqf-2018_28col-subset.csv"
    f, h, rows = csv_file_facts(root, src, name)
    full = collections.Counter(tuple(r) for _, r in rows)
    f["record_id"] = {
        "column": None,
        "note": "no id column in this subset",
        "fully_identical_rows": {
            "groups": sum(1 for v in full.values() if v > 1),
            "rows": sum(v for v in full.values() if v > 1),
        },
    }
    f["dates"] = {
        "note": "no date column: MONTH2 (month name) and DAY2 (weekday name) only; "
        "calendar year 2018 per the source",
        "MONTH2": counts(col(h, rows, "MONTH2")),
        "DAY2": counts(col(h, rows, "DAY2")),
    }
    f["age"] = {"SUSPECT_REPORTED_AGE": age_facts(col(h, rows, "SUSPECT_REPORTED_AGE"))}
    f["value_counts"] = vc(
        h,
        rows,
        [
            "STOP_WAS_INITIATED",
            "ISSUING_OFFICER_RANK",
            "SUPERVISING_OFFICER_RANK",
            "JURISDICTION_DESCRIPTION",
            "SUSPECTED_CRIME_DESCRIPTION",
            "OTHER_PERSON_STOPPED_FLAG",
            "SUSPECT_ARRESTED_FLAG",
            "SUSPECT_ARREST_OFFENSE",
            "SUMMONS_ISSUED_FLAG",
            "SUMMONS_OFFENSE_DESCRIPTION",
            "OFFICER_IN_UNIFORM_FLAG",
            "FRISKED_FLAG",
            "SEARCHED_FLAG",
            "OTHER_CONTRABAND_FLAG",
            "WEAPON_FOUND_FLAG",
            "SUSPECT_SEX",
            "SUSPECT_RACE_DESCRIPTION",
            "SUSPECT_BODY_BUILD_TYPE",
            "SUSPECT_EYE_COLOR",
            "SUSPECT_HAIR_COLOR",
            "STOP_LOCATION_BORO_NAME",
            "SUSPECT_HEIGHT",
        ],
    )
    f["value_counts_crosstabs"] = [
        crosstab(h, rows, "SEARCHED_FLAG", "OTHER_CONTRABAND_FLAG"),
        crosstab(h, rows, "SUSPECT_ARRESTED_FLAG", "SUMMONS_ISSUED_FLAG"),
    ]
    f["contraband_or_weapon_found"] = sum(
        1
        for _, r in rows
        if "Y" in (r[h.index("OTHER_CONTRABAND_FLAG")], r[h.index("WEAPON_FOUND_FLAG")])
    )
    f["officer_id"] = "none (ranks only)"
    f["subject_id"] = "none"
    f["surprises"] = [
        "Not the full NYPD file: a 28-of-83 column subset kept by a third party; no STOP_ID, "
        "no exact date (MONTH2 month name + DAY2 weekday only), no time, no precinct, no "
        "coordinates.",
        "Missing values are the text '(null)'.",
        "Rows are not unique: with no id, some rows are fully identical (see record_id).",
        "SUSPECT_HEIGHT was written as a number feet.inches, so 5'10\" and 5'1\" both appear as "
        "'5.1' (5.1 is the most common height, 5.10 never occurs): inches are ambiguous.",
        "SUSPECT_REPORTED_AGE has ages 0-9 (11 rows out of 10..110; 8 are 0).",
        "No precinct or location except STOP_LOCATION_BORO_NAME.",
        "Body build / eye / hair use 'U', 'XXX' and 'ZZZ' codes for unknown/other beside '(null)'.",
        "JURISDICTION_DESCRIPTION has a misspelled label 'Trespass Affifavit Program'.",
        "Race has separate BLACK HISPANIC and WHITE HISPANIC labels (collapse to hispanic).",
    ]
    return f


def xlsx_cell_text(v) -> str:
    if v is None:
        return EMPTY_CELL
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v)


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def nypd_xlsx(root, name, year):
    import openpyxl  # only dependency outside the standard library

    src = "nypd-sqf"
    path = os.path.join(root, src, name)
    with open(path, "rb") as fh:
        data = fh.read()
    f = {"source_dir": src, "test_copy": name, "format": "xlsx"}
    f.update(file_identity(data))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        f["zip_members"] = sorted(z.namelist())
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    f["sheet_names"] = wb.sheetnames
    sheets = {}
    for ws in wb.worksheets:
        sheets[ws.title] = {
            "dimension": ws.calculate_dimension(),
            "max_row": ws.max_row,
            "max_column": ws.max_column,
        }
    f["sheets"] = sheets
    ws = wb.worksheets[0]
    allrows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    header = [str(c) for c in allrows[0]]
    body = [(i + 2, list(r)) for i, r in enumerate(allrows[1:])]
    f["header_rows"] = 1
    f["columns"] = header
    f["column_count"] = len(header)
    junk = {"blank": [], "all_space": [], "repeated_header": []}
    rows = []
    for rn, r in body:
        if all(v is None or v == "" for v in r):
            junk["blank"].append(rn)
        elif all(v is None or (isinstance(v, str) and v.strip() == "") for v in r):
            junk["all_space"].append(rn)
        elif [str(v) for v in r] == header:
            junk["repeated_header"].append(rn)
        else:
            rows.append((rn, r))
    f["data_rows"] = len(rows)
    f["junk_rows"] = {k: {"count": len(v), "rows": v} for k, v in junk.items()}
    H = {c: i for i, c in enumerate(header)}
    texts = [[xlsx_cell_text(v) for v in r] for _, r in rows]
    trow = list(zip([rn for rn, _ in rows], texts))
    f["cell_types"] = {c: counts(type(r[H[c]]).__name__ for _, r in rows) for c in header}
    f["missing_markers"] = missing_markers(header, texts, MISSING_MARKERS + [EMPTY_CELL])
    f["values_with_leading_or_trailing_blanks"] = padded_values(header, texts)
    f["record_id"] = id_facts([r[H["STOP_ID"]] for _, r in rows], "STOP_ID")
    sids = [r[H["STOP_ID"]] for _, r in rows]
    f["record_id"]["min"] = min(sids)
    f["record_id"]["max"] = max(sids)

    # dates
    dates = []
    for rn, r in rows:
        v = r[H["STOP_FRISK_DATE"]]
        if isinstance(v, dt.datetime):
            dates.append((rn, v.date(), "excel date cell"))
        elif isinstance(v, str):
            dates.append((rn, dt.datetime.strptime(v, "%Y-%m-%d").date(), "text YYYY-MM-DD"))
        else:
            dates.append((rn, None, type(v).__name__))
    valid = [d for _, d, _ in dates if d]
    mis = []
    month_mismatch = 0
    weekday_mismatch = 0
    for (rn, d, _), (_, r) in zip(dates, rows):
        if d is None:
            continue
        m_ok = r[H["MONTH2"]] == MONTHS[d.month - 1]
        w_ok = r[H["DAY2"]] == WEEKDAYS[d.weekday()]
        y_ok = r[H["YEAR2"]] == d.year
        month_mismatch += not m_ok
        weekday_mismatch += not w_ok
        if d.year != year:
            mis.append(
                {
                    "row": rn,
                    "data_row": rn - 1,
                    "STOP_ID": r[H["STOP_ID"]],
                    "STOP_FRISK_DATE": d.isoformat(),
                    "STOP_FRISK_TIME": xlsx_cell_text(r[H["STOP_FRISK_TIME"]]),
                    "YEAR2": r[H["YEAR2"]],
                    "MONTH2": r[H["MONTH2"]],
                    "DAY2": r[H["DAY2"]],
                    "MONTH2_matches_date": m_ok,
                    "DAY2_matches_date": w_ok,
                    "YEAR2_matches_date": y_ok,
                }
            )
    in_year = [d for d in valid if d.year == year]
    f["dates"] = {
        "STOP_FRISK_DATE": {
            "storage": counts(kind for _, _, kind in dates),
            "min": min(valid).isoformat(),
            "max": max(valid).isoformat(),
            "min_within_year": min(in_year).isoformat(),
            "max_within_year": max(in_year).isoformat(),
            "distinct_days": len(set(valid)),
            "unparseable": sum(1 for _, d, _ in dates if d is None),
            "outside_file_year": mis,
            "rows_where_MONTH2_disagrees_with_date": month_mismatch,
            "rows_where_DAY2_disagrees_with_date": weekday_mismatch,
        },
        "STOP_FRISK_TIME_storage": counts(type(r[H["STOP_FRISK_TIME"]]).__name__ for _, r in rows),
        "YEAR2": counts(xlsx_cell_text(r[H["YEAR2"]]) for _, r in rows),
        "MONTH2": counts(r[H["MONTH2"]] for _, r in rows),
    }
    f["age"] = {"SUSPECT_REPORTED_AGE": age_facts([r[H["SUSPECT_REPORTED_AGE"]] for _, r in rows])}
    coded = [
        "STOP_WAS_INITIATED",
        "RECORD_STATUS_CODE",
        "ISSUING_OFFICER_RANK",
        "SUPERVISING_OFFICER_RANK",
        "LOCATION_IN_OUT_CODE",
        "JURISDICTION_CODE",
        "JURISDICTION_DESCRIPTION",
        "SUSPECTED_CRIME_DESCRIPTION",
        "OFFICER_EXPLAINED_STOP_FLAG",
        "OTHER_PERSON_STOPPED_FLAG",
        "SUSPECT_ARRESTED_FLAG",
        "SUSPECT_ARREST_OFFENSE",
        "SUMMONS_ISSUED_FLAG",
        "SUMMONS_OFFENSE_DESCRIPTION",
        "OFFICER_IN_UNIFORM_FLAG",
        "FRISKED_FLAG",
        "SEARCHED_FLAG",
        "ASK_FOR_CONSENT_FLG",
        "CONSENT_GIVEN_FLG",
        "OTHER_CONTRABAND_FLAG",
        "FIREARM_FLAG",
        "KNIFE_CUTTER_FLAG",
        "OTHER_WEAPON_FLAG",
        "WEAPON_FOUND_FLAG",
        "SEARCH_BASIS_ADMISSION_FLAG",
        "SEARCH_BASIS_CONSENT_FLAG",
        "SEARCH_BASIS_HARD_OBJECT_FLAG",
        "SEARCH_BASIS_INCIDENTAL_TO_ARREST_FLAG",
        "SEARCH_BASIS_OTHER_FLAG",
        "SEARCH_BASIS_OUTLINE_FLAG",
        "DEMEANOR_CODE",
        "SUSPECT_SEX",
        "SUSPECT_RACE_DESCRIPTION",
        "SUSPECT_BODY_BUILD_TYPE",
        "SUSPECT_EYE_COLOR",
        "SUSPECT_HAIR_COLOR",
        "STOP_LOCATION_SECTOR_CODE",
        "STOP_LOCATION_PATROL_BORO_NAME",
        "STOP_LOCATION_BORO_NAME",
        "SUSPECT_HEIGHT",
        "SUPERVISING_ACTION_CORRESPONDING_ACTIVITY_LOG_ENTRY_REVIEWED",
    ]
    coded += [
        c
        for c in header
        if c.startswith("PHYSICAL_FORCE_")
        or c.startswith("BACKROUND_")
        or c.startswith("SUSPECTS_ACTIONS_")
        or c.endswith("IDENTIFIES_OFFICER_FLAG")
    ]
    f["value_counts"] = {c: counts(r[H[c]] for r in texts) for c in coded if c in H}
    f["value_counts"]["STOP_LOCATION_PRECINCT"] = counts(
        r[H["STOP_LOCATION_PRECINCT"]] for r in texts
    )
    f["value_counts_crosstabs"] = [
        crosstab(header, trow, "SEARCHED_FLAG", "OTHER_CONTRABAND_FLAG"),
        crosstab(header, trow, "SEARCHED_FLAG", "SEARCH_BASIS_CONSENT_FLAG"),
        crosstab(header, trow, "ASK_FOR_CONSENT_FLG", "CONSENT_GIVEN_FLG"),
    ]
    f["contraband_or_weapon_found"] = sum(
        1 for r in texts if "Y" in (r[H["OTHER_CONTRABAND_FLAG"]], r[H["WEAPON_FOUND_FLAG"]])
    )
    f["any_physical_force"] = sum(
        1
        for r in texts
        if any(
            r[H[c]] == "Y"
            for c in header
            if c.startswith("PHYSICAL_FORCE_") and c != "PHYSICAL_FORCE_VERBAL_INSTRUCTION_FLAG"
        )
    )
    f["distinct_full_addresses"] = len(set(r[H["STOP_LOCATION_FULL_ADDRESS"]] for r in texts))
    f["most_common_full_address"] = dict(
        list(counts(r[H["STOP_LOCATION_FULL_ADDRESS"]] for r in texts).items())[:3]
    )
    f["officer_id"] = "none (ranks and command codes only)"
    f["subject_id"] = "none (one row per stop = one person stopped)"
    return f


def nypd(root):
    files = {
        "sqf-2016.csv": nypd_2016(root),
        "sqf-2018_28col-subset.csv": nypd_2018(root),
        "sqf-2020.xlsx": nypd_xlsx(root, "sqf-2020.xlsx", 2020),
        "sqf-2021.xlsx": nypd_xlsx(root, "sqf-2021.xlsx", 2021),
    }
    c20 = files["sqf-2020.xlsx"]["columns"]
    c21 = files["sqf-2021.xlsx"]["columns"]
    notes = [
        "One row per stop (= one person stopped) in every year; the 2016 file uses the old "
        "112-column UF-250 layout, 2018+ the 83-column layout.",
        f"Columns only in 2020: {[c for c in c20 if c not in c21]}; only in 2021: "
        f"{[c for c in c21 if c not in c20]}.",
        f"Columns in both 2020 and 2021 but at different positions: "
        f"{sum(1 for c in c20 if c in c21 and c20.index(c) != c21.index(c))}.",
        "NYPD 2016 race codes (codebook): A Asian/Pacific Islander, B Black, I American "
        "Indian/Alaskan Native, P Black-Hispanic, Q White-Hispanic, W White, U Unknown, Z Other.",
    ]
    f20, f21 = files["sqf-2020.xlsx"], files["sqf-2021.xlsx"]
    f20["surprises"] = [
        "Sheet is named 'CY 2020' (not Sheet1).",
        "One row is mis-dated: STOP_ID 7494 (Excel row 7495) has STOP_FRISK_DATE 2018-01-03 "
        "while YEAR2 = 2020, MONTH2 = September, DAY2 = Monday and its neighbours are "
        "September 2020 stops: the date is wrong, not the year columns. A year filter on "
        "STOP_FRISK_DATE drops it; a filter on YEAR2 keeps it.",
        "Missing is the text '(null)', but in some columns the text is cut: '(' "
        "(ASK_FOR_CONSENT_FLG, CONSENT_GIVEN_FLG, PHYSICAL_FORCE_VERBAL_INSTRUCTION_FLAG, "
        "SUSPECTS_ACTIONS_PROXIMITY_TO_SCENE_FLAG, STOP_LOCATION_SECTOR_CODE) and '(nu' "
        "(SUSPECT_HAIR_COLOR): the export truncated values to the column width.",
        "Several text columns are truncated to 6 characters (JURISDICTION_DESCRIPTION "
        "'Housin'/'Transi'/'Trespa', SUMMONS_OFFENSE_DESCRIPTION 'MARIJU', "
        "OFFICER_NOT_EXPLAINED_STOP_DESCRIPTION), and SUSPECT_RACE_DESCRIPTION to 24/25 "
        "('MIDDLE EASTERN/SOUTHWEST', 'AMERICAN INDIAN/ALASKAN N').",
        "SUSPECT_REPORTED_AGE missing is a single space ' ' (not '(null)'); STOP_LOCATION_"
        "SECTOR_CODE has both ' ' and '('. DEMEANOR_OF_PERSON_STOPPED uses '#N/A'.",
        "Cell types differ by column: STOP_FRISK_DATE is an Excel date, STOP_FRISK_TIME an "
        "Excel time, ages/weights/zips are numbers mixed with text markers.",
        "SUSPECT_HEIGHT is a number (float 5.1 for 5'1\" and 5'10\" alike, int 6 for 6'0\"): "
        "inches are ambiguous.",
        "STOP_LOCATION_X/Y are NY State Plane (feet), not lat/lng.",
        "PHYSICAL_FORCE_RESTRAINT_USED_FLAG is '(null)' in every row.",
        "Flag columns are 'Y'/'N' for some fields but 'Y'/'(null)' for others "
        "(FIREARM_FLAG, SEARCH_BASIS_*, PHYSICAL_FORCE_*): (null) means 'not ticked' there.",
    ]
    f21["surprises"] = [
        "Sheet is named 'Sheet1'; the layout differs from 2020 (one column added, one "
        "dropped: see notes) so columns must be matched by name, not position.",
        "STOP_FRISK_DATE and STOP_FRISK_TIME are text ('2021-11-17', '23:30:00'), not Excel "
        "date/time cells as in 2020; command codes and precincts are zero-padded text ('075').",
        "Race labels are spelled in full ('MIDDLE EASTERN/SOUTHWEST ASIAN') and flags are not "
        "truncated, unlike 2020.",
        "Missing is '(null)' (SUSPECT_REPORTED_AGE too); DEMEANOR_OF_PERSON_STOPPED uses '#N/A'.",
        "No date outside 2021, but SUSPECT_REPORTED_AGE reaches 120 (and has ages 0-9).",
        "SUSPECT_HEIGHT has impossible values ('0.0', '0.1', '0.4').",
        "SUSPECT_HEIGHT is text with explicit inches ('5.10', '6.0'), unlike 2020.",
        "STOP_LOCATION_X/Y are text; one full address ('38 W 38 ST') occurs 119 times - "
        "possibly a default/placeholder location.",
        "PHYSICAL_FORCE_OC_SPRAY_USED_FLAG is '(null)' in every row.",
        "SUPERVISING_OFFICER_RANK / COMMAND_CODE are '(null)' in 1,853 rows.",
    ]
    return {"files": files, "notes": notes}


def dallas(root):
    src = "dallas-uof-2016"
    name = "37-00049_UOF-P_2016_prepped.csv"
    f, h, rows = csv_file_facts(root, src, name, header_lines=2)
    H = {c: i for i, c in enumerate(h)}
    f["second_header_line_original_names"] = dict(zip(h, f["header_lines_parsed"][1]))
    uof = col(h, rows, "UOF_NUMBER")
    nums = [[n.strip() for n in v.split(",")] for v in uof]
    all_nums = collections.Counter(n for ns in nums for n in ns)
    force_cols = [f"TYPE_OF_FORCE_USED{i}" for i in range(1, 11)]
    n_force = [sum(1 for c in force_cols if r[H[c]].strip()) for _, r in rows]
    n_eff = [len(r[H["FORCE_EFFECTIVE"]].split(",")) for _, r in rows]
    f["uof_number"] = {
        "rows_with_comma_list": sum(1 for v in uof if "," in v),
        "rows_with_leading_space": sum(1 for v in uof if v.startswith(" ")),
        "numbers_per_row": {
            str(k): v for k, v in sorted(collections.Counter(len(ns) for ns in nums).items())
        },
        "distinct_strings_after_strip": len(set(v.strip() for v in uof)),
        "strings_on_more_than_one_row": sum(
            1 for v in collections.Counter(v.strip() for v in uof).values() if v > 1
        ),
        "distinct_individual_numbers": len(all_nums),
        "individual_numbers_on_more_than_one_row": sum(1 for v in all_nums.values() if v > 1),
        "min_number": min(int(n) for n in all_nums),
        "max_number": max(int(n) for n in all_nums),
        "rows_where_count_equals_force_types": sum(
            1 for ns, k in zip(nums, n_force) if len(ns) == k
        ),
        "rows_where_count_equals_force_effective_items": sum(
            1 for ns, k in zip(nums, n_eff) if len(ns) == k
        ),
        "meaning": "one UOF report number per force type applied by this officer to this "
        "subject; a row is an officer-subject pair, not an incident",
    }
    # incidents: no incident id in the file. Group rows by date + time + address.
    key_cols = ["INCIDENT_DATE", "INCIDENT_TIME", "LOCATION_FULL_STREET_ADDRESS_OR_INTERSECTION"]
    groups = collections.defaultdict(list)
    for _, r in rows:
        groups[tuple(r[H[c]] for c in key_cols)].append(r)
    officers = {k: {r[H["OFFICER_ID"]] for r in v} for k, v in groups.items()}
    subjects = {k: {r[H["SUBJECT_ID"]] for r in v} for k, v in groups.items()}
    subjects_known = {k: {r[H["SUBJECT_ID"]] for r in v} - {"0"} for k, v in groups.items()}
    # connected components of rows sharing a UOF number or (same non-zero subject, same date)
    parent = {}

    def find(a):
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a, b):
        parent[find(a)] = find(b)

    for i, ((_, r), ns) in enumerate(zip(rows, nums)):
        for n in ns:
            union(("u", n), ("r", i))
        if r[H["SUBJECT_ID"]] != "0":
            union(("s", r[H["SUBJECT_ID"]], r[H["INCIDENT_DATE"]]), ("r", i))
    comps = collections.Counter(find(("r", i)) for i in range(len(rows)))
    f["incidents"] = {
        "note": "the file has no incident id; an incident is best approximated by "
        "INCIDENT_DATE + INCIDENT_TIME + LOCATION_FULL_STREET_ADDRESS_OR_INTERSECTION",
        "key": key_cols,
        "distinct_incidents_by_key": len(groups),
        "rows_per_incident": per_group_distribution({k: v for k, v in groups.items()}),
        "officers_per_incident": per_group_distribution(officers),
        "subjects_per_incident": per_group_distribution(subjects),
        "known_subjects_per_incident_excluding_id_0": per_group_distribution(subjects_known),
        "alternative_components_sharing_uof_number_or_subject_and_date": len(comps),
        "distinct_date_address": len(
            {
                (r[H["INCIDENT_DATE"]], r[H["LOCATION_FULL_STREET_ADDRESS_OR_INTERSECTION"]])
                for _, r in rows
            }
        ),
    }
    pair = collections.Counter(
        (r[H["OFFICER_ID"]], r[H["SUBJECT_ID"]], r[H["INCIDENT_DATE"]]) for _, r in rows
    )
    f["officer_subject_date_pairs"] = {
        "distinct": len(pair),
        "repeated": sum(1 for v in pair.values() if v > 1),
        "repeated_with_subject_0": sum(1 for k, v in pair.items() if v > 1 and k[1] == "0"),
    }
    f["officer_id"] = {"column": "OFFICER_ID", "distinct": len(set(col(h, rows, "OFFICER_ID")))}
    sid = col(h, rows, "SUBJECT_ID")
    f["subject_id"] = {
        "column": "SUBJECT_ID",
        "distinct": len(set(sid)),
        "distinct_excluding_0": len(set(sid) - {"0"}),
        "rows_with_id_0_unknown_subject": sid.count("0"),
    }
    f["dates"] = {
        "INCIDENT_DATE": parse_dates(
            refs(h, rows, "INCIDENT_DATE"), ["%m/%d/%y"], (2016, 2016), missing=("", "NULL")
        ),
        "INCIDENT_TIME": parse_dates(
            refs(h, rows, "INCIDENT_TIME"), ["%I:%M:%S %p"], missing=("", "NULL"), kind="time"
        ),
        "OFFICER_HIRE_DATE": parse_dates(
            refs(h, rows, "OFFICER_HIRE_DATE"), ["%m/%d/%y"], (1960, 2016), missing=("", "NULL")
        ),
        "note": "two-digit years: Python %y maps 69-99 to 19xx and 00-68 to 20xx, which is "
        "right for this file (hire years 1979-2016).",
    }
    vs_calendar = collections.Counter()
    vs_completed = collections.Counter()
    for _, r in rows:
        hy = dt.datetime.strptime(r[H["OFFICER_HIRE_DATE"]], "%m/%d/%y")
        inc = dt.datetime.strptime(r[H["INCIDENT_DATE"]], "%m/%d/%y")
        yrs = int(r[H["OFFICER_YEARS_ON_FORCE"]])
        completed = inc.year - hy.year - ((inc.month, inc.day) < (hy.month, hy.day))
        vs_calendar[yrs - (inc.year - hy.year)] += 1
        vs_completed[yrs - completed] += 1
    f["officer_years_on_force_check"] = {
        "note": "OFFICER_YEARS_ON_FORCE is not exactly derivable from hire and incident dates",
        "minus_calendar_year_difference": {str(k): vs_calendar[k] for k in sorted(vs_calendar)},
        "minus_completed_years": {str(k): vs_completed[k] for k in sorted(vs_completed)},
    }
    f["value_counts"] = vc(
        h,
        rows,
        [
            "OFFICER_GENDER",
            "OFFICER_RACE",
            "OFFICER_YEARS_ON_FORCE",
            "OFFICER_INJURY",
            "OFFICER_HOSPITALIZATION",
            "SUBJECT_RACE",
            "SUBJECT_GENDER",
            "SUBJECT_INJURY",
            "SUBJECT_WAS_ARRESTED",
            "SUBJECT_DESCRIPTION",
            "INCIDENT_REASON",
            "REASON_FOR_FORCE",
            "DIVISION",
            "LOCATION_DISTRICT",
            "SECTOR",
            "LOCATION_CITY",
            "LOCATION_STATE",
            "NUMBER_EC_CYCLES",
            "STREET_DIRECTION",
            "STREET_TYPE",
        ]
        + force_cols,
    )
    f["force_types_all_columns"] = counts(
        r[H[c]] for _, r in rows for c in force_cols if r[H[c]].strip()
    )
    f["force_types_per_row"] = {str(k): v for k, v in sorted(collections.Counter(n_force).items())}
    f["force_effective_items"] = split_counts(col(h, rows, "FORCE_EFFECTIVE"), ",")
    f["subject_injury_type_items"] = split_counts(col(h, rows, "SUBJECT_INJURY_TYPE"), ",")
    f["officer_injury_type_items"] = split_counts(col(h, rows, "OFFICER_INJURY_TYPE"), ",")
    f["subject_offense_items"] = split_counts(col(h, rows, "SUBJECT_OFFENSE"), ",")
    lat = col(h, rows, "LOCATION_LATITUDE")
    f["coordinates"] = {
        "latitude_empty": lat.count(""),
        "longitude_empty": col(h, rows, "LOCATION_LONGITUDE").count(""),
    }
    f["surprises"] = [
        "TWO header lines: line 1 = CPE standard names, line 2 = Dallas original names "
        "(OCCURRED_D, UOFNum, CURRENT_BA, ...). A loader reading one header treats line 2 as "
        "a data row.",
        "CRLF line endings and NO newline after the last record.",
        "One row per officer x subject, not per incident: there is no incident id. UOF_NUMBER "
        "is often a comma list with a leading space (' 31384, 31385, 31386') holding one report "
        "number per force type used, and FORCE_EFFECTIVE has the same number of items "
        "(' Yes, No, Yes').",
        "SUBJECT_ID 0 means an unknown/unidentified subject (147 rows); duplicate UOF_NUMBER "
        "rows all involve subject 0.",
        "Missing values are both the string NULL and the empty string (latitude/longitude and "
        "unused TYPE_OF_FORCE_USEDn are empty; others NULL).",
        "Dates are M/D/YY with two-digit years (OFFICER_HIRE_DATE goes back to 1979); times "
        "are h:mm:ss AM/PM.",
        "SUBJECT_GENDER includes 'Unknown' beside NULL; race labels are truncated "
        "('American Ind').",
        "Misspellings are in the source: 'Alchohol', 'Crowd Disbursement', 'Other ( In "
        "Narrative)'.",
        "Multi-valued text fields (SUBJECT_OFFENSE, *_INJURY_TYPE, NUMBER_EC_CYCLES) are "
        "comma lists; SUBJECT_OFFENSE mixes charge names and 'No Arrest'/'APOWW' codes.",
        "Coordinates missing for 55 rows; INCIDENT_TIME is NULL in 10 rows (so the "
        "date+time+address incident key contains 'NULL' there).",
        "OFFICER_YEARS_ON_FORCE cannot be recomputed exactly from OFFICER_HIRE_DATE and "
        "INCIDENT_DATE (off by one either way in about half of the rows): store it as given.",
    ]
    return {
        "files": {name: f},
        "notes": [
            "Dallas PD response-to-resistance 2016 as prepared by the Center for Policing Equity "
            "(Kaggle); feeds use_of_force (incident), force_subjects and force_officers.",
        ],
    }


def seattle(root):
    src = "seattle-uof"
    name = "Use_Of_Force.csv"
    f, h, rows = csv_file_facts(root, src, name)
    H = {c: i for i, c in enumerate(h)}
    ids = col(h, rows, "ID")
    pat = re.compile(r"(\d{4})UOF-(\d{4})-(\d+)-(\d+)")
    bad = [{"line": ln, "ID": r[0]} for ln, r in rows if not pat.fullmatch(r[0])]
    f["record_id"] = id_facts(ids, "ID")
    f["record_id"]["pattern"] = "YYYYUOF-NNNN-N-N"
    f["record_id"]["not_matching_pattern"] = bad
    mism = []
    for ln, r in rows:
        m = pat.fullmatch(r[0])
        if m and m.group(1) != r[H["Occured_date_time"]][6:10]:
            mism.append(ln)
    f["record_id"]["year_prefix_differs_from_occurred_year"] = len(mism)
    groups = collections.defaultdict(list)
    for _, r in rows:
        groups[r[H["Incident_Num"]]].append(r)
    f["incidents"] = {
        "column": "Incident_Num",
        "distinct": len(groups),
        "rows_per_incident": per_group_distribution(groups),
        "officers_per_incident": per_group_distribution(
            {k: {r[H["Officer_ID"]] for r in v} for k, v in groups.items()}
        ),
        "subjects_per_incident": per_group_distribution(
            {k: {r[H["Subject_ID"]] for r in v} for k, v in groups.items()}
        ),
        "incidents_with_several_types": sum(
            1 for v in groups.values() if len({r[H["Incident_Type"]] for r in v}) > 1
        ),
        "incidents_with_several_datetimes": sum(
            1 for v in groups.values() if len({r[H["Occured_date_time"]] for r in v}) > 1
        ),
    }
    # Incident_Num is nearly always one officer's report: events with several officers have
    # several Incident_Nums sharing date-time and place. Group them as an alternative.
    ev_cols = ["Occured_date_time", "Precinct", "Sector", "Beat"]
    events = collections.defaultdict(list)
    for _, r in rows:
        events[tuple(r[H[c]] for c in ev_cols)].append(r)
    f["events_by_datetime_and_place"] = {
        "note": "alternative incident key: same Occured_date_time, Precinct, Sector and Beat",
        "key": ev_cols,
        "distinct": len(events),
        "groups_with_several_Incident_Num": sum(
            1 for v in events.values() if len({r[H["Incident_Num"]] for r in v}) > 1
        ),
        "incident_nums_per_event": per_group_distribution(
            {k: {r[H["Incident_Num"]] for r in v} for k, v in events.items()}
        ),
        "officers_per_event": per_group_distribution(
            {k: {r[H["Officer_ID"]] for r in v} for k, v in events.items()}
        ),
        "subjects_per_event": per_group_distribution(
            {k: {r[H["Subject_ID"]] for r in v} for k, v in events.items()}
        ),
    }
    trip = collections.Counter(
        (r[H["Incident_Num"]], r[H["Officer_ID"]], r[H["Subject_ID"]]) for _, r in rows
    )
    f["incident_officer_subject_repeated"] = sum(1 for v in trip.values() if v > 1)
    subj_inc = collections.defaultdict(set)
    for _, r in rows:
        subj_inc[r[H["Subject_ID"]]].add(r[H["Incident_Num"]])
    top = sorted(subj_inc.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:5]
    f["officer_id"] = {"column": "Officer_ID", "distinct": len(set(col(h, rows, "Officer_ID")))}
    f["subject_id"] = {
        "column": "Subject_ID",
        "distinct": len(set(col(h, rows, "Subject_ID"))),
        "subjects_in_more_than_one_incident": sum(1 for v in subj_inc.values() if len(v) > 1),
        "most_incidents_per_subject": {k: len(v) for k, v in top},
        "most_incidents_subject_race_gender": {
            k: counts(
                f"{r[H['Subject_Race']]} / {r[H['Subject_Gender']]}"
                for _, r in rows
                if r[H["Subject_ID"]] == k
            )
            for k, _ in top[:3]
        },
    }
    f["dates"] = {
        "Occured_date_time": parse_dates(
            refs(h, rows, "Occured_date_time"),
            ["%m/%d/%Y %I:%M:%S %p"],
            (2014, 2023),
            kind="datetime",
        )
    }
    f["dates"]["Occured_date_time"]["rows_per_year"] = counts(
        v[6:10] for v in col(h, rows, "Occured_date_time")
    )
    f["value_counts"] = vc(
        h, rows, ["Incident_Type", "Precinct", "Sector", "Beat", "Subject_Race", "Subject_Gender"]
    )
    f["surprises"] = [
        "UTF-8 BOM: the first column reads '\\ufeffID' without utf-8-sig.",
        "One row per officer x subject x Incident_Num; the ID column is the row id and its "
        "middle numbers are NOT the Officer_ID/Subject_ID.",
        "Incident_Num is (almost always) one officer's force report, not the event: only 33 "
        "Incident_Nums have more than one officer, while one event with many officers (same "
        "date-time and beat) carries many Incident_Nums (see events_by_datetime_and_place). "
        "Counting incidents by Incident_Num overcounts events.",
        "One ID is malformed ('--2870-29052', no year/UOF prefix).",
        "The ID's year prefix is the report year: 30 rows occurred in the previous year.",
        "Column name is misspelled 'Occured_date_time'; format MM/DD/YYYY hh:mm:ss AM/PM.",
        "Precinct/Beat use '-', 'X', 'OOJ' (out of jurisdiction) and '0' as non-values; Sector "
        "uses the empty string.",
        "Subject_Gender mixes sex and gender identity: 'Transgender Female', 'Transgender "
        "Male', 'Non-binary', 'Other' beside Male/Female/Unknown/'-'. Gender identity is a "
        "prohibited attribute outside hate incidents: the mapping must not store these labels "
        "as such (map to unknown/other sex or refuse the column).",
        "Subject_Race 'Not Specified' is the missing marker; 'Hispanic or Latino' is a race "
        "level here (no separate ethnicity column).",
        "A few Subject_IDs recur across many incidents with race 'Not Specified' (7884 in 93, "
        "1020 in 76, 1708 in 70): probably placeholder subjects, not real repeat subjects.",
        "Rows are not in date order; 2023 is a partial year (to January 19).",
    ]
    return {
        "files": {name: f},
        "notes": [
            "Seattle PD use of force (City of Seattle open data), export of early 2023; feeds "
            "use_of_force (Incident_Num), force_subjects and force_officers.",
        ],
    }


def ccrb(root):
    src = "nyc-ccrb-penalties"
    name = "Civilian_Complaint_Review_Board__Penalties_20240727.csv"
    f, h, rows = csv_file_facts(root, src, name)
    H = {c: i for i, c in enumerate(h)}
    f["record_id"] = id_facts(
        [f"{r[H['Complaint Id']]}/{r[H['Tax ID']]}" for _, r in rows],
        "Complaint Id + Tax ID (composite)",
    )
    cids = col(h, rows, "Complaint Id")
    f["complaints"] = {
        "column": "Complaint Id",
        "distinct": len(set(cids)),
        "min": min(cids),
        "max": max(cids),
        "officers_per_complaint": per_group_distribution(
            {k: v for k, v in _group(rows, H["Complaint Id"], H["Tax ID"]).items()}
        ),
        "rows_by_id_year_prefix": {k: v for k, v in sorted(counts(c[:4] for c in cids).items())},
        "id_lengths": counts(str(len(c)) for c in cids),
    }
    tax = col(h, rows, "Tax ID")
    f["officer_id"] = {
        "column": "Tax ID",
        "distinct": len(set(tax)),
        "complaints_per_officer": per_group_distribution(
            _group(rows, H["Tax ID"], H["Complaint Id"])
        ),
        "id_lengths": counts(str(len(t)) for t in tax),
    }
    asof = dt.datetime.strptime(rows[0][1][H["As Of Date"]], "%m/%d/%Y")
    dates = {}
    for c in ["As Of Date", "Non-APU NYPD Penalty Report Date", "APU Closing Date"]:
        d = parse_dates(refs(h, rows, c), ["%m/%d/%Y"])
        after = [
            {"line": ln, "value": v}
            for ln, v in refs(h, rows, c)
            if v and dt.datetime.strptime(v, "%m/%d/%Y") > asof
        ]
        d["after_as_of_date"] = {"count": len(after), "rows": after}
        dates[c] = d
    f["dates"] = dates
    f["value_counts"] = vc(
        h,
        rows,
        [
            "As Of Date",
            "CCRB Substantiated Officer Disposition",
            "Board Discipline Recommendation",
            "Officer is_APU",
            "APU CCRB Trial Recommended Penalty",
            "APU Trial Commissioner Recommended Penalty",
            "APU Plea Agreed Penalty",
            "APU Case Status",
            "NYPD Officer Penalty",
        ],
    )
    f["nypd_officer_penalty_items"] = split_counts(col(h, rows, "NYPD Officer Penalty"), " / ")
    f["value_counts_crosstabs"] = [
        crosstab(h, rows, "Officer is_APU", "APU Case Status"),
    ]
    f["apu_rows_with_report_date"] = sum(
        1
        for _, r in rows
        if r[H["Officer is_APU"]] == "Yes" and r[H["Non-APU NYPD Penalty Report Date"]]
    )
    f["surprises"] = [
        "Grain is complaint x officer (Complaint Id + Tax ID is unique), not allegation: the "
        "allegations themselves are not in this file.",
        "Only substantiated cases appear: every disposition starts 'Substantiated (...)'.",
        "Column names have spaces and mixed case ('Officer is_APU', 'Non-APU NYPD Penalty "
        "Report Date').",
        "Empty string is the only missing marker; 'Board Discipline Recommendation' is empty "
        "in two thirds of rows (only filled when it differs from or adds to the disposition).",
        "APU Closing Date can be later than the As Of Date (07/27/2024) - dates in the future "
        "of the extract.",
        "NYPD Officer Penalty is free text with several spellings of the same penalty "
        "('Command Discipline - A' / 'Command Discipline A', 'Forfeit vacation 5 days' / "
        "'Vacation: 5 days') and ' / '-joined combinations; 'APU - Decision Pending', "
        "'Retired', 'Resigned' are statuses, not penalties.",
        "Complaint Id starts with the year the complaint was opened (2000-2023); Tax ID is "
        "an NYPD officer identifier (6 digits) - officer keys are public by design.",
        "Dates are MM/DD/YYYY.",
    ]
    return {
        "files": {name: f},
        "notes": [
            "NYC CCRB penalties for substantiated complaints against NYPD officers, one row per "
            "complaint x officer. Feeds complaints (Complaint Id) and allegations (one per row "
            "here, finding = substantiated, discipline = penalty) until the CCRB allegations table "
            "is available.",
        ],
    }


def _group(rows, ki, vi):
    g = collections.defaultdict(set)
    for _, r in rows:
        g[r[ki]].add(r[vi])
    return g


def fbi(root):
    src = "fbi-hate-crime"
    name = "hate_crime.zip"
    path = os.path.join(root, src, name)
    with open(path, "rb") as fh:
        zdata = fh.read()
    z = zipfile.ZipFile(io.BytesIO(zdata))
    members = [
        {
            "name": i.filename,
            "bytes": i.file_size,
            "compressed": i.compress_size,
            "crc32": f"{i.CRC:08x}",
            "date_time": "%04d-%02d-%02d %02d:%02d:%02d" % i.date_time,
        }
        for i in z.infolist()
    ]
    data = z.read("hate_crime.csv")
    fz = {"source_dir": src, "test_copy": name, "format": "zip"}
    fz.update(file_identity(zdata))
    fz["members"] = members
    fz["surprises"] = [
        "A zip, not a CSV: one member hate_crime.csv (50,181,008 bytes, 12x the zip); read it "
        "as a stream from the archive rather than extracting to disk.",
        "The member's sha256 differs from the zip's: record both in the batch provenance.",
    ]
    f = {"source_dir": src, "test_copy": "hate_crime.zip (member)", "format": "csv", "inside": name}
    f.update(file_identity(data))
    tfacts, text = text_facts(data)
    f.update(tfacts)
    headers, body, multiline, nlines = parse_csv(text)
    h = headers[0]
    H = {c: i for i, c in enumerate(h)}
    f["delimiter"] = ","
    f["physical_lines"] = nlines
    f["multiline_records"] = multiline
    f["header_lines"] = 1
    f["columns"] = h
    f["column_count"] = len(h)
    f["field_count_per_record"] = {str(k): v for k, v in counts(len(r) for _, r in body).items()}
    rows, junk = split_junk(h, body)
    f["data_rows"] = len(rows)
    f["junk_rows"] = junk
    recs = [r for _, r in rows]
    f["missing_markers"] = missing_markers(h, recs)
    f["values_with_leading_or_trailing_blanks"] = padded_values(h, recs)
    f["record_id"] = id_facts(col(h, rows, "INCIDENT_ID"), "INCIDENT_ID")
    years = col(h, rows, "DATA_YEAR")
    per_year = {k: v for k, v in sorted(counts(years).items())}
    f["years"] = {
        "min": min(years),
        "max": max(years),
        "distinct": len(set(years)),
        "incidents_per_year": per_year,
        "selected": {y: per_year.get(y) for y in ("1991", "2000", "2020")},
    }
    d = parse_dates(refs(h, rows, "INCIDENT_DATE"), ["%d-%b-%y"], (1991, 2020))
    mism = [
        ln
        for ln, r in rows
        if dt.datetime.strptime(r[H["INCIDENT_DATE"]], "%d-%b-%y").year != int(r[H["DATA_YEAR"]])
    ]
    d["rows_where_year_differs_from_DATA_YEAR"] = {"count": len(mism), "lines": mism[:50]}
    f["dates"] = {
        "INCIDENT_DATE": d,
        "note": "DD-Mon-YY with a two-digit year; %y maps 91-99 to 19xx and 00-20 "
        "to 20xx, which is right for 1991-2020",
    }
    bias = col(h, rows, "BIAS_DESC")
    nb = [len(set(b.split(";"))) for b in bias]
    mb = col(h, rows, "MULTIPLE_BIAS")
    f["bias"] = {
        "incidents_per_individual_bias": split_counts(bias, ";"),
        "distinct_individual_biases": len(split_counts(bias, ";")),
        "incidents_with_several_biases": sum(1 for n in nb if n > 1),
        "biases_per_incident": {str(k): v for k, v in sorted(collections.Counter(nb).items())},
        "MULTIPLE_BIAS": counts(mb),
        "MULTIPLE_BIAS_M_but_one_bias": sum(1 for n, m in zip(nb, mb) if m == "M" and n == 1),
        "MULTIPLE_BIAS_S_but_several": sum(1 for n, m in zip(nb, mb) if m == "S" and n > 1),
        "distinct_bias_lists": len(set(bias)),
    }
    off = col(h, rows, "OFFENSE_NAME")
    no = [len(o.split(";")) for o in off]
    mo = col(h, rows, "MULTIPLE_OFFENSE")
    f["offenses"] = {
        "incidents_per_offense_name": split_counts(off, ";"),
        "incidents_with_several_offenses": sum(1 for n in no if n > 1),
        "MULTIPLE_OFFENSE": counts(mo),
        "MULTIPLE_OFFENSE_M_but_one_offense": sum(1 for n, m in zip(no, mo) if m == "M" and n == 1),
        "MULTIPLE_OFFENSE_S_but_several": sum(1 for n, m in zip(no, mo) if m == "S" and n > 1),
    }
    f["victim_types"] = {
        "incidents_per_victim_type": split_counts(col(h, rows, "VICTIM_TYPES"), ";"),
        "incidents_with_several": sum(1 for v in col(h, rows, "VICTIM_TYPES") if ";" in v),
    }
    f["locations"] = {
        "incidents_per_location": split_counts(col(h, rows, "LOCATION_NAME"), ";"),
        "incidents_with_several": sum(1 for v in col(h, rows, "LOCATION_NAME") if ";" in v),
    }
    ori = col(h, rows, "ORI")
    names = _group(rows, H["ORI"], H["PUB_AGENCY_NAME"])
    f["ori"] = {
        "distinct": len(set(ori)),
        "empty": ori.count(""),
        "oris_with_several_agency_names": sum(1 for v in names.values() if len(v) > 1),
        "most_incidents": dict(list(counts(ori).items())[:5]),
        "lengths": counts(str(len(o)) for o in ori),
        "rows_where_ori_prefix_differs_from_STATE_ABBR": counts(
            f"{r[H['ORI']][:2]}->{r[H['STATE_ABBR']]}"
            for _, r in rows
            if r[H["ORI"]][:2] != r[H["STATE_ABBR"]]
        ),
    }
    f["agency_names_distinct"] = len(set(col(h, rows, "PUB_AGENCY_NAME")))
    f["state_abbr_names"] = {
        k: v for k, v in sorted({(r[H["STATE_ABBR"]], r[H["STATE_NAME"]]) for _, r in rows})
    }
    filled = collections.defaultdict(collections.Counter)
    for _, r in rows:
        for c in ("ADULT_VICTIM_COUNT", "ADULT_OFFENDER_COUNT", "OFFENDER_ETHNICITY"):
            if r[H[c]] != "":
                filled[c][r[H["DATA_YEAR"]]] += 1
    f["rows_with_value_per_year"] = {
        c: {y: filled[c][y] for y in sorted(filled[c])} for c in sorted(filled)
    }
    f["offender_count_0_with_known_race"] = counts(
        r[H["OFFENDER_RACE"]]
        for _, r in rows
        if r[H["TOTAL_OFFENDER_COUNT"]] == "0" and r[H["OFFENDER_RACE"]] not in ("Unknown", "")
    )
    f["value_counts"] = vc(
        h,
        rows,
        [
            "STATE_ABBR",
            "AGENCY_TYPE_NAME",
            "REGION_NAME",
            "DIVISION_NAME",
            "POPULATION_GROUP_CODE",
            "OFFENDER_RACE",
            "OFFENDER_ETHNICITY",
        ],
    )
    f["state_abbr_vs_name"] = len({(r[H["STATE_ABBR"]], r[H["STATE_NAME"]]) for _, r in rows})
    sums = {}
    for c in [
        "VICTIM_COUNT",
        "TOTAL_INDIVIDUAL_VICTIMS",
        "ADULT_VICTIM_COUNT",
        "JUVENILE_VICTIM_COUNT",
        "TOTAL_OFFENDER_COUNT",
        "ADULT_OFFENDER_COUNT",
        "JUVENILE_OFFENDER_COUNT",
    ]:
        vals = col(h, rows, c)
        nums = [int(v) for v in vals if v != ""]
        sums[c] = {
            "sum": sum(nums),
            "empty": len(vals) - len(nums),
            "min": min(nums),
            "max": max(nums),
        }
    f["counts_columns"] = sums
    f["surprises"] = [
        "Shipped as a zip; the CSV inside is 50 MB with CRLF line endings.",
        "INCIDENT_DATE is DD-Mon-YY ('31-Aug-91'): two-digit year and English month abbreviation.",
        "BIAS_DESC, OFFENSE_NAME, VICTIM_TYPES and LOCATION_NAME are ';'-separated lists "
        "(no space); MULTIPLE_BIAS / MULTIPLE_OFFENSE flag them with M/S.",
        "Bias labels contain sexual-orientation and gender-identity biases (Anti-Gay (Male), "
        "Anti-Transgender, ...): legitimate here (offender's bias), prohibited elsewhere.",
        "Victim/offender adult/juvenile split counts are empty in most rows and filled "
        "irregularly by year (mostly 2011, 2013-2014, 2016-2020; see "
        "rows_with_value_per_year); OFFENDER_ETHNICITY is empty in 84% of rows: empty means "
        "not collected, not zero.",
        "TOTAL_OFFENDER_COUNT 0 means an unknown offender, not zero offenders; OFFENDER_RACE is "
        "then mostly 'Unknown' but in 1,617 rows a race is given anyway.",
        "MULTIPLE_OFFENSE is 'M' on 2,325 rows whose OFFENSE_NAME has a single name (several "
        "offences of the same kind); MULTIPLE_BIAS always agrees with the BIAS_DESC list.",
        "ORI is the reporting agency id (9 characters; each ORI has one name here); "
        "PUB_AGENCY_NAME is not unique across ORIs (6,538 names for 9,689 ORIs) and 93 names "
        "carry a trailing blank ('Princeton ').",
        "Per-year counts differ from the FBI's annual Hate Crime Statistics reports (later "
        "re-compilation).",
        "STATE_ABBR is not the USPS code everywhere: Nebraska is 'NB' (not NE), federal "
        "agencies are 'FS' (State 'Federal', their ORI prefix is the state where they sit), "
        "Guam is 'GM'; 53 values in all.",
        "One incident (INCIDENT_ID 373423, 2018) has the bias 'Unknown (offender's motivation "
        "not known)'; bias labels differ slightly from the NIBRS code list (e.g. 'Anti-Mormon').",
    ]
    return {
        "files": {name: fz, "hate_crime.csv": f},
        "notes": [
            "FBI UCR hate crime incidents 1991-2020 (CDE bulk extract of late 2021), one row per "
            "incident; feeds hate_incidents. The collector file of thousands of reporting "
            "agencies keyed by ORI.",
            "The facts under files['hate_crime.csv'] are for the zip member (sha256 of the "
            "uncompressed member).",
        ],
    }


def threshold(root):
    src = "opp-threshold-counts"
    name = "threshold_counts_2017.csv"
    f, h, rows = csv_file_facts(root, src, name)
    f["test_copy"] = name
    H = {c: i for i, c in enumerate(h)}
    key = collections.Counter((r[0], r[1], r[2]) for _, r in rows)
    f["record_id"] = {
        "column": "state + location_variable + driver_race (composite)",
        "distinct": len(key),
        "unique": all(v == 1 for v in key.values()),
    }
    f["value_counts"] = vc(h, rows, ["state", "driver_race"])
    per_state = {}
    for st in sorted(set(col(h, rows, "state"))):
        sr = [r for _, r in rows if r[0] == st]
        per_state[st] = {
            "counties": len({r[1] for r in sr}),
            "rows": len(sr),
            "by_race": {
                race: {
                    k: sum(int(r[H[k]]) for r in sr if r[2] == race)
                    for k in ("num_stops", "num_searches", "num_hits")
                }
                for race in sorted({r[2] for r in sr})
            },
        }
    f["per_state"] = per_state
    f["totals"] = {
        k: sum(int(v) for v in col(h, rows, k)) for k in ("num_stops", "num_searches", "num_hits")
    }
    f["order_violations"] = {
        "hits_gt_searches": sum(1 for _, r in rows if int(r[5]) > int(r[4])),
        "searches_gt_stops": sum(1 for _, r in rows if int(r[4]) > int(r[3])),
        "zero_searches": sum(1 for _, r in rows if int(r[4]) == 0),
    }
    f["surprises"] = [
        "Aggregated counts, not records: one row per state x county x driver race.",
        "driver_race labels are 'White drivers', 'Black drivers', 'Hispanic drivers'.",
        "Not every county has all three races (rows per state are not 3 x counties).",
    ]
    return {
        "files": {name: f},
        "notes": [
            "Input counts of the OPP 2017 threshold test (5harad/openpolicing fig4b); a golden "
            "input for the analysis module, not an agency's data.",
        ],
    }


SOURCES = {
    "opp-ky-owensboro": owensboro,
    "opp-ct-hartford": hartford,
    "nypd-sqf": nypd,
    "dallas-uof-2016": dallas,
    "seattle-uof": seattle,
    "nyc-ccrb-penalties": ccrb,
    "fbi-hate-crime": fbi,
    "opp-threshold-counts": threshold,
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "root",
        nargs="?",
        default=HERE,
        help="folder with <source>/<file> or <file>.xz (default: beside this script)",
    )
    ap.add_argument("--out", default=HERE, help="where to write <source>/facts.json")
    ap.add_argument(
        "--check",
        action="store_true",
        help="compare with existing facts.json under --out instead of writing",
    )
    ap.add_argument("--only", action="append", help="only these sources")
    args = ap.parse_args(argv)
    status = 0
    for source, fn in SOURCES.items():
        if args.only and source not in args.only:
            continue
        facts = fn(args.root)
        text = json.dumps(facts, indent=1, ensure_ascii=False, default=str) + "\n"
        target = os.path.join(args.out, source, "facts.json")
        if args.check:
            with open(target, encoding="utf-8") as fh:
                same = fh.read() == text
            print(f"{source}: {'same' if same else 'DIFFERENT'}")
            status |= not same
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)
            print(f"{source}: wrote {target} ({len(text):,} bytes)")
    return status


if __name__ == "__main__":
    sys.exit(main())
