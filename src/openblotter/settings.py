"""Settings: built once by an entry point (CLI, web app) and passed down, never read globally.

Every setting can come from the environment with the ``BLOTTER_`` prefix (for example
``BLOTTER_DATA_DIR``, ``BLOTTER_DATABASE_URL``) or from a ``.env`` file in the working directory.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Runtime configuration of one OpenBlotter deployment."""

    model_config = SettingsConfigDict(
        env_prefix="BLOTTER_", env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Field(
        default=Path("blotter-data"),
        description="Folder of the embedded DuckDB store and of written releases.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description=(
            "PostgreSQL connection URL (postgresql://user@host:port/db). When set, the store "
            "lives in PostgreSQL instead of the DuckDB file in data_dir."
        ),
    )
    agencies_dir: Path = Field(
        default=Path("agencies"),
        description="Folder of agency configurations (agency.yaml and mappings/*.yaml).",
    )
    sql_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Longest time a read-only query from `blotter sql` may run.",
    )
    duckdb_memory_limit: str = Field(
        default="1GB",
        description="Most memory the embedded DuckDB store may use; beyond it, it spills to disk.",
    )
    rate_limit_per_second: float = Field(
        default=50.0,
        gt=0,
        description="Requests per second one client may make to the portal, sustained.",
    )
    rate_limit_burst: int = Field(
        default=200, ge=1, description="Requests one client may make at once before the limit."
    )
    staff_pages: bool = Field(
        default=True,
        description="Serve the staff pages (sign-in, upload, releases, audit); the server then "
        "opens the store for writing (a DuckDB store allows one such process).",
    )
    upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Largest file a staff upload may send."
    )
    secure_cookies: bool = Field(
        default=True,
        description="Mark staff cookies Secure (browsers still send them to http://127.0.0.1 "
        "and localhost); turn off only for plain-HTTP testing on another host.",
    )
    log_level: str = Field(default="WARNING", description="Python logging level for stderr.")
    debug: bool = Field(default=False, description="Print tracebacks for errors.")

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file used when no database URL is configured."""
        return self.data_dir / "blotter.duckdb"
