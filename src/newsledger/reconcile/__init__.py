"""Reconcile stage: claims, conflicts, corroboration and event records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newsledger.group.stories import entity_names, key_counts, stories_of
from newsledger.model import (
    Annotations,
    Article,
    Claim,
    Conflict,
    Entity,
    EventCluster,
    EventRecord,
    Ledger,
    OriginGroup,
    Rejection,
    Resolution,
)
from newsledger.reconcile.claims import build_claims, context_nations
from newsledger.reconcile.events import build_event, target_places
from newsledger.reconcile.statements import cluster_statements, fallback_clusters


def reconcile_event(
    cluster: EventCluster,
    articles: Mapping[str, Article],
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    origin_of: Mapping[str, str],
    nations: Mapping[str, str],
    entities: Mapping[str, Entity] | None = None,
) -> tuple[EventRecord, list[Claim], list[Conflict]]:
    """One event from its cluster alone: its (dated) articles and their annotations, the
    resolved entities they mention, their origin groups and those entities' nations.

    Nothing global is read, so dirty events can be reconciled one by one, in any order
    or on any worker.
    """
    entities = entities if entities is not None else {e.id: e for e in resolution.entities}
    statements = cluster_statements(cluster, articles, annotations, resolution, entities)
    event_claims, event_conflicts, reports = build_claims(
        cluster.id, statements, articles, origin_of, entities, nations
    )
    event = build_event(
        cluster, event_claims, reports, articles, annotations, resolution, entities,
        target_places(statements),
    )
    return event, list(event_claims), list(event_conflicts)


def build_ledger(
    articles: Sequence[Article],
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    origin_groups: Sequence[OriginGroup],
    clusters: Sequence[EventCluster],
    rejected: Sequence[Rejection],
) -> Ledger:
    """The ledger: per event cluster, its statements merged into claims, conflicts and a record."""
    by_id = {a.id: a for a in articles}
    entities = {e.id: e for e in resolution.entities}
    origin_of = {aid: g.id for g in origin_groups for aid in g.article_ids}
    nations = context_nations(resolution.entities, by_id)
    if not clusters:
        clusters = fallback_clusters(articles, annotations)
    events: list[EventRecord] = []
    claims: list[Claim] = []
    conflicts: list[Conflict] = []
    for cluster in sorted(clusters, key=lambda c: c.id):
        event, event_claims, event_conflicts = reconcile_event(
            cluster, by_id, annotations, resolution, origin_of, nations, entities
        )
        events.append(event)
        claims.extend(event_claims)
        conflicts.extend(event_conflicts)
    return Ledger(
        articles=tuple(sorted(articles, key=lambda a: a.id)),
        origin_groups=tuple(origin_groups),
        events=tuple(events),
        entities=resolution.entities,
        claims=tuple(claims),
        conflicts=tuple(conflicts),
        rejected=tuple(rejected),
        stories=tuple(stories_of(events, key_counts(events), entity_names(resolution.entities))),
    )
