"""WARC archives (plain or gzipped) read lazily with warcio: each HTML response is an input."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import IO

from warcio.archiveiterator import ArchiveIterator

from newsledger.ingest.article import RawDoc
from newsledger.ingest.decode import decode_bytes
from newsledger.ingest.options import MAX_BYTES_HINT, IngestError, IngestOptions
from newsledger.ingest.readers import read_html
from newsledger.ingest.records import Budget
from newsledger.model import Rejection

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(
    stream: IO[bytes], where: str, options: IngestOptions
) -> Iterator[RawDoc | Rejection]:
    """HTML pages of 2xx responses (and resource records); other records are not articles."""
    budget = Budget(options, stream)
    count = 0
    records = ArchiveIterator(stream)
    iterator = iter(records)
    while True:
        try:
            record = next(iterator)
            count += 1
            page = _record_page(record, where, count, options, budget)
        except StopIteration:
            break
        except IngestError as exc:
            yield Rejection(where, f"{exc} (after {count} records)")
            return
        # warcio fails on damaged archives with assorted errors (even AttributeError);
        # all of them mean the same to us: the archive ends here.
        except Exception as exc:
            yield Rejection(
                where,
                f"WARC archive unreadable or truncated after {count} records: "
                f"{type(exc).__name__}: {str(exc)[:200]}",
            )
            return
        if page is not None:
            yield page
    if _last_member_cut(stream, records):
        yield Rejection(where, f"WARC archive truncated after {count} records")


def _record_page(
    record: object, where: str, number: int, options: IngestOptions, budget: Budget
) -> RawDoc | Rejection | None:
    kind = record.rec_type  # type: ignore[attr-defined]
    if kind not in ("response", "resource"):
        return None
    uri = record.rec_headers.get_header("WARC-Target-URI") or f"{where}#record-{number}"  # type: ignore[attr-defined]
    http = record.http_headers if kind == "response" else None  # type: ignore[attr-defined]
    if http is not None:
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return None
        content_type = http.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""  # type: ignore[attr-defined]
    if content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
        return None
    body = record.content_stream().read(options.max_bytes + 1)  # type: ignore[attr-defined]
    budget.spend(len(body))
    if len(body) > options.max_bytes:
        return Rejection(uri, f"page larger than {options.max_bytes} bytes {MAX_BYTES_HINT}")
    try:
        html = decode_bytes(body, _charset(content_type))
        return read_html(html, uri, url=uri)
    except IngestError as exc:
        return Rejection(uri, str(exc))


def _last_member_cut(stream: IO[bytes], records: ArchiveIterator) -> bool:
    """warcio stops quietly at a cut-off gzip member; its missing trailer shows the cut."""
    info = getattr(records, "member_info", None)
    stream.seek(0)
    if not info or stream.read(2) != b"\x1f\x8b":
        return False
    offset, length = info
    stream.seek(offset)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    left = length
    while left > 0 and not inflater.eof:
        piece = stream.read(min(left, 1 << 16))
        if not piece:
            break
        left -= len(piece)
        data = piece
        while data and not inflater.eof:
            try:
                inflater.decompress(data, 1 << 20)
            except zlib.error:
                return True
            data = inflater.unconsumed_tail
    return not inflater.eof


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None
