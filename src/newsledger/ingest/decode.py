"""Bytes to text: BOMs, declared charsets, detection (charset-normalizer), binary refusal.

The returned text is normalised so that every later offset refers to the same string:
NUL and zero-width characters removed, line ends unified, exotic spaces made plain.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from newsledger.ingest.options import IngestError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Magic numbers of common binary formats, so the reason can say what the file is.
_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ", "xz data"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"RIFF", "RIFF media"),
    (b"\x00\x00\x00\x18ftyp", "MP4 media"),
    (b"\x00\x00\x00\x20ftyp", "MP4 media"),
    (b"SQLite format 3", "SQLite database"),
)

_CONTROL = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_ODD_SPACE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_MAX_CONTROL_RATIO = 0.02
_MAX_CHAOS = 0.25


def binary_kind(data: bytes) -> str | None:
    """Name of a known binary format by its magic number, else None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode one document; raise IngestError with a reason when it is not text."""
    if not data.strip(b" \t\r\n\x00"):
        raise IngestError("empty input")
    text = _decode_with_bom(data)
    if text is None:
        kind = binary_kind(data)
        if kind:
            raise IngestError(f"binary content ({kind}), not text")
        text = _decode_declared(data, declared) or _decode_detected(data)
    text = normalise_text(text)
    if not text.strip():
        raise IngestError("empty input (only whitespace or control characters)")
    sample = text[:100_000]
    if len(_CONTROL.findall(sample)) > _MAX_CONTROL_RATIO * len(sample):
        raise IngestError("binary content (too many control characters), not text")
    return _CONTROL.sub("", text)


def normalise_text(text: str) -> str:
    """One string form for all later offsets: no NULs, \\n line ends, plain spaces."""
    text = text.replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    return _ODD_SPACE.sub(" ", text)


def _decode_with_bom(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise IngestError(f"invalid {encoding} after its byte-order mark: {exc}") from None
    return None


def _decode_declared(data: bytes, declared: str | None) -> str | None:
    """Trust a declared charset (HTTP header, XML prolog) only when it decodes cleanly."""
    for encoding in (declared, "utf-8"):
        if not encoding:
            continue
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _decode_detected(data: bytes) -> str:
    sample = data[:4096]
    if sample.count(0) > len(sample) // 3:
        # Text with a NUL in every other byte is BOM-less UTF-16/32; anything else is binary.
        best = from_bytes(data[:200_000]).best()
        if best is None or not best.encoding.startswith(("utf_16", "utf_32")):
            raise IngestError("binary content (many NUL bytes), not text")
        return data.decode(best.encoding, errors="replace")
    stripped = data.replace(b"\x00", b"")
    try:
        return stripped.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(stripped[:200_000]).best()
    if best is None or best.chaos > _MAX_CHAOS:
        raise IngestError("binary content or unknown text encoding")
    try:
        return stripped.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        # Detection looked at a prefix; a later byte may not fit. Keep what decodes.
        return stripped.decode(best.encoding, errors="replace")
