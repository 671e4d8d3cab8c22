"""The workbench: server-rendered pages, HTMX partials and a read-only JSON API over a ledger."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from newsledger.model import CLAIM_STATUSES
from newsledger.report.labels import is_outside_acled, type_label
from newsledger.store import LedgerBusyError, LedgerDatabaseError
from newsledger.web import views
from newsledger.web.data import (
    PLACE_TYPES,
    EventFilter,
    LedgerIndex,
    LedgerSource,
    Record,
    filter_events,
    fold,
)
from newsledger.web.highlight import render_article
from newsledger.web.security import (
    BodyLimit,
    RateLimiter,
    SecurityHeaders,
    tile_origin,
    token_matches,
)

HERE = Path(__file__).parent
PAGE_ROWS = 300  # the list page shows this many; filters narrow the rest
STATUS_LABELS = {
    "contested": "Contested",
    "corroborated": "Corroborated",
    "single-source": "Single source",
    "unverified-as-reported": "Unverified, as reported",
    "other": "Other",
}


class ArticleIn(BaseModel):
    """An article to ingest through ``POST /api/articles``."""

    text: str = Field(min_length=1, max_length=1_000_000)
    title: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=2000)
    published: str | None = Field(default=None, max_length=40)
    outlet: str | None = Field(default=None, max_length=200)


def _ledger(request: Request) -> LedgerIndex:
    return request.app.state.source.get()


def _event_filter(
    q: str = "",
    date_from: str = "",
    date_to: str = "",
    place: str = "",
    event_type: Annotated[str, Query(alias="type")] = "",
    status: str = "",
) -> EventFilter:
    """The event list's filters, shared by the page and ``GET /api/events``."""
    return EventFilter(q.strip()[:200], date_from[:10], date_to[:10], place, event_type, status)


Ledger = Annotated[LedgerIndex, Depends(_ledger)]
Filter = Annotated[EventFilter, Depends(_event_filter)]


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = views.fmt_number
    env.filters["status_label"] = lambda s: STATUS_LABELS.get(s, s)
    env.filters["evidence_href"] = views.evidence_href
    env.filters["source"] = views.source_label
    env.globals["statuses"] = CLAIM_STATUSES
    env.globals["status_labels"] = STATUS_LABELS
    env.globals["outside_acled"] = is_outside_acled
    env.globals["type_label"] = type_label
    return Jinja2Templates(env=env)


