"""Errata: what changed between a release and the one before it.

Rows are compared by primary key through a hash of their published values (lists joined, nulls
marked), so a correction's changelog can say which rows were added, removed or changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

__all__ = ["changelog", "changes"]


def _row_digest(frame: pl.DataFrame, columns: list[str]) -> pl.Expr:
    """A hash of each row's values in ``columns`` (lists joined, nulls marked)."""
    parts = [
        (
            pl.col(c).list.join("\x1e")
            if isinstance(frame.schema[c], pl.List)
            else pl.col(c).cast(pl.String)
        ).fill_null("\x00")
        for c in columns
    ]
    return pl.concat_str(parts, separator="\x1f").hash()


def changes(
    previous: Path | None, dataset: str, key: list[str], public: pl.DataFrame
) -> pl.DataFrame | None:
    """Rows added, removed or changed since the release in ``previous`` (None: no previous)."""
    if previous is None:
        return None
    old_path = previous / "data" / f"{dataset}.parquet"
    digest = _row_digest(public, public.columns)
    new = public.select(*key, digest.alias("_new"))
    if not old_path.exists():
        return new.select(*key, pl.lit("added").alias("change"))
    old_frame = pl.read_parquet(old_path)
    common = [c for c in public.columns if c in old_frame.columns]
    old_digest = _row_digest(old_frame, common)
    old = old_frame.select(*key, old_digest.alias("_old"))
    joined = new.join(old, on=key, how="full", coalesce=True)
    return (
        joined.with_columns(
            pl.when(pl.col("_old").is_null())
            .then(pl.lit("added"))
            .when(pl.col("_new").is_null())
            .then(pl.lit("removed"))
            .when(pl.col("_new") != pl.col("_old"))
            .then(pl.lit("changed"))
            .otherwise(None)
            .alias("change")
        )
        .filter(pl.col("change").is_not_null())
        .select(*key, "change")
        .sort(key)
    )


def changelog(
    previous_log: str,
    agency_name: str,
    today: dt.date,
    kind: str,
    reason: str,
    supersedes: tuple[str, int] | None,
    changes: dict[str, dict[str, int]],
) -> str:
    """The release's CHANGELOG.md: its own entry (why, when, which rows) above the earlier ones."""
    lines = [f"## {today.isoformat()} — {kind}", ""]
    if reason:
        lines += [f"Why: {reason}", ""]
    if supersedes is None:
        lines += ["First release.", ""]
    else:
        release_id, version = supersedes
        lines += [f"Supersedes release {release_id[:16]} (version {version}).", ""]
        for dataset, counts in sorted(changes.items()):
            described = ", ".join(f"{n} {c}" for c, n in counts.items())
            lines.append(f"- {dataset}: {described} (rows listed in changes/{dataset}.csv)")
        if not changes:
            lines.append("- no record-level rows changed")
        lines.append("")
    header = f"# Changelog of {agency_name} releases\n\n"
    return header + "\n".join(lines) + "\n" + previous_log.removeprefix(header)
