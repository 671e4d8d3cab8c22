"""Tables of the incremental pipeline: what a run needs to place new articles without the old.

Every table here is derived from the articles and annotations by the incremental
stages (resolve, group, reconcile) and written in the one transaction of a batch,
so a killed run leaves them as the last finished batch did. They sit on the same
:data:`newsledger.store.sql.metadata`, so ``create_all`` adds them to a ledger
written by an older version (the upgrade is: create the tables, then fold every
stored article in as one batch, keeping the stored cluster ids).

- ``inc_articles``: articles folded into the ledger (the processed marker), with the
  publication date the group stage inferred and the origin group they belong to.
- ``inc_mentions``: each mention of a processed article, the pool resolution put it
  in, its place key (geocoded) and the entity that owns it; ``inc_keys``: blocking
  keys -> entity, so a new mention finds the stored entities it may co-refer with.
- ``inc_entities``: entity headers (an Entity record without mentions) and a
  signature of what reconciliation reads from it (name, type, aliases, geo, nation).
- ``inc_people``/``inc_given``: the global facts the pool rules read (initials per
  surname of full names; every given-name token).
- ``inc_acronyms``: "Long Name (ACR)" definitions per article.
- ``inc_lsh``: MinHash LSH bands of every article (band key -> article);
  ``inc_minhash``: the signatures; ``inc_items``/``inc_item_df``: distinctive items
  (quotes, numbers, name runs, sentences) per article and how many articles share each.
- ``inc_origins``: origin groups (members and basis); ``inc_origin_pairs``: the pair
  links that joined them, with their reason.
- ``inc_units``: one row per (cluster, article): the feature counts and dates the
  cluster's centroid is built from; ``inc_postings``: feature -> cluster index;
  ``inc_df``: document frequency of every feature (for IDF); ``inc_cluster_state``:
  a cluster's dates, founder, and whether its founder was a main story;
  ``inc_young``: clusters of a few articles (``group.incremental.SMALL_EVENT``), their
  founder and the number of documents the IDF counted when they opened, to be placed
  again once the ledger has doubled.
The ledger itself (events, claims, conflicts, entities, origin groups, dates) is
written through :mod:`newsledger.store.ledger_tables`.
- ``inc_meta``: counters (documents seen by the cluster index, run number).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table, Text

from newsledger.store.sql import metadata

inc_meta = Table(
    "inc_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
inc_articles = Table(
    "inc_articles",
    metadata,
    Column("article_id", String(128), primary_key=True),
    Column("run", Integer, nullable=False),
    Column("published", String(32), nullable=True),
    Column("published_inferred", Boolean, nullable=False, default=False),
    Column("published_basis", Text, nullable=True),
    Column("origin_group", String(64), nullable=True, index=True),
)
inc_mentions = Table(
    "inc_mentions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", String(128), nullable=False, index=True),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("label", String(32), nullable=False),
    Column("pool", String(32), nullable=False),
    Column("pkey", Text, nullable=True),  # the place key, for PLACE mentions
    Column("shown", Text, nullable=False),  # the display form a place mention votes for
    Column("nation", String(64), nullable=True),  # nationality word right before it
    Column("word", String(128), nullable=False, index=True),  # skeleton of a one-word mention
    Column("entity_id", String(32), nullable=False, index=True),
)
inc_keys = Table(
    "inc_keys",
    metadata,
    Column("key", String(256), primary_key=True),
    Column("entity_id", String(32), primary_key=True, index=True),
)
inc_entities = Table(
    "inc_entities",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("pool", String(32), nullable=False),
    Column("record", Text, nullable=False),  # Entity with mentions=()
    Column("signature", Text, nullable=False),
)
inc_people = Table(
    "inc_people",
    metadata,
    Column("surname", String(128), primary_key=True),
    Column("initial", String(128), primary_key=True),
)
inc_given = Table(
    "inc_given",
    metadata,
    Column("token", String(128), primary_key=True),
)
inc_acronyms = Table(
    "inc_acronyms",
    metadata,
    Column("article_id", String(128), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("long_form", Text, nullable=False),
    Column("short", String(16), nullable=False, index=True),
)
inc_minhash = Table(
    "inc_minhash",
    metadata,
    Column("article_id", String(128), primary_key=True),
    Column("hashvalues", Text, nullable=False),  # JSON list of ints
    Column("credits", Text, nullable=False),  # JSON list
    Column("item_keys", Text, nullable=False),  # JSON {kind: [item, ...]}
)
inc_lsh = Table(
    "inc_lsh",
    metadata,
    Column("band", String(64), primary_key=True),
    Column("article_id", String(128), primary_key=True),
)
inc_items = Table(
    "inc_items",
    metadata,
    Column("item", String(128), primary_key=True),
    Column("article_id", String(128), primary_key=True),
)
inc_origins = Table(
    "inc_origins",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("members", Text, nullable=False),  # JSON list of article ids
    Column("basis", Text, nullable=False),
)
inc_origin_pairs = Table(
    "inc_origin_pairs",
    metadata,
    Column("a", String(128), primary_key=True),
    Column("b", String(128), primary_key=True, index=True),
    Column("reason", Text, nullable=False),
)
inc_units = Table(
    "inc_units",
    metadata,
    Column("cluster_id", String(64), primary_key=True),
    Column("article_id", String(128), primary_key=True, index=True),
    Column("record", Text, nullable=False),  # JSON: counts, dates, main, sentences
)
inc_postings = Table(
    "inc_postings",
    metadata,
    Column("key", String(256), primary_key=True),
    Column("cluster_id", String(64), primary_key=True, index=True),
)
inc_df = Table(
    "inc_df",
    metadata,
    Column("key", String(256), primary_key=True),
    Column("n", Integer, nullable=False),
)
inc_cluster_state = Table(
    "inc_cluster_state",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("record", Text, nullable=False),  # JSON: text_dates, published, founder...
)
inc_young = Table(
    "inc_young",
    metadata,
    Column("cluster_id", String(64), primary_key=True),
    Column("article_id", String(128), nullable=False),
    Column("placed_at", Integer, nullable=False, index=True),  # n_docs when placed
)
__all__ = [
    "inc_acronyms",
    "inc_articles",
    "inc_cluster_state",
    "inc_df",
    "inc_entities",
    "inc_given",
    "inc_items",
    "inc_keys",
    "inc_lsh",
    "inc_mentions",
    "inc_meta",
    "inc_minhash",
    "inc_origin_pairs",
    "inc_origins",
    "inc_people",
    "inc_postings",
    "inc_units",
    "inc_young",
]