def create_app(
    ledger_dir: Path,
    *,
    token: str | None = None,
    tile_url: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """The ASGI app over ``ledger_dir/ledger.json``; writes are enabled only with a token.

    ``allowed_hosts`` (Host header names) guards a loopback server against DNS rebinding:
    a hostile page whose name resolves to 127.0.0.1 still sends its own name as Host.
    """
    ledger_dir = Path(ledger_dir)
    tile_origin(tile_url)  # refuse a bad tile URL at start, not on the first request
    source = LedgerSource(ledger_dir)
    templates = _templates()
    ingest_lock = threading.Lock()
    limiter = RateLimiter()
    app = FastAPI(
        title="newsledger",
        summary="Events, claims, conflicts and evidence from a newsledger ledger.",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    app.state.source = source
    app.add_middleware(BodyLimit)
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(SecurityHeaders, tile_url=tile_url)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def page(
        request: Request, name: str, context: dict[str, Any], status: int = 200, vary: bool = False
    ) -> Response:
        context = {
            "tile_url": tile_url or "",
            "ledger_error": source.error,
            "ledger_path": str(source.path),
            **context,
        }
        response = templates.TemplateResponse(request, name, context, status_code=status)
        if vary:  # the same URL answers a full page or an HTMX fragment
            response.headers["Vary"] = "HX-Request"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        return page(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail},
            exc.status_code,
        )

    def get_or_404(table: dict[str, Record], key: str, what: str) -> Record:
        record = table.get(key)
        if record is None:
            raise HTTPException(404, f"no {what} with id {key!r}")
        return record

    # ------------------------------------------------------------------ pages

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/events", 302)

    @app.get("/events", response_class=HTMLResponse, include_in_schema=False)
    def events_page(request: Request, idx: Ledger, flt: Filter) -> Response:
        events = filter_events(idx, flt)
        context = {
            "rows": [views.event_row(idx, e) for e in events[:PAGE_ROWS]],
            "matched": len(events),
            "total": len(idx.events),
            "flt": flt,
            "places": idx.places(),
            "types": idx.event_types(),
            "n_articles": len(idx.articles),
            "n_rejected": len(idx.data.get("rejected", [])),
        }
        if _is_partial(request):
            return page(request, "_event_rows.html", context, vary=True)
        return page(request, "events.html", context, vary=True)

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(request: Request, event_id: str, idx: Ledger) -> Response:
        event = get_or_404(idx.events, event_id, "event")
        return page(request, "event.html", views.event_view(idx, event))

    @app.get("/articles", response_class=HTMLResponse, include_in_schema=False)
    def articles_page(request: Request, idx: Ledger) -> Response:
        articles = sorted(
            idx.articles.values(), key=lambda a: a.get("published") or "", reverse=True
        )
        return page(
            request,
            "articles.html",
            {"articles": articles, "idx": idx, "rejected": idx.data.get("rejected", [])},
        )

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str, idx: Ledger) -> Response:
        article = get_or_404(idx.articles, article_id, "article")
        group = idx.origin_groups.get(article.get("origin_group") or "")
        siblings = [
            idx.articles[a]
            for a in (group or {}).get("article_ids", [])
            if a != article_id and a in idx.articles
        ]
        claims = [views.claim_view(idx, c) for c in idx.claims_by_article.get(article_id, [])]
        return page(
            request,
            "article.html",
            {
                "article": article,
                "body": render_article(idx, article),
                "group": group,
                "siblings": siblings,
                "claims": claims,
                "events": idx.events_by_article.get(article_id, []),
            },
        )

    @app.get("/entities", response_class=HTMLResponse, include_in_schema=False)
    def entities_page(request: Request, idx: Ledger, q: str = "", type: str = "") -> Response:
        entities = _filter_entities(idx, type, q)
        context = {
            "entities": entities,
            "q": q,
            "type": type,
            "types": sorted({e["type"] for e in idx.entities.values()}),
        }
        if _is_partial(request):
            return page(request, "_entity_rows.html", context, vary=True)
        return page(request, "entities.html", context, vary=True)

    @app.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(request: Request, entity_id: str, idx: Ledger) -> Response:
        entity = get_or_404(idx.entities, entity_id, "entity")
        return page(request, "entity.html", views.entity_view(idx, entity))

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs_page(request: Request) -> Response:
        return page(request, "docs.html", {})

    # ------------------------------------------------------------------ API

    @app.get("/api/events", tags=["events"], summary="List events")
    def api_events(
        idx: Ledger,
        flt: Filter,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Events matching the filters (as on the event list), newest first."""
        events = filter_events(idx, flt)
        return {
            "total": len(events),
            "limit": limit,
            "offset": offset,
            "events": events[offset : offset + limit],
        }

    @app.get(
        "/api/events/{event_id}", tags=["events"], summary="One event with claims and conflicts"
    )
    def api_event(event_id: str, idx: Ledger) -> dict[str, Any]:
        """One event with its claims, conflicts and the entities it refers to."""
        event = get_or_404(idx.events, event_id, "event")
        claims = idx.claims_by_event.get(event_id, [])
        refs = {event.get("location"), *event.get("locations", []), *event.get("actors", [])}
        refs.update(c for claim in claims for c in claim.get("claimants", []))
        return {
            **event,
            "claims": claims,
            "conflicts": idx.conflicts_by_event.get(event_id, []),
            "entities": [
                idx.entities[e] for e in sorted(r for r in refs if r) if e in idx.entities
            ],
        }

    @app.get("/api/claims", tags=["claims"], summary="List claims")
    def api_claims(
        idx: Ledger,
        event_id: str = "",
        status: str = "",
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Claims, optionally of one event and/or one status."""
        claims = idx.claims_by_event.get(event_id, []) if event_id else list(idx.claims.values())
        if status:
            claims = [c for c in claims if c.get("status") == status]
        return {
            "total": len(claims),
            "limit": limit,
            "offset": offset,
            "claims": claims[offset : offset + limit],
        }

    @app.get("/api/entities", tags=["entities"], summary="List entities")
    def api_entities(
        idx: Ledger,
        type: str = "",
        q: str = "",
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Entities, optionally of one type and/or matching ``q`` in name or aliases."""
        entities = _filter_entities(idx, type, q)
        return {
            "total": len(entities),
            "limit": limit,
            "offset": offset,
            "entities": entities[offset : offset + limit],
        }

    @app.get("/api/articles/{article_id}", tags=["articles"], summary="One article")
    def api_article(article_id: str, idx: Ledger) -> Record:
        """One article: cleaned text, metadata, origin group and removed boilerplate."""
        return get_or_404(idx.articles, article_id, "article")

    @app.post(
        "/api/articles", tags=["articles"], summary="Ingest an article (token)", status_code=201
    )
    def api_ingest(body: ArticleIn, request: Request) -> dict[str, Any]:
        """Ingest one article into the ledger (needs ``Authorization: Bearer <token>``)."""
        if token is None:
            raise HTTPException(403, "writes are disabled: start the server with a token")
        if not token_matches(request.headers.get("authorization"), token):
            raise HTTPException(
                401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
            )
        client = request.client.host if request.client else "?"
        if not limiter.allow(client):
            raise HTTPException(429, "too many writes; try again in a minute")
        try:
            return _ingest(ledger_dir, source, ingest_lock, body)
        except LedgerBusyError as exc:  # a command-line run is writing this ledger now
            raise HTTPException(503, str(exc), headers={"Retry-After": "30"}) from exc
        except LedgerDatabaseError as exc:  # damaged or unreachable: say so, not a bare 500
            raise HTTPException(503, str(exc)) from exc

    return app


def _is_partial(request: Request) -> bool:
    """An HTMX swap wants the fragment; a history restore (back button) wants the page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"
    )


def _filter_entities(idx: LedgerIndex, etype: str, q: str) -> list[Record]:
    words = fold(q).split()
    out = []
    for entity in idx.entities.values():
        if (
            etype
            and entity.get("type") != etype
            and not (etype == "PLACE" and entity.get("type") in PLACE_TYPES)
        ):
            continue
        if words:
            hay = fold(" ".join([entity.get("name", ""), *entity.get("aliases", [])]))
            if not all(w in hay for w in words):
                continue
        out.append(entity)
    out.sort(key=lambda e: (-len(e.get("mentions", [])), e.get("name", "")))
    return out


def _ingest(
    ledger_dir: Path, source: LedgerSource, lock: threading.Lock, body: ArticleIn
) -> dict[str, Any]:
    """Run the pipeline on the one article (as a JSONL file) so it joins the ledger."""
    from newsledger.pipeline import analyze

    record = {k: v for k, v in body.model_dump().items() if v is not None}
    with lock:
        ledger_dir.mkdir(parents=True, exist_ok=True)
        before = set(source.get().articles)
        tmp = ledger_dir / f".incoming-{uuid.uuid4().hex}.jsonl"
        tmp.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        rejected: list[str] = []
        try:
            summary = analyze(
                [str(tmp)], ledger_dir, on_rejection=lambda r: rejected.append(r.reason)
            )
        finally:
            tmp.unlink(missing_ok=True)
        after = source.force_reload()
    return {
        "new_articles": summary.new_articles,
        "article_ids": sorted(set(after.articles) - before),
        "rejected": rejected,
    }


def host_names(bind: str) -> list[str]:
    """Host header values a server bound to ``bind`` answers: loopback names, or any name
    when bound to all interfaces (the operator chose to expose it)."""
    if bind in ("0.0.0.0", "::", ""):
        return ["*"]
    return sorted({"127.0.0.1", "localhost", "::1", "[::1]", bind})


def serve(
    ledger_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    tile_url: str | None = None,
) -> None:
    """Run the workbench with uvicorn (bound to loopback unless told otherwise)."""
    import uvicorn

    uvicorn.run(
        create_app(
            ledger_dir, token=token, tile_url=tile_url, allowed_hosts=host_names(host)
        ),
        host=host,
        port=port,
        log_level="info",
        server_header=False,
    )
