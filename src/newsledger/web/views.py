"""What each page shows, computed from the indexes; templates only lay it out."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from newsledger.report.brief import when
from newsledger.web.data import PLACE_TYPES, STATUS_ORDER, LedgerIndex, Record


def fmt_number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def source_label(article: Record) -> str:
    """The outlet, else the URL's host, else the file name: never a long path."""
    if article.get("outlet"):
        return article["outlet"]
    where = article.get("path_or_url") or article.get("id") or "?"
    if "://" in where:
        return urlsplit(where).netloc or where
    return PurePath(where).name or where


def evidence_href(ev: Record) -> str:
    return f"/articles/{ev['article_id']}#ev-{ev['start']}-{ev['end']}"


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(min(1.0, math.sqrt(h)))


FOCUS_KM = 350


def place_points(idx: LedgerIndex, entity_ids: list[str], primary: str | None = None) -> list[dict]:
    """Map markers for the places among ``entity_ids`` that have coordinates.

    ``focus`` marks the places near the primary location: the map zooms to those,
    so a passing mention of a far capital does not shrink the scene to a dot.
    """
    points = []
    for eid in dict.fromkeys(entity_ids):
        ent = idx.entities.get(eid)
        if not ent or ent.get("lat") is None or ent.get("lon") is None:
            continue
        points.append(
            {
                "id": eid,
                "name": ent["name"],
                "lat": ent["lat"],
                "lon": ent["lon"],
                "primary": eid == primary,
                "href": f"/entities/{eid}",
            }
        )
    center = next((p for p in points if p["primary"]), None)
    for p in points:
        p["focus"] = (
            center is None or _km(center["lat"], center["lon"], p["lat"], p["lon"]) <= FOCUS_KM
        )
    return points


def _language(article: Record | None) -> str | None:
    lang = ((article or {}).get("language") or "").lower().split("-")[0]
    return lang or None


def claim_view(idx: LedgerIndex, claim: Record) -> dict[str, Any]:
    evidence = []
    for ev in claim.get("evidence", []):
        article = idx.articles.get(ev["article_id"], {})
        evidence.append(
            {
                **ev,
                "href": evidence_href(ev),
                "outlet": source_label(article) if article else ev["article_id"],
                "language": _language(article),
            }
        )
    languages = list(dict.fromkeys(e["language"] for e in evidence if e["language"]))
    return {
        "claim": claim,
        # shown when a claim is reported in several languages or in one other than English
        "languages": languages if languages != ["en"] else [],
        "claimants": [
            idx.entities.get(c) or {"id": c, "name": c, "type": "?"}
            for c in claim.get("claimants", [])
        ],
        "evidence": evidence,
        "conflicts": idx.conflicts_by_claim.get(claim["id"], []),
    }


def conflict_sides(idx: LedgerIndex, conflict: Record) -> list[list[dict[str, Any]]]:
    """The camps of a conflict, each a list of claims.

    A conflict may say which claims stand together (optional ``sides``: lists of
    claim ids); otherwise each claim is a side of its own, in the order given.
    """
    camps = conflict.get("sides") or [[cid] for cid in conflict.get("claim_ids", [])]
    sides = []
    for camp in camps:
        views = [claim_view(idx, idx.claims[c]) for c in camp if c in idx.claims]
        if views:
            sides.append(views)
    return sides


