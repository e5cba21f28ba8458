"""Parsing table schemas: malformed descriptors are refused with a message naming the problem."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openblotter.errors import NotFoundError, SchemaError
from openblotter.schema import PrivacyClass, Standard
from openblotter.schema.ddl import create_table_sql
from openblotter.schema.registry import parse_table_schema

GOOD: dict[str, Any] = {
    "name": "things",
    "title": "Things",
    "description": "Test things.",
    "version": "1.0.0",
    "primaryKey": ["agency_slug", "thing_id"],
    "fields": [
        {
            "name": "agency_slug",
            "type": "string",
            "title": "Agency",
            "description": "The agency.",
            "privacy": "public",
            "crosswalk": {"opp": None, "ripa": None, "fbi": None},
            "constraints": {"required": True},
        },
        {
            "name": "thing_id",
            "type": "string",
            "title": "Id",
            "description": "The id.",
            "privacy": "public",
            "crosswalk": {"opp": "raw_row_number", "ripa": None, "fbi": None},
        },
        {
            "name": "age",
            "type": "integer",
            "title": "Age",
            "description": "Age.",
            "privacy": "generalize",
            "generalization": "age_band",
            "crosswalk": {"opp": "subject_age", "ripa": None, "fbi": None},
            "constraints": {"minimum": 0, "maximum": 120},
        },
        {
            "name": "bases",
            "type": "list",
            "title": "Bases",
            "description": "Several values.",
            "privacy": "public",
            "crosswalk": {"opp": None, "ripa": None, "fbi": None},
        },
    ],
}


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    descriptor = copy.deepcopy(GOOD)
    target: Any = descriptor
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return descriptor


def test_parse__reads_every_property() -> None:
    schema = parse_table_schema(GOOD)
    assert schema.primary_key == ("agency_slug", "thing_id")
    age = schema.field("age")
    assert age.privacy is PrivacyClass.GENERALIZE
    assert age.generalization == "age_band"
    assert age.constraints.maximum == 120
    bases = schema.field("bases")
    assert bases.item_type == "string"
    assert bases.delimiter == ";"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["fields", 1, "type"], "widget", "type 'widget'"),
        (["fields", 1, "privacy"], "secret", "privacy must be one of"),
        (["fields", 1, "privacy"], KeyError, "missing property 'privacy'"),
        (["fields", 1, "crosswalk"], {"opp": None}, "crosswalk must have"),
        (["fields", 1, "name"], "Thing Id", "snake_case"),
        (["fields", 2, "generalization"], KeyError, "needs a generalization"),
        (["fields", 2, "constraints"], {"mininum": 3}, "unknown constraints"),
        (["primaryKey"], ["agency_slug", "nope"], "primary key field 'nope'"),
        (["fields", 0, "toolkit"], "horoscope", "unknown toolkit element"),
    ],
)
def test_parse__refuses_malformed_descriptors(path: list[Any], value: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_table_schema(_broken(path, value))


def test_parse__refuses_duplicate_fields() -> None:
    descriptor = copy.deepcopy(GOOD)
    descriptor["fields"].append(copy.deepcopy(descriptor["fields"][1]))
    with pytest.raises(SchemaError, match="duplicate field"):
        parse_table_schema(descriptor)


def test_ddl__quotes_names_and_declares_the_key() -> None:
    sql = create_table_sql(parse_table_schema(GOOD), "postgres")
    assert '"agency_slug" TEXT NOT NULL' in sql
    assert '"thing_id" TEXT NOT NULL' in sql  # part of the key
    assert '"bases" TEXT[]' in sql
    assert 'PRIMARY KEY ("agency_slug", "thing_id")' in sql
    assert '"_batch_id" BIGINT NOT NULL' in sql
    duck = create_table_sql(parse_table_schema(GOOD), "duckdb")
    assert '"bases" VARCHAR[]' in duck


def test_standard__lookups_name_what_is_missing(standard: Standard) -> None:
    with pytest.raises(NotFoundError, match="no dataset 'nope'"):
        standard.schema("nope")
    with pytest.raises(NotFoundError, match="no code list"):
        standard.codelist("nope")


def test_standard__orders_parents_before_children(standard: Standard) -> None:
    order = list(standard.datasets)
    for name in order:
        for key in standard.schema(name).foreign_keys:
            if key.resource != name:
                assert order.index(key.resource) < order.index(name)


def test_standard__every_field_type_has_sql(standard: Standard) -> None:
    for name in standard.datasets:
        for dialect in ("duckdb", "postgres"):
            assert "CREATE TABLE" in create_table_sql(standard.schema(name), dialect)
