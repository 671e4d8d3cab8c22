"""Fetching URLs without becoming a proxy into private networks.

Only http and https; every address a host resolves to must be public (checked again on
each redirect hop); bounded time, size and redirects; a User-Agent that names us.
A host that changes its DNS answer between our check and the connection (rebinding) is
not covered: run behind an egress firewall where that matters.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from newsledger import __version__
from newsledger.ingest.options import MAX_BYTES_HINT, IngestError, IngestOptions

USER_AGENT = f"newsledger/{__version__} (+https://pypi.org/project/newsledger/)"
_REDIRECTS = {301, 302, 303, 307, 308}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str
    charset: str | None
    status: int = 200  # 304: not modified since the validators sent (body empty)
    etag: str | None = None
    last_modified: str | None = None


def address_allowed(address: IPAddress) -> bool:
    """Public unicast only: no private, loopback, link-local, reserved, multicast or CGNAT."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address_allowed(address.ipv4_mapped)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise IngestError(f"cannot resolve host {host!r}: {exc}") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_url(url: str, options: IngestOptions) -> None:
    """Raise IngestError unless ``url`` is http(s) and its host resolves to allowed addresses."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise IngestError(f"unsupported URL scheme {parts.scheme!r}: only http and https")
    host = parts.hostname
    if not host:
        raise IngestError("URL has no host")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise IngestError("URL has an invalid port") from None
    if options.allow_private:
        return
    addresses = resolve(host, port)
    if not addresses:
        raise IngestError(f"host {host!r} resolves to no address")
    networks = [ipaddress.ip_network(n, strict=False) for n in options.allow_networks]
    blocked = [str(a) for a in addresses
               if not address_allowed(a) and not any(a in net for net in networks)]
    if blocked:
        raise IngestError(
            f"refused: {host} resolves to a private, loopback, link-local or reserved "
            f"address ({', '.join(sorted(set(blocked)))}); use --allow-private to permit"
        )


def fetch(url: str, options: IngestOptions, extra_headers: dict[str, str] | None = None
          ) -> Fetched:
    """GET ``url`` following at most ``max_redirects`` checked redirects; body capped.

    ``extra_headers`` carries validators (If-None-Match, If-Modified-Since) for a
    conditional GET: a 304 answer comes back with ``status`` 304 and an empty body.
    """
    deadline = time.monotonic() + options.timeout_s * 3
    headers = {
        **(extra_headers or {}),
        "User-Agent": USER_AGENT,
        "Accept": "text/html, application/xhtml+xml, "
        "application/rss+xml, application/atom+xml, application/xml, text/*;q=0.8, */*;q=0.1",
    }
    with httpx.Client(
        follow_redirects=False,
        timeout=httpx.Timeout(options.timeout_s),
        headers=headers,
        trust_env=False,  # a proxy would resolve hosts itself, around the address check
    ) as client:
        current = url
        for _hop in range(options.max_redirects + 1):
            check_url(current, options)
            try:
                with client.stream("GET", current) as response:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code == 304:
                        return Fetched(str(response.url), b"", "", None, 304,
                                       response.headers.get("etag"),
                                       response.headers.get("last-modified"))
                    if response.status_code >= 400:
                        raise IngestError(f"HTTP {response.status_code} {response.reason_phrase}")
                    body = _read_capped(response, options, deadline)
                    return Fetched(
                        str(response.url),
                        body,
                        response.headers.get("content-type", "").split(";")[0].strip().lower(),
                        response.charset_encoding,
                        response.status_code,
                        response.headers.get("etag"),
                        response.headers.get("last-modified"),
                    )
            except httpx.TimeoutException:
                raise IngestError(f"timed out after {options.timeout_s:g} s") from None
            except httpx.HTTPError as exc:
                raise IngestError(f"fetch failed: {type(exc).__name__}: {exc}") from None
        raise IngestError(f"more than {options.max_redirects} redirects")


def _read_capped(response: httpx.Response, options: IngestOptions, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > options.max_bytes:
        raise IngestError(
            f"response of {declared} bytes is over the limit of {options.max_bytes} "
            + MAX_BYTES_HINT
        )
    chunks, size = [], 0
    for chunk in response.iter_bytes():  # decoded (gzip) bytes: a bomb is cut off here too
        size += len(chunk)
        if size > options.max_bytes:
            raise IngestError(
                f"response is over the limit of {options.max_bytes} bytes {MAX_BYTES_HINT}"
            )
        if time.monotonic() > deadline:
            raise IngestError("response too slow; gave up")
        chunks.append(chunk)
    return b"".join(chunks)
