"""Extract stage: per-article annotations, a pure function of the article text (cached by hash)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from newsledger.model import Annotations, Article

EXTRACTOR_VERSION = "0"


def annotate_articles(articles: Iterable[Article]) -> Iterator[Annotations]:
    for article in articles:
        yield Annotations(article.id, article.content_hash, article.language, extractor=EXTRACTOR_VERSION)
