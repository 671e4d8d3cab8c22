"""From command-line sources (files, folders, URLs) to readers, by extension and content."""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from newsledger.ingest.article import RawDoc, build_article
from newsledger.ingest.decode import binary_kind, decode_bytes
from newsledger.ingest.feeds import PageReader, looks_like_feed, read_feed
from newsledger.ingest.fetch import Fetched, fetch
from newsledger.ingest.options import MAX_BYTES_HINT, IngestError, IngestOptions
from newsledger.ingest.readers import read_html, read_plain
from newsledger.ingest.records import Budget, read_json, read_jsonl
from newsledger.ingest.warc import read_warc
from newsledger.isolation import (
    ARTICLE_FAULTS,
    WHOLE_RUN_ERRORS,
    article_timeout,
    deadline,
    failure_reason,
    log_failure,
)
from newsledger.model import Article, Rejection

Item = Article | Rejection
_HEAD = 8192
_JSONL_EXT = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".json.gz")
_HTML_EXT = (".html", ".htm", ".xhtml", ".shtml")
_FEED_EXT = (".rss", ".atom", ".xml")
_TEXT_EXT = (".txt", ".text", ".md")
MISSING_SOURCE = "no such file or folder"


def read_source(source: str, options: IngestOptions) -> Iterator[Item]:
    """Every input named by ``source``; a reader that fails rejects its input, never the run."""
    scheme = urlsplit(source).scheme.lower() if "://" in source else ""
    if scheme:
        if scheme in ("http", "https"):
            yield from _guarded(read_url(source, options), source)
        else:
            yield Rejection(source, f"unsupported URL scheme {scheme!r}: only http and https")
        return
    path = Path(source)
    if path.is_dir():
        for file in walk(path, options.exclude):
            yield from _guarded(read_file(file, options), str(file))
    elif path.is_file():
        yield from _guarded(read_file(path, options), source)
    elif path.exists():
        yield Rejection(source, "not a regular file or folder")
    else:
        yield Rejection(source, MISSING_SOURCE)


def _guarded(items: Iterator[Item], where: str) -> Iterator[Item]:
    """Last line of defence: an unexpected exception in a reader (a bug) rejects the input
    being read, with the traceback logged; the records it yielded before are kept."""
    try:
        yield from items
    except WHOLE_RUN_ERRORS:
        raise
    except ARTICLE_FAULTS as exc:
        log_failure(where, "reading", exc)
        yield Rejection(where, failure_reason(exc))


