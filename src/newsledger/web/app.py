"""The workbench: server-rendered pages, HTMX partials and a read-only JSON API over a ledger."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from newsledger.model import CLAIM_STATUSES
from newsledger.report.labels import is_outside_acled, type_label
from newsledger.store import LedgerBusyError, LedgerDatabaseError
from newsledger.web import views
from newsledger.web.data import EventFilter, Record
from newsledger.web.highlight import render_article
from newsledger.web.security import (
    BodyLimit,
    RateLimiter,
    SecurityHeaders,
    tile_origin,
    token_matches,
)
from newsledger.web.store_data import LedgerSource, StoreLedger

HERE = Path(__file__).parent
PAGE_ROWS = 300  # the list pages show this many; filters (or ?page=) reach the rest
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


def _ledger(request: Request) -> Iterator[tuple[StoreLedger, Connection]]:
    """The store to read and one read transaction on it, for the whole request."""
    ledger = request.app.state.source.get()
    with ledger.conn() as conn:
        yield ledger, conn


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


Ledger = Annotated[tuple[StoreLedger, Connection], Depends(_ledger)]
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
    db_url: str | None = None,
    token: str | None = None,
    tile_url: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """The ASGI app over the ledger in ``ledger_dir`` (or ``db_url``); writes need a token.

    Pages and the API query the store's ledger tables (see :mod:`newsledger.web.store_data`);
    a folder with only a ``ledger.json`` is served from a private copy of it.

    ``allowed_hosts`` (Host header names) guards a loopback server against DNS rebinding:
    a hostile page whose name resolves to 127.0.0.1 still sends its own name as Host.
    """
    ledger_dir = Path(ledger_dir)
    tile_origin(tile_url)  # refuse a bad tile URL at start, not on the first request
    source = LedgerSource(ledger_dir, db_url)
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

    # ------------------------------------------------------------------ pages

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/events", 302)

    @app.get("/events", response_class=HTMLResponse, include_in_schema=False)
    def events_page(request: Request, db: Ledger, flt: Filter) -> Response:
        ledger, conn = db
        rows, matched = ledger.event_list(conn, flt, PAGE_ROWS)
        view = ledger.overview(conn)
        context = {
            "rows": rows,
            "matched": matched,
            "capped": bool(flt.q) and ledger.count_is_capped(matched),
            "total": view.n_events,
            "flt": flt,
            "places": view.places,
            "types": view.types,
            "n_articles": view.n_articles,
            "n_rejected": view.n_rejected,
            "watch": ledger.watch_status(conn),
        }
        if _is_partial(request):
            return page(request, "_event_rows.html", context, vary=True)
        return page(request, "events.html", context, vary=True)

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(request: Request, event_id: str, db: Ledger) -> Response:
        ledger, conn = db
        found = ledger.event_index(conn, event_id)
        if found is None:
            return _moved_or_missing(ledger, conn, event_id, "/events/")
        idx, event = found
        context = views.event_view(idx, event)
        context["story"] = ledger.story_of(conn, event_id)
        context["basis"] = views.basis_view(idx, event, ledger.feature_names(conn, [event]))
        return page(request, "event.html", context)

    @app.get("/stories", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(
        request: Request, db: Ledger, page_no: Annotated[int, Query(alias="page", ge=1)] = 1
    ) -> Response:
        ledger, conn = db
        stories, total = ledger.stories(conn, PAGE_ROWS, (page_no - 1) * PAGE_ROWS)
        return page(request, "stories.html", {
            "stories": stories, "total": total, "page_no": page_no,
            "pages": max(1, -(-total // PAGE_ROWS)),
        })

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, story_id: str, db: Ledger) -> Response:
        ledger, conn = db
        story = ledger.story(conn, story_id)
        if story is None:
            raise HTTPException(404, f"no story with id {story_id!r}")
        return page(request, "story.html", {"story": story})

    @app.get("/articles", response_class=HTMLResponse, include_in_schema=False)
    def articles_page(
        request: Request, db: Ledger, page_no: Annotated[int, Query(alias="page", ge=1)] = 1
    ) -> Response:
        ledger, conn = db
        articles, groups = ledger.articles(conn, PAGE_ROWS, (page_no - 1) * PAGE_ROWS)
        total = ledger.overview(conn).n_articles
        return page(
            request,
            "articles.html",
            {
                "articles": articles,
                "idx": {"origin_groups": groups},
                "rejected": ledger.rejected(conn),
                "total": total,
                "page_no": page_no,
                "pages": max(1, -(-total // PAGE_ROWS)),
            },
        )

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str, db: Ledger) -> Response:
        ledger, conn = db
        found = ledger.article_index(conn, article_id)
        if found is None:
            raise HTTPException(404, f"no article with id {article_id!r}")
        idx, article = found
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
    def entities_page(request: Request, db: Ledger, q: str = "", type: str = "") -> Response:
        ledger, conn = db
        entities, total = ledger.entities(conn, type, q[:200], PAGE_ROWS)
        context = {
            "entities": entities,
            "matched": total,
            "q": q,
            "type": type,
            "types": ledger.overview(conn).entity_types,
        }
        if _is_partial(request):
            return page(request, "_entity_rows.html", context, vary=True)
        return page(request, "entities.html", context, vary=True)

    @app.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(request: Request, entity_id: str, db: Ledger) -> Response:
        ledger, conn = db
        found = ledger.entity_index(conn, entity_id)
        if found is None:
            raise HTTPException(404, f"no entity with id {entity_id!r}")
        idx, entity = found
        return page(request, "entity.html", views.entity_view(idx, entity))

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs_page(request: Request) -> Response:
        return page(request, "docs.html", {})

    # ------------------------------------------------------------------ API

    @app.get("/api/events", tags=["events"], summary="List events")
    def api_events(
        db: Ledger,
        flt: Filter,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Events matching the filters (as on the event list), newest first.

        ``q`` is a full-text search: every word (a word's start when it ends with ``*``) in the
        event's title, claims, the names of its places, actors and claimants, or its
        articles' titles and texts; case, accents and script (Cyrillic) are ignored. A
        search counts at most 2000 matches: beyond, ``total`` is 2000 and
        ``total_is_lower_bound`` is true.
        """
        ledger, conn = db
        events, total = ledger.events(conn, flt, limit, offset)
        found: dict[str, Any] = {"total": total, "limit": limit, "offset": offset}
        if flt.q and ledger.count_is_capped(total):
            found["total"] = total - 1
            found["total_is_lower_bound"] = True  # a search counts up to SEARCH_COUNT_CAP
        return {**found, "events": events}

    @app.get("/api/stories", tags=["stories"], summary="List stories")
    def api_stories(
        db: Ledger,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Stories (events of one happening told over days), latest first."""
        ledger, conn = db
        stories, total = ledger.stories(conn, limit, offset)
        return {"total": total, "limit": limit, "offset": offset, "stories": stories}

    @app.get("/api/stories/{story_id}", tags=["stories"], summary="One story with its events")
    def api_story(story_id: str, db: Ledger) -> dict[str, Any]:
        ledger, conn = db
        story = ledger.story(conn, story_id)
        if story is None:
            raise HTTPException(404, f"no story with id {story_id!r}")
        return story

    @app.get("/api/status", tags=["status"], summary="Ledger size and the watch status")
    def api_status(db: Ledger) -> dict[str, Any]:
        """How many events and articles the ledger holds, its last finished run, and the
        status ``newsledger watch`` left after its last cycle (``watch`` null when no watch
        ever ran): last cycle, articles added, failing feeds and the next cycle. Read from
        the store on every request, so it shows each new cycle without a restart."""
        ledger, conn = db
        view = ledger.overview(conn)
        run, finished = ledger.state(conn)
        return {"events": view.n_events, "articles": view.n_articles,
                "rejected": view.n_rejected, "last_run": run, "last_run_finished": finished,
                "watch": ledger.watch_status(conn)}

    @app.get(
        "/api/events/{event_id}", tags=["events"], summary="One event with claims and conflicts"
    )
    def api_event(event_id: str, db: Ledger) -> Any:
        """One event with its claims, conflicts and the entities it refers to; the id of an
        event another absorbed (a merge) redirects to that event."""
        ledger, conn = db
        found = ledger.api_event(conn, event_id)
        if found is None:
            return _moved_or_missing(ledger, conn, event_id, "/api/events/")
        return found

    @app.get("/api/claims", tags=["claims"], summary="List claims")
    def api_claims(
        db: Ledger,
        event_id: str = "",
        status: str = "",
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Claims, optionally of one event and/or one status."""
        ledger, conn = db
        claims, total = ledger.claims(conn, event_id, status, limit, offset)
        return {"total": total, "limit": limit, "offset": offset, "claims": claims}

    @app.get("/api/entities", tags=["entities"], summary="List entities")
    def api_entities(
        db: Ledger,
        type: str = "",
        q: str = "",
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Entities, optionally of one type and/or matching ``q`` in name or aliases."""
        ledger, conn = db
        entities, total = ledger.entities(conn, type, q[:200], limit, offset, mentions=True)
        return {"total": total, "limit": limit, "offset": offset, "entities": entities}

    @app.get("/api/articles/{article_id}", tags=["articles"], summary="One article")
    def api_article(article_id: str, db: Ledger) -> Record:
        """One article: cleaned text, metadata, origin group and removed boilerplate."""
        ledger, conn = db
        found = ledger.article(conn, article_id)
        if found is None:
            raise HTTPException(404, f"no article with id {article_id!r}")
        return found

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
            return _ingest(ledger_dir, source, ingest_lock, body, db_url)
        except LedgerBusyError as exc:  # a command-line run is writing this ledger now
            raise HTTPException(503, str(exc), headers={"Retry-After": "30"}) from exc
        except LedgerDatabaseError as exc:  # damaged or unreachable: say so, not a bare 500
            raise HTTPException(503, str(exc)) from exc

    return app


def _moved_or_missing(ledger: StoreLedger, conn: Connection, event_id: str, prefix: str
                      ) -> RedirectResponse:
    """A redirect to the event that absorbed this one, else a 404."""
    target = ledger.moved_to(conn, event_id)
    if target is None:
        raise HTTPException(404, f"no event with id {event_id!r}")
    return RedirectResponse(prefix + target, 307)


def _is_partial(request: Request) -> bool:
    """An HTMX swap wants the fragment; a history restore (back button) wants the page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"
    )


def _ingest(
    ledger_dir: Path,
    source: LedgerSource,
    lock: threading.Lock,
    body: ArticleIn,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Run the pipeline on the one article (as a JSONL file) so it joins the ledger."""
    from newsledger.pipeline import analyze

    record = {k: v for k, v in body.model_dump().items() if v is not None}
    with lock:
        ledger_dir.mkdir(parents=True, exist_ok=True)
        before = _article_ids(source)
        tmp = ledger_dir / f".incoming-{uuid.uuid4().hex}.jsonl"
        tmp.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        rejected: list[str] = []
        try:
            summary = analyze(
                [str(tmp)],
                ledger_dir,
                db_url=db_url,
                on_rejection=lambda r: rejected.append(r.reason),
            )
        finally:
            tmp.unlink(missing_ok=True)
        after = _article_ids(source)
    return {
        "new_articles": summary.new_articles,
        "article_ids": sorted(after - before),
        "rejected": rejected,
    }


def _article_ids(source: LedgerSource) -> set[str]:
    ledger = source.get()
    with ledger.conn() as conn:
        return ledger.article_ids(conn)


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
    db_url: str | None = None,
) -> None:
    """Run the workbench with uvicorn (bound to loopback unless told otherwise)."""
    import uvicorn

    uvicorn.run(
        create_app(
            ledger_dir,
            db_url=db_url,
            token=token,
            tile_url=tile_url,
            allowed_hosts=host_names(host),
        ),
        host=host,
        port=port,
        log_level="info",
        server_header=False,
    )
