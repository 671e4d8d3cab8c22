"""Reconcile stage: claims, conflicts, corroboration and event records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newsledger.model import (
    Annotations,
    Article,
    EventCluster,
    Ledger,
    OriginGroup,
    Rejection,
    Resolution,
)


def build_ledger(
    articles: Sequence[Article],
    annotations: Mapping[str, Annotations],
    resolution: Resolution,
    origin_groups: Sequence[OriginGroup],
    clusters: Sequence[EventCluster],
    rejected: Sequence[Rejection],
) -> Ledger:
    return Ledger(
        articles=tuple(sorted(articles, key=lambda a: a.id)),
        origin_groups=tuple(origin_groups),
        entities=resolution.entities,
        rejected=tuple(rejected),
    )
