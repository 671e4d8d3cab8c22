"""Look-ups the pages' views need over ``newsledger/1`` records, and the list filters.

The server reads the store (:mod:`newsledger.web.store_data`); each request builds a
:class:`LedgerIndex` over just the records it shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from unidecode import unidecode

Record = dict[str, Any]
STATUS_ORDER = ("contested", "corroborated", "single-source", "unverified-as-reported")
PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})


def fold(text: str) -> str:
    """Lower-case, accent-free form so that searches ignore case and diacritics."""
    return unidecode(text).casefold()


@dataclass
class LedgerIndex:
    """One loaded ledger with the look-ups the pages need, built once per load."""

    data: Record
    articles: dict[str, Record] = field(default_factory=dict)
    events: dict[str, Record] = field(default_factory=dict)
    entities: dict[str, Record] = field(default_factory=dict)
    claims: dict[str, Record] = field(default_factory=dict)
    origin_groups: dict[str, Record] = field(default_factory=dict)
    claims_by_event: dict[str, list[Record]] = field(default_factory=dict)
    conflicts_by_claim: dict[str, list[Record]] = field(default_factory=dict)
    conflicts_by_event: dict[str, list[Record]] = field(default_factory=dict)
    events_by_article: dict[str, list[Record]] = field(default_factory=dict)
    events_by_entity: dict[str, list[Record]] = field(default_factory=dict)
    claims_by_article: dict[str, list[Record]] = field(default_factory=dict)
    mentions_by_article: dict[str, list[tuple[Record, Record]]] = field(default_factory=dict)
    event_statuses: dict[str, set[str]] = field(default_factory=dict)
    event_text: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, data: Record) -> LedgerIndex:
        idx = cls(data=data)
        idx.articles = {a["id"]: a for a in data.get("articles", [])}
        idx.events = {e["id"]: e for e in data.get("events", [])}
        idx.entities = {e["id"]: e for e in data.get("entities", [])}
        idx.claims = {c["id"]: c for c in data.get("claims", [])}
        idx.origin_groups = {g["id"]: g for g in data.get("origin_groups", [])}
        by_event: dict[str, list[Record]] = defaultdict(list)
        by_article: dict[str, list[Record]] = defaultdict(list)
        for claim in idx.claims.values():
            by_event[claim["event_id"]].append(claim)
            for aid in {e["article_id"] for e in claim.get("evidence", [])}:
                by_article[aid].append(claim)
        mentions: dict[str, list[tuple[Record, Record]]] = defaultdict(list)
        for entity in idx.entities.values():
            for m in entity.get("mentions", []):
                mentions[m["article_id"]].append((entity, m))
        idx.mentions_by_article = dict(mentions)
        idx.claims_by_event = dict(by_event)
        idx.claims_by_article = dict(by_article)
        conflicts_by_claim: dict[str, list[Record]] = defaultdict(list)
        conflicts_by_event: dict[str, list[Record]] = defaultdict(list)
        for conflict in data.get("conflicts", []):
            events_seen: set[str] = set()
            for cid in conflict.get("claim_ids", []):
                conflicts_by_claim[cid].append(conflict)
                claim = idx.claims.get(cid)
                if claim and claim["event_id"] not in events_seen:
                    events_seen.add(claim["event_id"])
                    conflicts_by_event[claim["event_id"]].append(conflict)
        idx.conflicts_by_claim = dict(conflicts_by_claim)
        idx.conflicts_by_event = dict(conflicts_by_event)
        events_by_article: dict[str, list[Record]] = defaultdict(list)
        events_by_entity: dict[str, list[Record]] = defaultdict(list)
        for event in idx.events.values():
            for aid in event.get("article_ids", []):
                events_by_article[aid].append(event)
            involved = [
                event.get("location"),
                *event.get("locations", []),
                *event.get("actors", []),
            ]
            for claim in idx.claims_by_event.get(event["id"], []):
                involved.extend(claim.get("claimants", []))
            for eid in dict.fromkeys(e for e in involved if e):
                events_by_entity[eid].append(event)
            claims = idx.claims_by_event.get(event["id"], [])
            idx.event_statuses[event["id"]] = {c["status"] for c in claims}
            parts = [event.get("title") or "", *(c.get("statement", "") for c in claims)]
            parts += [idx.entity_name(e) for e in involved if e]
            for aid in event.get("article_ids", []):
                article = idx.articles.get(aid, {})
                parts += [article.get("title") or "", article.get("text") or ""]
            idx.event_text[event["id"]] = fold("\n".join(parts))
        idx.events_by_article = dict(events_by_article)
        idx.events_by_entity = dict(events_by_entity)
        return idx

    def entity_name(self, entity_id: str | None) -> str:
        entity = self.entities.get(entity_id or "")
        return entity["name"] if entity else (entity_id or "")

    def places(self) -> list[Record]:
        """Places that locate at least one event, for the place filter."""
        used = {
            pid
            for e in self.events.values()
            for pid in [e.get("location"), *e.get("locations", [])]
        }
        return sorted(
            (self.entities[p] for p in used if p in self.entities), key=lambda e: e["name"]
        )

    def event_types(self) -> list[str]:
        return sorted({e["event_type"] for e in self.events.values() if e.get("event_type")})


@dataclass(frozen=True)
class EventFilter:
    q: str = ""
    date_from: str = ""
    date_to: str = ""
    place: str = ""
    event_type: str = ""
    status: str = ""

    def active(self) -> bool:
        return any((self.q, self.date_from, self.date_to, self.place, self.event_type, self.status))
