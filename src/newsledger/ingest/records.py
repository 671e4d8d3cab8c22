"""JSON and JSONL records (files and gzip archives), read lazily with bounded lines.

Field names follow DESIGN: text|content|body, title, published|date|dct, url|uri,
outlet|source|publisher, id|doc_id. A broken line rejects that line only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from newsledger.ingest.article import RawDoc
from newsledger.ingest.dates import parse_date_value
from newsledger.ingest.decode import decode_bytes, normalise_text
from newsledger.ingest.options import MAX_BYTES_HINT, IngestError, IngestOptions
from newsledger.ingest.readers import html_fragment_to_text
from newsledger.model import Rejection

TEXT_FIELDS = ("text", "content", "body")
TITLE_FIELDS = ("title", "headline")
DATE_FIELDS = ("published", "date", "dct", "published_at", "datePublished", "pubDate")
URL_FIELDS = ("url", "uri", "link")
OUTLET_FIELDS = ("outlet", "source", "publisher", "site_name")
ID_FIELDS = ("id", "doc_id")
AUTHOR_FIELDS = ("author", "byline", "authors")
_CHUNK = 1 << 20
# Early in a stream the compressed position runs ahead (buffering), so the ratio is safe.
_RATIO_CHECK_AFTER = 1 << 20


class Budget:
    """Decompressed bytes read from one archive, against a total and a compression ratio."""

    def __init__(self, options: IngestOptions, compressed: IO[bytes] | None = None) -> None:
        self.options = options
        self.compressed = compressed
        self.total = 0

    def spend(self, count: int) -> None:
        self.total += count
        if self.total > self.options.max_archive_bytes:
            raise IngestError(
                f"archive holds more than {self.options.max_archive_bytes} bytes once "
                "decompressed, the limit for one archive; stopped reading"
            )
        if self.compressed is not None and self.total > _RATIO_CHECK_AFTER:
            packed = max(self.compressed.tell(), 1)
            if self.total / packed > self.options.max_compression_ratio:
                raise IngestError(
                    f"compression ratio over {self.options.max_compression_ratio}:1 "
                    "looks like a decompression bomb; stopped reading"
                )


def bounded_lines(
    stream: IO[bytes], limit: int, budget: Budget
) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line; None for a line longer than ``limit`` (skipped, not held)."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        budget.spend(len(line))
        if len(line) > limit:
            while not line.endswith(b"\n"):
                line = stream.readline(_CHUNK)
                if not line:
                    break
                budget.spend(len(line))
            yield number, None
            continue
        if line.strip():
            yield number, line
        else:
            number += _skip_blank_run(stream, budget)


def _skip_blank_run(stream: IO[bytes], budget: Budget) -> int:
    """Runs of empty lines are consumed a buffer at a time (a bomb of newlines stays fast)."""
    peek = getattr(stream, "peek", None)
    if peek is None:
        return 0
    skipped = 0
    while True:
        ahead = peek(1 << 16)[: 1 << 16]
        blank = len(ahead) - len(ahead.lstrip(b" \t\r\n"))
        if blank == 0:
            return skipped
        # Stop before the indentation of a line that has content: the line reader takes it.
        cut = ahead.rfind(b"\n", 0, blank) + 1 if blank < len(ahead) else blank
        if cut == 0:
            return skipped
        skipped += ahead.count(b"\n", 0, cut)
        budget.spend(cut)
        stream.read(cut)


def read_jsonl(
    stream: IO[bytes], where: str, options: IngestOptions, budget: Budget
) -> Iterator[RawDoc | Rejection]:
    for number, line in bounded_lines(stream, options.max_bytes, budget):
        spot = f"{where}:{number}"
        if line is None:
            yield Rejection(
                spot, f"line {number}: longer than {options.max_bytes} bytes {MAX_BYTES_HINT}"
            )
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(_line_text(line, number))
        except IngestError as exc:
            yield Rejection(spot, f"line {number}: {exc}")
            continue
        except (json.JSONDecodeError, RecursionError) as exc:
            yield Rejection(spot, f"line {number}: invalid JSON ({_json_error(exc)})")
            continue
        if not isinstance(record, dict):
            yield Rejection(spot, f"line {number}: expected a JSON object, got {_kind(record)}")
            continue
        yield record_to_doc(record, where, spot, options)


def read_json(text: str, where: str, options: IngestOptions) -> Iterator[RawDoc | Rejection]:
    """A JSON document: one record, an array of records, or an object holding an array."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several objects, one per line: really JSONL
            yield from _jsonl_text(text, where, options)
            return
        yield Rejection(where, f"invalid JSON ({_json_error(exc)})")
        return
    except RecursionError:
        yield Rejection(where, "invalid JSON (nested too deeply)")
        return
    records = _records_in(data)
    if records is None:
        yield Rejection(where, _no_records(data))
        return
    if not records:
        yield Rejection(where, "the JSON array is empty")
        return
    for index, record in enumerate(records):
        spot = f"{where}[{index}]"
        if isinstance(record, dict):
            yield record_to_doc(record, where, spot, options)
        else:
            yield Rejection(spot, f"item {index}: expected a JSON object, got {_kind(record)}")