def number_ranges(idx: LedgerIndex, claims: list[Record]) -> list[dict[str, Any]]:
    """Per slot, one row per claim with a figure: who says it, its range, and bar geometry."""
    by_slot: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for claim in claims:
        who = ", ".join(idx.entity_name(c) for c in claim.get("claimants", [])) or "unattributed"
        for q in claim.get("quantities", []):
            value, low, high = q.get("value"), q.get("low"), q.get("high")
            low = low if low is not None else value
            high = high if high is not None else value
            if low is None and high is None:
                continue
            low = low if low is not None else high
            high = high if high is not None else low
            by_slot[(q.get("slot") or "other", q.get("unit") or "")].append(
                {
                    "claimant": who,
                    "claim": claim,
                    "low": low,
                    "high": high,
                    "value": value,
                    "qualifier": q.get("qualifier"),
                    "subject": q.get("subject"),
                    "outlets": claim.get("outlets", []),
                    "label": fmt_number(low)
                    if low == high
                    else f"{fmt_number(low)}–{fmt_number(high)}",
                }
            )
    out = []
    for (slot, unit), rows in sorted(by_slot.items()):
        top = max(r["high"] for r in rows) or 1
        for r in rows:
            x = 100 * r["low"] / top
            width = max(100 * (r["high"] - r["low"]) / top, 1.5)
            r["bar_x"] = round(min(x, 100 - width), 2)
            r["bar_w"] = round(width, 2)
        rows.sort(key=lambda r: (r["high"], r["low"]))
        out.append({"slot": slot, "unit": unit, "rows": rows, "max": fmt_number(top)})
    return out


PRECISION_NOTE = {
    "minute": "",
    "hour": "",
    "day": "",
    "week": " (known to the week)",
    "month": " (known to the month)",
    "year": " (known to the year)",
}


def timeline(idx: LedgerIndex, event: Record) -> list[dict[str, Any]]:
    """Dated points: the event date, each report's publication date, any time expressions."""
    items: list[dict[str, Any]] = []
    if event.get("date"):
        items.append(
            {
                "date": event["date"],
                "label": "Event date"
                + PRECISION_NOTE.get(event.get("date_precision") or "", " (precision not known)"),
                "kind": "event",
                "href": None,
            }
        )
    for aid in event.get("article_ids", []):
        article = idx.articles.get(aid)
        if not article or not article.get("published"):
            continue
        label = f"Published: {article.get('title') or source_label(article)}"
        if article.get("outlet"):
            label += f" — {article['outlet']}"
        if article.get("published_inferred"):
            label += f" (inferred: {article.get('published_basis') or 'no basis given'})"
        items.append(
            {
                "date": article["published"],
                "label": label,
                "kind": "published",
                "href": f"/articles/{aid}",
            }
        )
    for t in event.get("times", []) or []:  # optional: time expressions, when exported
        if isinstance(t, dict) and t.get("value"):
            href = None
            if t.get("article_id") is not None and t.get("start") is not None:
                href = f"/articles/{t['article_id']}#ev-{t['start']}-{t['end']}"
            items.append(
                {
                    "date": t["value"],
                    "label": f"“{t.get('text', '')}”",
                    "kind": "time",
                    "href": href,
                }
            )
    items.sort(key=lambda i: (str(i["date"]), i["kind"] != "event"))
    for item in items:  # one way of writing a time on the page: 2024-03-13 09:00 -04:00
        item["shown"] = when(str(item["date"])) or str(item["date"])
    return items


def origin_view(idx: LedgerIndex, article_ids: list[str]) -> list[dict[str, Any]]:
    """Which of these articles share an origin, largest groups first."""
    groups: dict[str, list[Record]] = defaultdict(list)
    for aid in article_ids:
        article = idx.articles.get(aid)
        if article:
            groups[article.get("origin_group") or f"solo:{aid}"].append(article)
    out = []
    for gid, members in groups.items():
        group = idx.origin_groups.get(gid, {})
        out.append(
            {
                "id": gid if not gid.startswith("solo:") else None,
                "basis": group.get("basis") or "no copy found",
                "articles": members,
                "outside": len([a for a in group.get("article_ids", []) if a not in article_ids]),
            }
        )
    out.sort(key=lambda g: -len(g["articles"]))
    return out


