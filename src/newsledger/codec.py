"""JSON round-trips for the frozen records of :mod:`newsledger.model`.

pydantic's TypeAdapter validates dataclasses (tuples, nested records, optionals)
so the store and the caches need no hand-written (de)serialisers.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


@cache
def _adapter(kind: type) -> TypeAdapter:
    return TypeAdapter(kind)


def to_data(record: Any) -> Any:
    """A record (or tuple of records) as plain JSON-able data."""
    return _adapter(type(record)).dump_python(record, mode="json")


def from_data(kind: type[T], data: Any) -> T:
    return _adapter(kind).validate_python(data)


def dumps(record: Any) -> str:
    return json.dumps(to_data(record), ensure_ascii=False, sort_keys=True)


def loads(kind: type[T], text: str) -> T:
    return from_data(kind, json.loads(text))
