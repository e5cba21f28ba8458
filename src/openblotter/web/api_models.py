"""The response types of ``/api/v1/``: what the OpenAPI document promises, field by field.

Every response that comes from a release carries a :class:`ReleaseLink` (the release id, its
version and the URL of its manifest), so any number can be traced to the files it came from.
Errors are always the one envelope of :class:`ErrorEnvelope`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Agency",
    "AgencyDetail",
    "AgencyList",
    "AggregateList",
    "AggregateRow",
    "AggregateSummary",
    "AggregateTable",
    "Analyses",
    "AnalysisEstimate",
    "AnalysisFailure",
    "AnalysisResult",
    "ApiIndex",
    "CountRows",
    "DatasetDetail",
    "DatasetList",
    "DatasetSummary",
    "ErrorBody",
    "ErrorEnvelope",
    "FieldModel",
    "FileEntry",
    "MethodAnalyses",
    "RecordsPage",
    "ReleaseDetail",
    "ReleaseLink",
    "ReleaseList",
    "ReleaseSummary",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(_Model):
    """What went wrong: the HTTP status, a stable code, a message, an incident id for 500s."""

    status: int
    code: str
    message: str
    incident: str | None = None


class ErrorEnvelope(_Model):
    """Every error of the API and of JSON page twins."""

    error: ErrorBody


class ReleaseLink(_Model):
    """The release a response came from."""

    id: str = Field(description="The release id: SHA-256 of its manifest.json.")
    short_id: str = Field(description="The first 16 hex digits: the release's folder name.")
    agency: str
    version: int
    url: str = Field(description="This release in the API.")
    manifest_url: str = Field(description="The release's manifest.json (hashes of every file).")


class ApiIndex(_Model):
    """Where to start."""

    title: str
    version: str
    openapi_url: str
    agencies_url: str
    releases_url: str


class Agency(_Model):
    """An agency with at least one published release."""

    slug: str
    name: str
    state: str | None
    agency_type: str | None
    website: str | None
    url: str
    releases_url: str
    analyses_url: str
    latest_release: ReleaseLink


class AgencyList(_Model):
    """The agencies with published data, by name."""

    agencies: list[Agency]


class ReleaseSummary(_Model):
    """A published release."""

    release: ReleaseLink
    kind: str = Field(description="'release' or 'correction'.")
    reason: str
    supersedes: str | None
    created_at: dt.datetime
    rows: dict[str, int] = Field(description="Records published per dataset.")
    datasets_url: str
    aggregates_url: str


class AgencyDetail(Agency):
    """An agency and all its published releases, newest first."""

    releases: list[ReleaseSummary]


class ReleaseList(_Model):
    """Published releases, newest first."""

    releases: list[ReleaseSummary]


class FileEntry(_Model):
    """A file of a release, with the SHA-256 its manifest records."""

    path: str
    bytes: int
    sha256: str
    url: str


class ReleaseDetail(ReleaseSummary):
    """A release with its manifest and files."""

    manifest: dict[str, Any]
    files: list[FileEntry]


class FieldModel(_Model):
    """A published field and how it may be filtered (``key``) and sorted."""

    name: str
    key: str = Field(description="The filter key: the name, or dataset.field when ambiguous.")
    dataset: str
    type: str
    title: str
    description: str
    codes: list[str] | None = Field(description="The code list, when the field has one.")
    filterable: bool
    sortable: bool
    ranged: bool = Field(description="Takes <key>_min and <key>_max filters.")


class DatasetSummary(_Model):
    """A record-level dataset of a release."""

    name: str
    title: str
    description: str
    rows: int
    date_field: str | None
    parent: str | None
    children: list[str]
    url: str
    records_url: str
    counts_url: str
    files: dict[str, str] = Field(description="Download URL of the dataset per file format.")


class DatasetList(_Model):
    """The record-level datasets of a release."""

    release: ReleaseLink
    datasets: list[DatasetSummary]


class DatasetDetail(DatasetSummary):
    """A dataset with its published fields and every filter it takes."""

    release: ReleaseLink
    fields: list[FieldModel]
    filters: list[FieldModel] = Field(
        description="Fields a filter may name: the dataset's own, its parent's and children's."
    )


class RecordsPage(_Model):
    """One page of records, the total and the query that produced them."""

    release: ReleaseLink
    dataset: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int = Field(description="Rows per page after the cap.")
    pages: int
    sort: str | None
    descending: bool
    filters: dict[str, list[str]]
    query: str = Field(description="The DuckDB SQL run over the release's Parquet files.")
    params: list[Any] = Field(description="Its parameters; files relative to the release.")
    count_query: str
    next_url: str | None
    previous_url: str | None


class CountRows(_Model):
    """Record counts by one to three fields, and the query that produced them."""

    release: ReleaseLink
    dataset: str
    by: list[str]
    rows: list[dict[str, Any]]
    total: int
    truncated: bool
    filters: dict[str, list[str]]
    query: str
    params: list[Any]


class AggregateSummary(_Model):
    """An aggregate table of a release."""

    dataset: str
    title: str
    rows: int
    url: str
    files: dict[str, str]


class AggregateList(_Model):
    """The aggregate tables of a release."""

    release: ReleaseLink
    aggregates: list[AggregateSummary]


class AggregateRow(_Model):
    """A cell: counted units by race, age band, sex, geography and month.

    "all" where the cell does not break down by a dimension; null where the table has no such
    dimension at all (a hate-crime table has no sex or age band).
    """

    race: str | None
    age_band: str | None
    sex: str | None
    geography: str | None
    month: str | None
    count: int | None = Field(description="Null where suppressed.")
    suppressed: bool


class AggregateTable(_Model):
    """Rows of an aggregate table matching the filters."""

    release: ReleaseLink
    dataset: str
    unit: str | None = Field(description="What is counted (people stopped, incidents, …).")
    source: str = Field(description="The release file the rows come from.")
    dimensions: list[str] = Field(description="The dimensions this table breaks down by.")
    filters: dict[str, list[str]]
    total: int = Field(description="Rows matching the filters.")
    rows: list[AggregateRow]


class AnalysisEstimate(BaseModel):
    """One estimate with its interval and the records behind it."""

    model_config = ConfigDict(extra="allow")

    quantity: str
    value: float | None
    labels: dict[str, str] = {}
    interval: list[float | None] | None = None
    level: float | None = None
    n: int | None = None
    extra: dict[str, Any] = {}


class AnalysisResult(BaseModel):
    """A saved analysis result: method, estimates, filters, caveats, provenance, summary."""

    model_config = ConfigDict(extra="allow")

    method: str
    estimates: list[AnalysisEstimate]
    filters: list[str] = []
    caveats: list[str] = []
    provenance: dict[str, Any] = {}
    diagnostics: dict[str, Any] = {}
    summary: str = ""


class AnalysisFailure(BaseModel):
    """A method that could not run on the agency's data, and why."""

    model_config = ConfigDict(extra="allow")

    method: str
    title: str = ""
    failure: str = ""


class Analyses(_Model):
    """The saved analysis results of an agency (from the last ``analyze suite --save``)."""

    agency: str
    generated_at: str | None
    latest_release: ReleaseLink
    results: list[AnalysisResult]
    failures: list[AnalysisFailure]


class MethodAnalyses(_Model):
    """The saved results of one method for an agency."""

    agency: str
    method: str
    generated_at: str | None
    latest_release: ReleaseLink
    results: list[AnalysisResult]
    failures: list[AnalysisFailure]