def event_view(idx: LedgerIndex, event: Record) -> dict[str, Any]:
    claims = idx.claims_by_event.get(event["id"], [])
    grouped = [
        (status, [claim_view(idx, c) for c in claims if c.get("status") == status])
        for status in STATUS_ORDER
    ]
    others = [claim_view(idx, c) for c in claims if c.get("status") not in STATUS_ORDER]
    if others:
        grouped.append(("other", others))
    conflicts = []
    for conflict in idx.conflicts_by_event.get(event["id"], []):
        conflicts.append({"conflict": conflict, "sides": conflict_sides(idx, conflict)})
    place_ids = [p for p in [event.get("location"), *event.get("locations", [])] if p]
    articles = [idx.articles[a] for a in event.get("article_ids", []) if a in idx.articles]
    outlets = sorted({a.get("outlet") for a in articles if a.get("outlet")})
    return {
        "event": event,
        "location": idx.entities.get(event.get("location") or ""),
        "places": [idx.entities[p] for p in dict.fromkeys(place_ids) if p in idx.entities],
        "actors": [idx.entities[a] for a in event.get("actors", []) if a in idx.entities],
        "points": place_points(idx, place_ids, event.get("location")),
        "claims_by_status": [(s, cs) for s, cs in grouped if cs],
        "n_claims": len(claims),
        "conflicts": conflicts,
        "numbers": number_ranges(idx, claims),
        "timeline": timeline(idx, event),
        "origins": origin_view(idx, event.get("article_ids", [])),
        "articles": articles,
        "published": {a["id"]: when(a.get("published")) for a in articles},
        "outlets": outlets,
    }


def basis_view(
    idx: LedgerIndex, event: Record, names: dict[str, str]
) -> list[dict[str, Any]]:
    """Why these reports are one event: per report, the rule that placed it and what matched."""
    from newsledger.report.brief import RULE_LABEL, feature_label

    rows = []
    for b in event.get("basis", []):
        article = idx.articles.get(b.get("article_id", ""))
        shared = [{"kind": f.partition(":")[0], "label": feature_label(f, names.get)}
                  for f in b.get("shared", [])]
        rows.append({
            "article_id": b.get("article_id"),
            "article": article,
            "source": source_label(article) if article else b.get("article_id"),
            "rule": b.get("rule"),
            "rule_label": RULE_LABEL.get(b.get("rule", ""), b.get("rule")),
            "score": b.get("score"),
            "shared": shared,
        })
    return rows


def entity_view(idx: LedgerIndex, entity: Record) -> dict[str, Any]:
    by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in entity.get("mentions", []):
        article = idx.articles.get(m["article_id"])
        text = (article or {}).get("text") or ""
        by_article[m["article_id"]].append(
            {
                **m,
                "before": text[max(0, m["start"] - 60) : m["start"]],
                "after": text[m["end"] : m["end"] + 60],
                "href": f"/articles/{m['article_id']}#m-{m['start']}-{m['end']}",
            }
        )
    mentions = [
        {"article": idx.articles.get(aid, {"id": aid, "title": aid}), "mentions": ms}
        for aid, ms in by_article.items()
    ]
    is_place = entity.get("type") in PLACE_TYPES or entity.get("lat") is not None
    claims = [c for c in idx.claims.values() if entity["id"] in c.get("claimants", [])]
    return {
        "entity": entity,
        "is_place": is_place,
        "points": place_points(idx, [entity["id"]], entity["id"]),
        "mentions": mentions,
        "events": idx.events_by_entity.get(entity["id"], []),
        "claims": [claim_view(idx, c) for c in claims],
    }


def event_row(idx: LedgerIndex, event: Record) -> dict[str, Any]:
    """One line of the event list."""
    claims = idx.claims_by_event.get(event["id"], [])
    statuses = {s: sum(1 for c in claims if c.get("status") == s) for s in STATUS_ORDER}
    return {
        "event": event,
        "location": idx.entity_name(event.get("location")) if event.get("location") else "",
        "n_articles": len(event.get("article_ids", [])),
        "n_claims": len(claims),
        "n_conflicts": len(idx.conflicts_by_event.get(event["id"], [])),
        "statuses": {s: n for s, n in statuses.items() if n},
    }
