"""The last gate before a release exists: scan the written files for identifiers of people.

The de-identification step should have removed everything; this scan does not trust it. It reads
the files back as a reader would (CSV and NDJSON as text, every part of an XLSX zip, every value
and the metadata of a Parquet file) and looks for:

1. **canaries** — strings planted in the source (or listed in the publication policy) that must
   never come out: anywhere, in any case;
2. **distinctive identifiers** of the store — full names (first and last name of one person),
   licence plates, driver's licence numbers, subject ids that mix letters and digits — anywhere
   in any file. Single words and bare dates are not searched across files: a surname can be a
   street ("Jackson"), a birth date can be another record's event date;
3. **a record's own identifiers in its own text** — each name word, date of birth and licence
   number of a record family must not appear in the free text published for that family (this
   re-checks the redaction on the written CSV);
4. **restricted columns** — no published table has a column the standard calls restricted.

A finding names the file, the kind and the field — never the value, so the refusal itself leaks
nothing to a log.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from openblotter.privacy.identifiers import KNOWN, NAMES, family_root, identifier_fields
from openblotter.schema.model import PrivacyClass

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from openblotter.privacy.policy import PublicationPolicy
    from openblotter.publish.snapshot import Families
    from openblotter.schema.registry import Standard

__all__ = [
    "Finding",
    "Sensitive",
    "file_chunks",
    "file_text",
    "normalise",
    "scan",
    "sensitive_values",
]

_SPACES = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def normalise(text: str) -> str:
    """Lower case, every run of other characters one space: how values are compared."""
    return " ".join(text.casefold().translate(_SPACES).split())


@dataclass(frozen=True, slots=True)
class Finding:
    """One leak: where, what kind, from which field (never the value)."""

    file: str
    kind: str
    source: str


@dataclass
class Sensitive:
    """What must not appear in a release."""

    canaries: list[str] = field(default_factory=list)
    #: normalised distinctive value → the field it comes from
    values: dict[str, str] = field(default_factory=dict)
    #: dataset → (family key columns, identifiers frame with _names/_known, text columns)
    records: dict[str, tuple[list[str], pl.DataFrame, list[str]]] = field(default_factory=dict)
    restricted_columns: set[str] = field(default_factory=set)

    def add_value(self, value: str | None, source: str) -> None:
        """Add a distinctive value (ignored when it is too short or too common to search)."""
        if not value:
            return
        norm = normalise(value)
        tokens = norm.split()
        distinctive = len(tokens) >= 2 and len(norm) >= 5
        if len(tokens) == 1:
            token = tokens[0]
            distinctive = (
                len(token) >= 5
                and bool(re.search(r"\d", token))
                and (bool(re.search(r"[a-z]", token)) or len(token) >= 8)
            )
        if distinctive:
            self.values[norm] = source


_CHUNK = 8 << 20  # characters of text scanned at a time
_OVERLAP = 512  # carried from one chunk to the next, so no value is cut in two


def _xml_text(xml: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "\n", xml))


def file_chunks(path: Path) -> Iterator[str]:
    """Everything a reader of the file can see, as pieces of text (memory stays bounded)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                with archive.open(name) as member:
                    tail = ""
                    while block := member.read(_CHUNK):
                        xml = tail + block.decode("utf-8", errors="ignore")
                        cut = xml.rfind(">") + 1  # never split a tag
                        tail = xml[cut:]
                        yield _xml_text(xml[:cut])
                    yield _xml_text(tail)
        return
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=100_000):
            frame = pl.DataFrame(batch)
            lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
            frame = frame.with_columns([pl.col(n).list.join("\n") for n in lists])
            yield frame.select(pl.all().cast(pl.String)).write_csv()
        metadata = parquet.metadata.metadata or {}
        yield "\n".join(v.decode("utf-8", "replace") for v in metadata.values())
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        while text := handle.read(_CHUNK):
            yield text


def file_text(path: Path) -> str:
    """Everything a reader of the file can see, as one text (for small files and tests)."""
    return "".join(file_chunks(path))