def walk(folder: Path, exclude: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Files below ``folder`` in sorted order; hidden names, symlinked folders and
    ``exclude`` (paths compared after resolving links, with all below them) skipped."""
    skipped = {os.path.realpath(p) for p in exclude}

    def kept(real_root: str, name: str) -> bool:
        if name.startswith("."):
            return False
        if not skipped:
            return True
        real = os.path.join(real_root, name)
        return (os.path.realpath(real) if os.path.islink(real) else real) not in skipped

    for root, dirs, files in os.walk(folder, followlinks=False):
        real_root = os.path.realpath(root) if skipped else root
        dirs[:] = sorted(d for d in dirs if kept(real_root, d))
        for name in sorted(files):
            if kept(real_root, name):
                yield Path(root) / name


def read_file(path: Path, options: IngestOptions) -> Iterator[Item]:
    where = str(path)
    if not path.is_file():  # a FIFO or device in a folder would block or never end
        yield Rejection(where, "not a regular file")
        return
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEAD)
            stream.seek(0)
            kind = sniff(path.name, head)
            if kind in ("jsonl", "jsonl.gz", "warc"):
                yield from _finish(_stream_archive(stream, kind, where, options))
                return
            if kind == "gzip":
                yield from _read_gzip(stream, path.name, where, options)
                return
            size = os.fstat(stream.fileno()).st_size
            if size > options.max_bytes:
                yield Rejection(
                    where,
                    f"file of {size} bytes is over the limit of "
                    f"{options.max_bytes} {MAX_BYTES_HINT}",
                )
                return
            data = stream.read(options.max_bytes + 1)
    except OSError as exc:
        yield Rejection(where, f"cannot read file: {exc.strerror or exc}")
        return
    if len(data) > options.max_bytes:
        yield Rejection(
            where, f"file is over the limit of {options.max_bytes} bytes {MAX_BYTES_HINT}"
        )
        return
    yield from read_document(data, path.name, where, options)


def read_url(url: str, options: IngestOptions) -> Iterator[Item]:
    try:
        page = fetch(url, options)
    except IngestError as exc:
        yield Rejection(url, str(exc))
        return
    yield from read_fetched(page, url, options)


def read_fetched(
    page: Fetched, where: str, options: IngestOptions, page_reader: PageReader | None = None
) -> Iterator[Item]:
    """The records of a fetched page or feed; ``page_reader`` (feeds) replaces the
    option-driven item fetcher, e.g. by one that skips items already seen."""
    name = urlsplit(page.url).path.rsplit("/", 1)[-1]
    if page.content_type in ("text/html", "application/xhtml+xml"):
        name = "page.html"
    elif "rss" in page.content_type or "atom" in page.content_type:
        name = "feed.xml"
    yield from read_document(page.body, name, where, options, charset=page.charset,
                             page_reader=page_reader)


def read_document(
    data: bytes, name: str, where: str, options: IngestOptions, charset: str | None = None,
    page_reader: PageReader | None = None,
) -> Iterator[Item]:
    """One document held in memory (already within the size limit)."""
    kind = sniff(name, data[:_HEAD])
    if kind in ("jsonl", "jsonl.gz", "warc", "gzip"):
        kind = "json" if kind == "jsonl" else kind
    if kind in ("jsonl.gz", "warc", "gzip"):
        yield Rejection(where, f"{kind} archives are read from files only")
        return
    if kind == "feed":
        reader = page_reader or (item_page_reader(options) if options.fetch_feed_items else None)
        yield from _finish(read_feed(data, where, reader))
        return
    try:
        with deadline(article_timeout()):
            text = decode_bytes(data, charset)
    except IngestError as exc:
        yield Rejection(where, str(exc))
        return
    except WHOLE_RUN_ERRORS:
        raise
    except ARTICLE_FAULTS as exc:
        log_failure(where, "decoding", exc)
        yield Rejection(where, failure_reason(exc))
        return
    if kind == "json":
        yield from _finish(read_json(text, where, options))
        return
    try:
        with deadline(article_timeout()):
            doc = (
                read_html(text, where, url=_url_or_none(where))
                if kind == "html"
                else read_plain(text, where)
            )
    except IngestError as exc:
        yield Rejection(where, str(exc))
        return
    except WHOLE_RUN_ERRORS:
        raise
    except ARTICLE_FAULTS as exc:
        log_failure(where, "reading", exc)
        yield Rejection(where, failure_reason(exc))
        return
    yield from _finish([doc])


def sniff(name: str, head: bytes) -> str:
    """jsonl, jsonl.gz, warc, gzip, feed, html, json or text: content first, then extension."""
    lower = name.lower()
    if head.startswith(b"\x1f\x8b"):
        if lower.endswith((".warc.gz", ".arc.gz")):
            return "warc"
        return "jsonl.gz" if lower.endswith(_JSONL_EXT) else "gzip"
    if head.startswith(b"WARC/"):
        return "warc"
    if binary_kind(head):
        return "text"  # the decoder names the binary format in its rejection
    sample = _head_text(head).lstrip().lower()
    if looks_like_feed(sample) and (sample.startswith("<") or lower.endswith(_FEED_EXT)):
        return "feed"
    if sample.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in sample[:1000]:
        return "html"
    if lower.endswith(_JSONL_EXT):
        return "jsonl"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith(_HTML_EXT):
        return "html"
    if lower.endswith(_FEED_EXT):
        return "feed"
    if not lower.endswith(_TEXT_EXT) and sample.startswith(("{", "[")):
        return "json"
    return "text"


def _head_text(head: bytes) -> str:
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(encoding, errors="ignore")
    return head.replace(b"\x00", b"").decode("utf-8", errors="ignore")


def _stream_archive(
    stream: IO[bytes], kind: str, where: str, options: IngestOptions
) -> Iterator[RawDoc | Rejection]:
    if kind == "warc":
        yield from read_warc(stream, where, options)
        return
    compressed = stream if kind == "jsonl.gz" else None
    source = gzip.GzipFile(fileobj=stream, mode="rb") if compressed else stream
    budget = Budget(options, compressed)
    count = 0
    try:
        for item in read_jsonl(source, where, options, budget):
            count += 1
            yield item
    except IngestError as exc:
        yield Rejection(where, f"{exc} (after {count} records)")
    except (EOFError, OSError, zlib.error) as exc:
        yield Rejection(
            where,
            f"archive truncated or corrupt after {count} records: "
            f"{type(exc).__name__}: {str(exc)[:200]}",
        )


def _read_gzip(stream: IO[bytes], name: str, where: str, options: IngestOptions) -> Iterator[Item]:
    """A single gzipped document: decompressed up to the size limit, never further."""
    inner = name[: -len(".gz")] if name.lower().endswith(".gz") else name
    try:
        data = gzip.GzipFile(fileobj=stream, mode="rb").read(options.max_bytes + 1)
    except (EOFError, OSError, zlib.error) as exc:
        yield Rejection(where, f"gzip data corrupt or truncated: {type(exc).__name__}")
        return
    if len(data) > options.max_bytes:
        yield Rejection(
            where,
            f"decompressed content is over the limit of {options.max_bytes} "
            f"bytes (or a decompression bomb) {MAX_BYTES_HINT}",
        )
        return
    if data.startswith(b"\x1f\x8b"):
        yield Rejection(where, "nested gzip is not read")
        return
    yield from read_document(data, inner, where, options)


def _finish(docs: Iterable[RawDoc | Rejection]) -> Iterator[Item]:
    seconds = article_timeout()
    for doc in docs:
        yield _clean(doc, seconds) if isinstance(doc, RawDoc) else doc


def _clean(doc: RawDoc, seconds: float | None) -> Item:
    """Clean one document within its time budget; a failure rejects it alone."""
    try:
        with deadline(seconds):
            return build_article(doc)
    except WHOLE_RUN_ERRORS:
        raise
    except ARTICLE_FAULTS as exc:
        log_failure(doc.path_or_url, "cleaning", exc)
        return Rejection(doc.path_or_url, failure_reason(exc))


def item_page_reader(options: IngestOptions) -> PageReader:
    """Fetches a feed item's page (HTML only) through the same guarded :func:`fetch`."""
    def read_page(url: str) -> RawDoc | None:
        try:
            page = fetch(url, options)
            if "html" not in page.content_type:
                return None
            return read_html(decode_bytes(page.body, page.charset), url, url=url)
        except IngestError:
            return None

    return read_page


def _url_or_none(where: str) -> str | None:
    return where if where.startswith(("http://", "https://")) else None
