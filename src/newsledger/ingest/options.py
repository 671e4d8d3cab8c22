"""Limits and switches of the ingest stage, kept apart so every reader can import them."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES_HINT = "(raise the limit with --max-bytes)"
"""Appended to rejections caused by ``max_bytes``: the one limit a user sets on the command line."""


@dataclass(frozen=True)
class IngestOptions:
    """Limits are per document; archives (JSONL, WARC, gzip) stream and are bounded separately."""

    max_bytes: int = 5_000_000
    allow_private: bool = False
    # Networks (CIDR) let through although not public, e.g. ("127.0.0.0/8",) for a feed on
    # this machine; every other private, loopback or link-local address is still refused.
    allow_networks: tuple[str, ...] = ()
    timeout_s: float = 20.0
    max_redirects: int = 5
    # Total decompressed bytes read from one archive, and the ratio that marks a bomb.
    max_archive_bytes: int = 2_000_000_000
    max_compression_ratio: int = 1_000
    # Feed items carry summaries only; fetching each item's page is opt-in (network, time).
    fetch_feed_items: bool = False
    # Paths the folder walker skips (with everything below them), e.g. the output folder, so
    # a run over a folder that holds its own reports never reads them back as articles.
    # Only entries found while walking a folder are skipped: a path named as a source is read.
    exclude: tuple[str, ...] = ()


class IngestError(Exception):
    """One input cannot be ingested; the message is the human reason for ``rejected[]``."""
