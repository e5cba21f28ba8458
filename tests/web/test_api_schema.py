"""A property-based run against the API's own OpenAPI document (schemathesis): no server
error, every status and content type documented, every body matching its schema, and invalid
input answered with a 4xx — on a real release, whose ids are substituted into half the cases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from openblotter.web.app import create_app
from openblotter.web.portal import Portal
from tests.web.api_release import AGENCY, publish_on_duckdb

if TYPE_CHECKING:
    from collections.abc import Iterator

    from openblotter.schema import Standard

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
REAL: dict[str, str] = {}
SEEN: dict[str, set[int]] = {}


@pytest.fixture(scope="module")
def api_schema(standard: Standard, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    store, record, data_dir = publish_on_duckdb(standard, tmp_path_factory.mktemp("schema"))
    REAL.update(release=record.short_id, agency=AGENCY, dataset="stop_subjects")
    app = create_app(Portal(store, data_dir), rate=1e9, burst=10**9)
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    store.close()


def _run(operation: Any, strategy: Any, examples: int) -> None:
    @given(strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call_and_validate(checks=CHECKS)
        SEEN.setdefault(operation.label, set()).add(response.status_code)

    try:
        check()
    except Unsatisfiable:
        if not operation.query and not operation.path_parameters:
            return  # nothing to make invalid (GET /api/v1, GET /api/v1/agencies)
        raise
    except Exception as exc:
        exc.add_note(f"operation {operation.label}")
        raise


@pytest.mark.parametrize(
    ("mode", "real", "examples"),
    [
        (GenerationMode.POSITIVE, False, 15),
        (GenerationMode.POSITIVE, True, 30),
        (GenerationMode.NEGATIVE, False, 6),
    ],
    ids=["positive", "positive-on-the-release", "negative"],
)
def test_api__conforms_to_its_openapi_document(
    api_schema: Any, mode: GenerationMode, real: bool, examples: int
) -> None:
    SEEN.clear()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        real_ids = {**REAL, "dataset": "stops"} if "/aggregates/" in operation.path else REAL
        fixed = {k: v for k, v in real_ids.items() if k in names} if real else None
        if real and "path" in names:
            fixed = {**(fixed or {}), "path": "data/stops.csv"}
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)
        _run(operation, strategy, examples)
    if real:
        answered = {label for label, statuses in SEEN.items() if 200 in statuses}
        assert {
            "GET /api/v1/releases/{release}",
            "GET /api/v1/releases/{release}/files/{path}",
            "GET /api/v1/releases/{release}/datasets/{dataset}",
            "GET /api/v1/releases/{release}/datasets/{dataset}/records",
            "GET /api/v1/releases/{release}/aggregates/{dataset}",
        } <= answered
