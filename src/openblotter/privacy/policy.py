"""An agency's publication settings: the ``publication:`` block of ``agency.yaml``.

Every setting has the protective default of RELIABILITY.md section 3.5; an agency may publish more
precisely where its law and practice allow (exact ages, exact times), and never less safely than
the floors below: small cells are suppressed under at least 11, restricted fields never leave,
narratives are redacted or dropped.

.. code-block:: yaml

    publication:
      licence: ODC-By-1.0
      min_cell: 11            # counts under this are suppressed in published aggregates (≥ 11)
      age: band               # band (the age_band code list) | exact (top-coded at 90)
      coordinates: round      # round (to coordinate_decimals) | hexagon (centroid) | drop
      coordinate_decimals: 3  # 3 ≈ 110 m; 2 ≈ 1.1 km
      hexagon_meters: 250     # hexagon size (centre to corner) when coordinates: hexagon
      time: hour              # hour | exact
      addresses: block        # block (hundred block) | drop
      narratives: redact      # redact (identifier scanner) | drop
      lag_days: 7             # records newer than this many days before the release are held back
      aggregate_only: []      # datasets published only as suppressed aggregates
      aggregate_geography: district   # the field aggregates use for geography (default: auto)
      canaries: []            # planted strings that must never appear in a release
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openblotter.errors import ConfigError

__all__ = ["LICENCES", "MIN_CELL_FLOOR", "PublicationPolicy"]

#: the smallest suppression threshold a policy may set (CMS cell-size rule: publish only ≥ 11)
MIN_CELL_FLOOR = 11

#: licences a release may carry: id → (title, url)
LICENCES: dict[str, tuple[str, str]] = {
    "ODC-By-1.0": (
        "Open Data Commons Attribution License 1.0",
        "https://opendatacommons.org/licenses/by/1-0/",
    ),
    "ODC-PDDL-1.0": (
        "Open Data Commons Public Domain Dedication and License 1.0",
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC0-1.0": (
        "Creative Commons CC0 1.0 Universal",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
}


class PublicationPolicy(BaseModel):
    """How one agency's records are coarsened and published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    licence: Literal["ODC-By-1.0", "ODC-PDDL-1.0", "CC-BY-4.0", "CC0-1.0"] = "ODC-By-1.0"
    min_cell: int = Field(default=MIN_CELL_FLOOR, ge=MIN_CELL_FLOOR)
    age: Literal["band", "exact"] = "band"
    coordinates: Literal["round", "hexagon", "drop"] = "round"
    coordinate_decimals: int = Field(default=3, ge=1, le=4)
    hexagon_meters: int = Field(default=250, ge=50, le=5000)
    time: Literal["hour", "exact"] = "hour"
    addresses: Literal["block", "drop"] = "block"
    narratives: Literal["redact", "drop"] = "redact"
    lag_days: int = Field(default=7, ge=0)
    aggregate_only: tuple[str, ...] = ()
    aggregate_geography: str | None = None
    canaries: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: dict[str, Any] | None, *, where: str = "publication") -> PublicationPolicy:
        """The policy from an ``agency.yaml`` ``publication`` block (defaults when absent)."""
        try:
            return cls.model_validate(raw or {})
        except ValidationError as exc:
            lines = [
                f"  {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                for err in exc.errors()[:10]
            ]
            raise ConfigError(
                f"{where} is not a valid publication policy:\n" + "\n".join(lines)
            ) from exc
