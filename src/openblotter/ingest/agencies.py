"""Agency folders: ``agencies/<slug>/agency.yaml`` and ``agencies/<slug>/mappings/*.yaml``.

An agency can have several mappings for one dataset (NYPD changed its stop-report layout in
2017). ``choose_mapping`` picks the one that fits a delivery: a mapping tested against a file with
the same SHA-256 first, otherwise the only one whose source columns the file has; when none fits
it says what each candidate misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from openblotter.errors import ConfigError, NotFoundError, SourceUnreadableError
from openblotter.ingest.mapping import (
    AgencyConfig,
    Mapping,
    load_agency,
    load_mapping,
)
from openblotter.ingest.readers import file_sha256, open_source
from openblotter.schema.ddl import SOURCE_ROW

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["AgencyFolder", "choose_mapping"]


@dataclass(frozen=True, slots=True)
class AgencyFolder:
    """One agency's configuration folder."""

    slug: str
    path: Path

    @classmethod
    def find(cls, agencies_dir: Path, slug: str) -> AgencyFolder:
        """The folder of agency ``slug``."""
        path = agencies_dir / slug
        if not (path / "agency.yaml").is_file():
            known = sorted(p.parent.name for p in agencies_dir.glob("*/agency.yaml"))
            raise NotFoundError(
                f"no agency {slug!r} in {agencies_dir} (known: {', '.join(known) or 'none'}); "
                f"create {path}/agency.yaml"
            )
        return cls(slug=slug, path=path)

    def config(self) -> AgencyConfig:
        """The parsed ``agency.yaml``."""
        config = load_agency(self.path / "agency.yaml")
        if config.slug != self.slug:
            raise ConfigError(
                f"{self.path}/agency.yaml says slug {config.slug!r}, not {self.slug!r}"
            )
        return config

    def mappings(self, dataset: str) -> list[Mapping]:
        """Every mapping in the folder whose primary (first) dataset is ``dataset``."""
        found = []
        for path in sorted((self.path / "mappings").glob("*.yaml")):
            mapping = load_mapping(path)
            if mapping.datasets and mapping.datasets[0] == dataset:
                found.append(mapping)
        return found


def _columns(path: Path, mapping: Mapping) -> set[str]:
    """The file's columns as this mapping's read options see them (empty if it cannot)."""
    try:
        return set(open_source(path, mapping.read).columns) | {SOURCE_ROW}
    except SourceUnreadableError:
        return set()


def choose_mapping(candidates: list[Mapping], path: Path, *, sha256: str | None = None) -> Mapping:
    """The mapping that fits the file at ``path``: by SHA-256, else by its columns."""
    if not candidates:
        raise NotFoundError("no mapping for this dataset; write one (`blotter mapping scaffold`)")
    sha256 = sha256 or file_sha256(path)
    for mapping in candidates:
        if any(t.sha256 == sha256 for t in mapping.tested_against):
            return mapping
    seen = {m.name: _columns(path, m) for m in candidates}
    fitting = [m for m in candidates if m.source_columns() <= seen[m.name]]
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        reasons = "; ".join(
            f"{m.name} lacks {', '.join(sorted(m.source_columns() - seen[m.name])[:5])}"
            for m in candidates
        )
        raise ConfigError(f"no mapping fits this file ({reasons}); pass --mapping FILE")
    names = ", ".join(m.name for m in fitting)
    raise ConfigError(f"several mappings fit this file ({names}); choose one with --mapping FILE")
