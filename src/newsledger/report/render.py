"""The human outputs: report.md and report.html from the brief, events.csv in ACLED columns."""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from newsledger.model import Article, Ledger
from newsledger.reconcile.events import opponent, place_rank
from newsledger.reconcile.outlets import BASIS_TEXT, outlet_basis
from newsledger.report.brief import Brief, build_brief, source_name
from newsledger.report.labels import csv_note, is_outside_acled, type_label

TEMPLATES = Path(__file__).with_name("templates")
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2",
    "admin1", "location", "latitude", "longitude", "geo_precision", "source", "notes",
    "fatalities",
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#])")


def md_escape(text: object) -> str:
    """Text safe inside Markdown: no markup, and no raw HTML for renderers that allow it."""
    value = _MD_SPECIAL.sub(r"\\\1", str(text))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _oneline(text: object) -> str:
    return " ".join(str(text).split())


@lru_cache(maxsize=2)
def _env(markdown: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=False if markdown else select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=markdown,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["cell"] = _cell
    env.filters["oneline"] = _oneline
    env.globals["outside_acled"] = is_outside_acled
    env.globals["type_label"] = type_label
    return env


def render_markdown(brief: Brief) -> str:
    text = _env(True).get_template("report.md.j2").render(brief=brief)
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(brief: Brief) -> str:
    return _env(False).get_template("report.html.j2").render(brief=brief)


def _geo_precision(rank: int) -> int:
    """ACLED: 1 the exact town, 2 a part of a region or near a town, 3 a region."""
    return 1 if rank >= 3 else 2 if rank == 2 else 3


def event_rows(ledger: Ledger, brief: Brief | None = None) -> list[dict[str, object]]:
    """One ACLED-style row per event; notes are the brief's lead, source the outlets."""
    entities = {e.id: e for e in ledger.entities}
    articles = {a.id: a for a in ledger.articles}
    claims = {c.id: c for c in ledger.claims}
    leads = {e.id: e.lead for e in (brief or build_brief(ledger)).events}
    rows = []
    for event in ledger.events:
        place = entities.get(event.location or "")
        known = [a for a in event.actors if a in entities]
        actors = [entities[a].name for a in known]
        # reconcile puts the opponent second when it finds one; otherwise the second
        # actor is an ally, and ACLED's actor2 is the other side, so it stays empty
        event_claims = [claims[c] for c in event.claim_ids if c in claims]
        foe = opponent(known, event_claims, entities)
        outlets = _sources([articles[a] for a in event.article_ids if a in articles])
        statements = [claims[c].statement for c in event.claim_ids if c in claims][:3]
        notes = leads.get(event.id) or " ".join([event.title.rstrip(".") + ".", *statements])
        # A type outside ACLED's vocabulary would break an import that checks it: the ACLED
        # columns stay empty and the notes say what the event is.
        outside = is_outside_acled(event.event_type, event.sub_event_type)
        notes = csv_note(event.event_type, event.sub_event_type) + notes
        rows.append({
            "event_id_cnty": event.id,
            "event_date": event.date or "",
            "event_type": "" if outside else event.event_type or "",
            "sub_event_type": "" if outside else event.sub_event_type or "",
            "actor1": actors[0] if actors else "",
            "actor2": entities[foe].name if foe else "",
            "admin1": (place.admin1 if place else None) or "",
            "location": place.name if place else "",
            "latitude": place.lat if place and place.lat is not None else "",
            "longitude": place.lon if place and place.lon is not None else "",
            "geo_precision": _geo_precision(place_rank(place)) if place else "",
            "source": outlets,
            "notes": notes[:1000],
            "fatalities": event.fatalities.best if event.fatalities and
            event.fatalities.best is not None else 0,
        })
    return rows


def _sources(articles: list[Article]) -> str:
    """The event's sources; labels that are not outlet names say what they are."""
    by_basis: dict[str, set[str]] = {}
    for article in articles:
        by_basis.setdefault(outlet_basis(article), set()).add(source_name(article))
    parts = []
    for basis in ("outlet", "host", "headline", "file"):
        labels = "; ".join(sorted(by_basis.get(basis, ())))
        if labels:
            parts.append(labels if basis == "outlet" else f"{labels} [{BASIS_TEXT[basis]}]")
    return "; ".join(parts)


def write_events_csv(ledger: Ledger, path: Path, brief: Brief | None = None) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=ACLED_COLUMNS)
    writer.writeheader()
    writer.writerows(event_rows(ledger, brief))
    write_atomic(path, buffer.getvalue())


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` in one step, so an interrupted run never leaves half a report."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_reports(ledger: Ledger, out_dir: Path) -> dict[str, Path]:
    brief = build_brief(ledger)
    paths = {
        "markdown": out_dir / "report.md",
        "html": out_dir / "report.html",
        "csv": out_dir / "events.csv",
    }
    write_atomic(paths["markdown"], render_markdown(brief))
    write_atomic(paths["html"], render_html(brief))
    write_events_csv(ledger, paths["csv"], brief)
    return paths
