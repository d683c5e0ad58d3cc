"""Records as Parquet with a fixed schema, the Arrow form of their Pydantic model.

Written by hand because neither library does it: Pydantic gives a JSON Schema, and Arrow's JSON reader
infers a schema from the lines it sees (a field that is null in every record of one run would get the
null type, so two runs' files would differ). Here the schema comes from the model, and the JSONL file is
read in blocks, so memory stays flat however large the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from pydantic import BaseModel

_SCALARS = {"string": pa.string(), "number": pa.float64(), "integer": pa.int64(), "boolean": pa.bool_()}


def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    """The Arrow schema of ``model``'s JSON form: objects as structs, lists as lists, enums as strings."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})

    def arrow_type(node: dict[str, Any]) -> pa.DataType:
        if "$ref" in node:
            return arrow_type(definitions[node["$ref"].rsplit("/", 1)[1]])
        if "anyOf" in node:  # X | None: nullable X
            (present,) = [option for option in node["anyOf"] if option.get("type") != "null"]
            return arrow_type(present)
        if "enum" in node:
            return pa.string()
        kind = node.get("type")
        if kind == "array":
            return pa.list_(arrow_type(node["items"]))
        if kind == "object":
            return pa.struct([pa.field(name, arrow_type(sub)) for name, sub in node.get("properties", {}).items()])
        return _SCALARS[kind]

    return pa.schema([pa.field(name, arrow_type(node)) for name, node in schema["properties"].items()])


def jsonl_to_parquet(jsonl: Path, parquet: Path, model: type[BaseModel]) -> None:
    """Write the records of ``jsonl`` (each a ``model`` in JSON) to ``parquet``."""
    schema = arrow_schema(model)
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    reader = pa_json.open_json(jsonl, read_options=pa_json.ReadOptions(block_size=16 << 20), parse_options=options)
    with pq.ParquetWriter(parquet, schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