def record_to_doc(
    record: dict[str, Any], where: str, spot: str, options: IngestOptions
) -> RawDoc | Rejection:
    url = _first_text(record, URL_FIELDS)
    ident = _first_text(record, ID_FIELDS)
    if url and url.startswith(("http://", "https://")):
        name = url
    elif ident:
        name = f"{where}#{ident}"
    else:
        name = spot
    body = _field(record, TEXT_FIELDS)
    if isinstance(body, list):
        body = "\n\n".join(str(part) for part in body if isinstance(part, str))
    if not isinstance(body, str) or not body.strip():
        return Rejection(name, "record has no text (expected a text, content or body field)")
    if len(body) > options.max_bytes:
        return Rejection(
            name, f"text longer than {options.max_bytes} characters {MAX_BYTES_HINT}"
        )
    raw_date = _field(record, DATE_FIELDS)
    published = parse_date_value(raw_date)
    return RawDoc(
        name,
        normalise_text(html_fragment_to_text(body)),
        title=_first_text(record, TITLE_FIELDS),
        byline=_author(_field(record, AUTHOR_FIELDS)),
        outlet=_outlet(_field(record, OUTLET_FIELDS)),
        published=published,
        published_basis="record metadata" if published else None,
    )


def _jsonl_text(text: str, where: str, options: IngestOptions) -> Iterator[RawDoc | Rejection]:
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        spot = f"{where}:{number}"
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield Rejection(spot, f"line {number}: invalid JSON ({_json_error(exc)})")
            continue
        if isinstance(record, dict):
            yield record_to_doc(record, where, spot, options)
        else:
            yield Rejection(spot, f"line {number}: expected a JSON object, got {_kind(record)}")


def _line_text(line: bytes, number: int) -> str:
    if number == 1:
        line = line.removeprefix(b"\xef\xbb\xbf")
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(line)


def _records_in(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        return None
    if _field(data, TEXT_FIELDS) is not None:
        return [data]
    for value in data.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return value
    return None


def _no_records(data: Any) -> str:
    """Why a JSON document that parsed holds nothing to read, in the user's terms."""
    wanted = f"expected objects with a {', '.join(TEXT_FIELDS[:-1])} or {TEXT_FIELDS[-1]} field"
    if isinstance(data, dict):
        return f"the JSON document is an object with no article records ({wanted})"
    return f"the JSON document is {_kind(data)}, not article records ({wanted})"


def _field(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None


def _first_text(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    value = _field(record, names)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())[:2000]
    return None


def _outlet(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or value.get("domain")
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())[:200]
    return None


def _author(value: Any) -> str | None:
    if isinstance(value, list):
        names = [_outlet(v) for v in value]
        value = ", ".join(n for n in names if n)
    return _outlet(value)


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return "nested too deeply"


def _kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "true or false"}
    kinds |= {int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), "a value")
