"""Resolve stage: mentions merged into entities across articles and spellings; places geocoded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newsledger.model import Annotations, Article, Resolution


def resolve_entities(
    articles: Sequence[Article], annotations: Mapping[str, Annotations]
) -> Resolution:
    return Resolution()
