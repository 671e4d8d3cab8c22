"""Group stage: origin groups (copies of one story) and event clusters (incremental)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newsledger.group.events import cluster_threads
from newsledger.group.origins import origin_groups
from newsledger.group.published import infer_dates
from newsledger.model import Annotations, Article, EventCluster, OriginGroup, Resolution


def find_origin_groups(
    articles: Sequence[Article], annotations: Mapping[str, Annotations]
) -> tuple[OriginGroup, ...]:
    """Every article in exactly one group; copies of one wire story share a group."""
    return origin_groups(articles, annotations)


def cluster_events(
    articles: Sequence[Article],
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    previous: Sequence[EventCluster],
) -> tuple[EventCluster, ...]:
    """Stored clusters keep their ids and members; only articles they lack are placed."""
    return cluster_threads(articles, annotations, resolution, previous)


def infer_publication_dates(
    articles: Sequence[Article],
    annotations: Mapping[str, Annotations],
    clusters: Sequence[EventCluster],
) -> tuple[Article, ...]:
    """Undated articles get a date inferred from their event and relative times, with basis."""
    return infer_dates(articles, annotations, clusters)
