"""Group stage: origin groups (copies of one story) and event clusters (incremental)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newsledger.model import Annotations, Article, EventCluster, OriginGroup, Resolution


def find_origin_groups(
    articles: Sequence[Article], annotations: Mapping[str, Annotations]
) -> tuple[OriginGroup, ...]:
    """Until copies are detected every article is its own origin."""
    return tuple(
        OriginGroup(id=f"o-{a.id[2:]}", article_ids=(a.id,), basis="single article")
        for a in sorted(articles, key=lambda a: a.id)
    )


def cluster_events(
    articles: Sequence[Article],
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    previous: Sequence[EventCluster],
) -> tuple[EventCluster, ...]:
    return tuple(previous)


def infer_publication_dates(
    articles: Sequence[Article],
    annotations: Mapping[str, Annotations],
    clusters: Sequence[EventCluster],
) -> tuple[Article, ...]:
    return tuple(articles)
