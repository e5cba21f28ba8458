"""ZIP deliveries: pick the data file inside, and refuse archive bombs before expanding them."""

from __future__ import annotations

import fnmatch
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openblotter.errors import SourceUnreadableError

if TYPE_CHECKING:
    from openblotter.ingest.mapping import ReadOptions

__all__ = ["DATA_SUFFIXES", "ArchiveLimits", "extract_member"]

DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".json", ".ndjson", ".jsonl", ".parquet"}


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Refuse archives that would expand beyond these bounds (zip bombs)."""

    max_bytes: int = 20 * 1024**3
    max_ratio: float = 200.0


def extract_member(
    path: Path, opts: ReadOptions, workdir: Path, limits: ArchiveLimits
) -> tuple[Path, str]:
    """Extract the one data file of a ZIP archive into ``workdir``; return it and its name.

    The member is chosen by ``read.member`` (a file-name pattern) or, by default, as the only
    file with a data suffix. Declared sizes and ratios are checked before anything is written,
    and the actual bytes while writing.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise SourceUnreadableError(f"{path.name}: not a readable ZIP archive") from exc
    with archive:
        infos = [
            i
            for i in archive.infolist()
            if not i.is_dir()
            and not Path(i.filename).name.startswith((".", "__MACOSX"))
            and "__MACOSX" not in i.filename
        ]
        if opts.member is not None:
            infos = [i for i in infos if fnmatch.fnmatch(Path(i.filename).name, opts.member)]
        else:
            infos = [i for i in infos if Path(i.filename).suffix.lower() in DATA_SUFFIXES]
        if len(infos) != 1:
            names = ", ".join(i.filename for i in archive.infolist()) or "nothing"
            raise SourceUnreadableError(
                f"{path.name}: expected one data file in the archive, found {len(infos)} "
                f"({names}); choose one with `read.member` in the mapping"
            )
        info = infos[0]
        compressed = max(info.compress_size, 1)
        if info.file_size > limits.max_bytes or info.file_size / compressed > limits.max_ratio:
            raise SourceUnreadableError(
                f"{path.name}: member {info.filename} would expand to {info.file_size:,} bytes "
                f"(ratio {info.file_size / compressed:.0f}:1); refused as a possible archive bomb"
            )
        target = workdir / Path(info.filename).name
        written = 0
        with archive.open(info) as src, target.open("wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                written += len(block)
                if written > limits.max_bytes or written > info.file_size:
                    raise SourceUnreadableError(
                        f"{path.name}: member {info.filename} expands beyond its declared size; "
                        "refused as a possible archive bomb"
                    )
                dst.write(block)
    return target, info.filename
