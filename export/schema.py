"""The export's Arrow schema, derived from the JSON Schema of a dump line at run time.

Fields are added to ``crawler/article.schema.json`` as the pipeline learns more about a page, so
the export never lists them itself: each JSON Schema property becomes an Arrow field of the same
name, in the same order. Every field is nullable, because a dump written before a field existed
has no value for it. Timestamps stay ISO 8601 strings: ``published`` is a date or a date-time
with the page's own UTC offset, which a typed timestamp column would flatten.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

_SCALARS = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}


class SchemaError(ValueError):
    """A JSON Schema construct the export cannot map to one Arrow type."""


def arrow_type(prop: dict[str, Any], name: str = "") -> pa.DataType:
    """The Arrow type of one JSON Schema property (a nullable union such as ["string", "null"]
    is its non-null type)."""
    if "enum" in prop:
        kinds = {type(v) for v in prop["enum"] if v is not None}
        if kinds <= {str}:
            return pa.string()
        if kinds <= {int}:
            return pa.int64()
        raise SchemaError(f"{name}: enum of {sorted(k.__name__ for k in kinds)}")
    declared = prop.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or [])
    types = [t for t in types if t != "null"]
    if len(types) != 1:
        raise SchemaError(f"{name}: type {declared!r} is not one type (or one type and null)")
    kind = types[0]
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array":
        return pa.list_(arrow_type(prop.get("items") or {"type": "string"}, f"{name}[]"))
    if kind == "object":
        fields = [pa.field(k, arrow_type(v, f"{name}.{k}")) for k, v in (prop.get("properties") or {}).items()]
        if not fields:
            raise SchemaError(f"{name}: an object without properties has no Arrow struct")
        return pa.struct(fields)
    raise SchemaError(f"{name}: type {kind!r}")


def arrow_schema(json_schema: dict[str, Any]) -> pa.Schema:
    """One nullable Arrow field per property of the article's JSON Schema, in its order."""
    return pa.schema([pa.field(name, arrow_type(prop, name), nullable=True)
                      for name, prop in json_schema["properties"].items()])


def describe_fields(json_schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, Arrow type, description) per field, for the dataset card."""
    schema = arrow_schema(json_schema)
    return [(f.name, str(f.type), json_schema["properties"][f.name].get("description", "")) for f in schema]