def _distinctive_hits(flat: str, values: dict[str, str]) -> set[str]:
    if not values:
        return set()
    firsts: dict[str, set[int]] = {}
    for value in values:
        tokens = value.split()
        firsts.setdefault(tokens[0], set()).add(len(tokens))
    words = flat.split()
    if not firsts.keys() & set(words):
        return set()
    hits = set()
    for i, word in enumerate(words):
        for n in firsts.get(word, ()):
            candidate = " ".join(words[i : i + n])
            if candidate in values:
                hits.add(values[candidate])
    return hits


def _record_hits(
    folder: Path, dataset: str, spec: tuple[list[str], pl.DataFrame, list[str]]
) -> bool:
    key, identifiers, texts = spec
    path = folder / "data" / f"{dataset}.parquet"
    if not path.exists() or identifiers.is_empty():
        return False
    published = pl.read_parquet(path, columns=[*key, *texts])
    joined = published.join(identifiers, on=key, how="inner")
    for row in joined.iter_rows(named=True):
        for column in texts:
            text = row[column]
            if text and _own(text, row[NAMES] or (), row[KNOWN] or ()):
                return True
    return False


def _own(text: str, names: Iterable[str], known: Iterable[str]) -> bool:
    words = set(normalise(text).split())
    name_words = {w for n in names for w in normalise(n).split() if len(w) >= 2}
    if name_words & words:
        return True
    flat = f" {normalise(text)} "
    return any(f" {normalise(k)} " in flat for k in known if normalise(k))


def scan(folder: Path, sensitive: Sensitive) -> list[Finding]:
    """Every leak in the files under ``folder`` (an empty list: the release may go out)."""
    findings: list[Finding] = []
    canaries = [normalise(c) for c in sensitive.canaries if normalise(c)]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = str(path.relative_to(folder))
        hits: set[str] = set()
        seen_canary = False
        carry = ""
        for piece in file_chunks(path):
            flat = f" {normalise(carry + piece)} "
            seen_canary = seen_canary or any(f" {c} " in flat for c in canaries)
            hits |= _distinctive_hits(flat, sensitive.values)
            carry = piece[-_OVERLAP:]
        if seen_canary:
            findings.append(Finding(relative, "canary", "planted canary"))
        findings += [Finding(relative, "identifier", s) for s in sorted(hits)]
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", errors="replace") as handle:
                header = handle.readline().rstrip("\n").split(",")
            findings += [
                Finding(relative, "restricted column", c)
                for c in header
                if c.strip('"') in sensitive.restricted_columns
            ]
    for dataset, spec in sorted(sensitive.records.items()):
        if _record_hits(folder, dataset, spec):
            findings.append(
                Finding(f"data/{dataset}.parquet", "own identifier in text", ", ".join(spec[2]))
            )
    return findings


def sensitive_values(
    standard: Standard,
    frames: dict[str, pl.DataFrame],
    families: Families,
    policy: PublicationPolicy,
    texts: dict[str, list[str]],
) -> Sensitive:
    """What the scan of one release looks for, from the agency's stored records.

    ``texts`` names, per dataset, the free-text columns the release publishes (redacted).
    """
    sensitive = Sensitive(canaries=list(policy.canaries))
    public_names = {
        f.name
        for d in frames
        for f in standard.schema(d).fields
        if f.privacy != PrivacyClass.RESTRICTED
    }
    for dataset, frame in frames.items():
        schema = standard.schema(dataset)
        sensitive.restricted_columns |= {
            f.name for f in schema.fields if f.privacy == PrivacyClass.RESTRICTED
        } - public_names
        name_fields, other_fields = identifier_fields(schema)
        names = [f.name for f in name_fields if f.name in frame.columns]
        if len(names) >= 2:
            for row in frame.select(names).drop_nulls().iter_rows():
                sensitive.add_value(" ".join(row), f"{dataset}: {' + '.join(names)}")
        for fld in other_fields:
            if fld.type == "string" and fld.name in frame.columns:
                for value in frame.get_column(fld.name).drop_nulls().unique().to_list():
                    sensitive.add_value(value, f"{dataset}.{fld.name}")
    for dataset, columns in texts.items():
        root, key = family_root(standard, dataset)
        if root in families:
            root_key, ids = families[root]
            sensitive.records[dataset] = (
                list(key),
                ids.rename(dict(zip(root_key, key, strict=True))),
                columns,
            )
    return sensitive
