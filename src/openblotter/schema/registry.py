"""Load the standard (table schemas and code lists) shipped inside the package.

``load_standard()`` parses every ``schema/tables/*.json`` and ``schema/codelists/*.csv`` once and
checks that they are consistent with each other; a malformed standard raises ``SchemaError``.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from openblotter.errors import NotFoundError, SchemaError
from openblotter.schema.model import (
    CROSSWALK_ANCHORS,
    FIELD_TYPES,
    GENERALIZATIONS,
    TOOLKIT_ELEMENTS,
    Code,
    CodeList,
    Constraints,
    Field,
    ForeignKey,
    Predicate,
    PrivacyClass,
    TableSchema,
)

__all__ = ["STANDARD_VERSION", "Standard", "load_standard", "parse_table_schema"]

STANDARD_VERSION = "1.0.0"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CODELIST_COLUMNS = ["code", "label", "description", "parent", "opp", "ripa", "fbi"]


@dataclass(frozen=True, slots=True)
class Standard:
    """The whole published standard: every dataset and every code list."""

    version: str
    schemas: dict[str, TableSchema]
    codelists: dict[str, CodeList]

    def schema(self, dataset: str) -> TableSchema:
        """Return the table schema of ``dataset``."""
        try:
            return self.schemas[dataset]
        except KeyError:
            known = ", ".join(sorted(self.schemas))
            raise NotFoundError(
                f"no dataset {dataset!r} in the standard (known: {known})"
            ) from None

    def codelist(self, name: str) -> CodeList:
        """Return the code list called ``name``."""
        try:
            return self.codelists[name]
        except KeyError:
            raise NotFoundError(f"no code list {name!r} in the standard") from None

    @property
    def datasets(self) -> tuple[str, ...]:
        """Dataset names in dependency order (parents before children)."""
        return _dependency_order(self.schemas)


def _dependency_order(schemas: dict[str, TableSchema]) -> tuple[str, ...]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for key in schemas[name].foreign_keys:
            if key.resource in schemas and key.resource != name:
                visit(key.resource)
        order.append(name)

    for name in sorted(schemas):
        visit(name)
    return tuple(order)


def _require(descriptor: dict[str, Any], key: str, where: str) -> Any:
    if key not in descriptor:
        raise SchemaError(f"{where}: missing property {key!r}")
    return descriptor[key]


def _parse_constraints(raw: dict[str, Any], where: str) -> Constraints:
    known = {
        "required",
        "unique",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "enum",
    }
    unknown = set(raw) - known
    if unknown:
        raise SchemaError(f"{where}: unknown constraints {sorted(unknown)}")
    enum = raw.get("enum")
    return Constraints(
        required=bool(raw.get("required", False)),
        unique=bool(raw.get("unique", False)),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        min_length=raw.get("minLength"),
        max_length=raw.get("maxLength"),
        pattern=raw.get("pattern"),
        enum=tuple(str(v) for v in enum) if enum is not None else None,
    )


def _parse_field(raw: dict[str, Any], dataset: str) -> Field:
    name = _require(raw, "name", f"{dataset}: a field")
    where = f"{dataset}.{name}"
    if not isinstance(name, str) or not _NAME.match(name):
        raise SchemaError(f"{where}: field names are snake_case")
    ftype = _require(raw, "type", where)
    if ftype not in FIELD_TYPES:
        raise SchemaError(f"{where}: type {ftype!r} is not one of {sorted(FIELD_TYPES)}")
    try:
        privacy = PrivacyClass(_require(raw, "privacy", where))
    except ValueError:
        raise SchemaError(
            f"{where}: privacy must be one of {[p.value for p in PrivacyClass]}"
        ) from None
    generalization = raw.get("generalization")
    if privacy is PrivacyClass.GENERALIZE and generalization not in GENERALIZATIONS:
        raise SchemaError(
            f"{where}: a generalize field needs a generalization in {sorted(GENERALIZATIONS)}"
        )
    toolkit = raw.get("toolkit")
    if toolkit is not None and toolkit not in TOOLKIT_ELEMENTS:
        raise SchemaError(f"{where}: unknown toolkit element {toolkit!r}")
    crosswalk = _require(raw, "crosswalk", where)
    if not isinstance(crosswalk, dict) or set(crosswalk) != set(CROSSWALK_ANCHORS):
        raise SchemaError(
            f"{where}: crosswalk must have exactly the keys {list(CROSSWALK_ANCHORS)}"
        )
    only_when = raw.get("onlyWhen")
    predicate = None
    if only_when is not None:
        predicate = Predicate(
            field=_require(only_when, "field", where), equals=only_when.get("equals")
        )
    return Field(
        name=name,
        type=ftype,
        title=_require(raw, "title", where),
        description=_require(raw, "description", where),
        privacy=privacy,
        crosswalk=dict(crosswalk),
        constraints=_parse_constraints(raw.get("constraints", {}), where),
        codelist=raw.get("codelist"),
        generalization=generalization,
        toolkit=toolkit,
        only_when=predicate,
        item_type=raw.get("itemType", "string" if ftype == "list" else None),
        delimiter=raw.get("delimiter", ";" if ftype == "list" else None),
    )


def parse_table_schema(descriptor: dict[str, Any]) -> TableSchema:
    """Parse one Table Schema descriptor into a ``TableSchema``."""
    name = _require(descriptor, "name", "a table schema")
    fields = tuple(_parse_field(f, name) for f in _require(descriptor, "fields", name))
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise SchemaError(f"{name}: duplicate field names")
    primary_key = descriptor.get("primaryKey", [])
    primary_key = (primary_key,) if isinstance(primary_key, str) else tuple(primary_key)
    for key_field in primary_key:
        if key_field not in names:
            raise SchemaError(f"{name}: primary key field {key_field!r} is not a field")
    foreign_keys = []
    for raw in descriptor.get("foreignKeys", []):
        key_fields = raw["fields"]
        ref = raw["reference"]
        ref_fields = ref["fields"]
        foreign_keys.append(
            ForeignKey(
                fields=(key_fields,) if isinstance(key_fields, str) else tuple(key_fields),
                resource=ref["resource"],
                reference_fields=(ref_fields,)
                if isinstance(ref_fields, str)
                else tuple(ref_fields),
            )
        )
    return TableSchema(
        name=name,
        title=_require(descriptor, "title", name),
        description=_require(descriptor, "description", name),
        version=_require(descriptor, "version", name),
        grain=descriptor.get("grain", ""),
        fields=fields,
        primary_key=primary_key,
        foreign_keys=tuple(foreign_keys),
        toolkit=tuple(descriptor.get("toolkit", ())),
        missing_values=tuple(descriptor.get("missingValues", [""])),
        descriptor=descriptor,
    )


def _parse_codelist(name: str, text: str) -> CodeList:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != _CODELIST_COLUMNS:
        raise SchemaError(f"code list {name}: header must be {','.join(_CODELIST_COLUMNS)}")
    codes = tuple(
        Code(
            code=row["code"],
            label=row["label"],
            description=row["description"] or "",
            parent=row["parent"] or None,
            opp=row["opp"] or None,
            ripa=row["ripa"] or None,
            fbi=row["fbi"] or None,
        )
        for row in reader
    )
    values = [c.code for c in codes]
    if len(set(values)) != len(values):
        raise SchemaError(f"code list {name}: duplicate codes")
    return CodeList(name=name, codes=codes)


def _check_consistency(standard: Standard) -> None:
    for schema in standard.schemas.values():
        if schema.version != standard.version:
            raise SchemaError(
                f"{schema.name}: version {schema.version} != standard {standard.version}"
            )
        for key in schema.foreign_keys:
            target = standard.schemas.get(key.resource)
            if target is None:
                raise SchemaError(f"{schema.name}: foreign key to unknown dataset {key.resource!r}")
            for ref in key.reference_fields:
                if not target.has_field(ref):
                    raise SchemaError(
                        f"{schema.name}: foreign key to unknown field {key.resource}.{ref}"
                    )
        for fld in schema.fields:
            where = f"{schema.name}.{fld.name}"
            if fld.codelist is not None:
                codes = standard.codelists.get(fld.codelist)
                if codes is None:
                    raise SchemaError(f"{where}: unknown code list {fld.codelist!r}")
                if fld.type == "string" and fld.constraints.enum != codes.values:
                    raise SchemaError(f"{where}: enum differs from code list {fld.codelist!r}")
            if fld.only_when is not None and not schema.has_field(fld.only_when.field):
                raise SchemaError(f"{where}: onlyWhen names unknown field {fld.only_when.field!r}")


@functools.cache
def load_standard() -> Standard:
    """Load and check the standard shipped in the package (cached: it is immutable)."""
    root = resources.files("openblotter.schema")
    schemas: dict[str, TableSchema] = {}
    for entry in sorted(root.joinpath("tables").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            try:
                descriptor = json.loads(entry.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise SchemaError(f"{entry.name}: not valid JSON ({exc})") from exc
            schema = parse_table_schema(descriptor)
            if f"{schema.name}.json" != entry.name:
                raise SchemaError(
                    f"{entry.name}: file name differs from schema name {schema.name!r}"
                )
            schemas[schema.name] = schema
    codelists: dict[str, CodeList] = {}
    for entry in sorted(root.joinpath("codelists").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".csv"):
            name = entry.name.removesuffix(".csv")
            codelists[name] = _parse_codelist(name, entry.read_text(encoding="utf-8"))
    standard = Standard(version=STANDARD_VERSION, schemas=schemas, codelists=codelists)
    _check_consistency(standard)
    return standard
