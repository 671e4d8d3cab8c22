"""Origin groups: articles that copy one origin (wire copy, rewrite, machine translation).

Near-copies are found with MinHash LSH over word shingles. Rewrites and
translations change the wording but keep distinctive content: quoted passages,
numbers in their order, runs of names, rare sentences. Those are indexed per
article and counted per pair, only for items that few articles share (never
all pairs). Two articles join when their text overlaps strongly, or when they
credit the same agency and share distinctive content; independent reports of
one event share facts but not the sequence of them, so the bar without a
common credit is much higher.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from newsledger.group.credits import wire_credits
from newsledger.group.text import capitalised_names, content_terms, fold, words
from newsledger.model import Annotations, Article, OriginGroup

NUM_PERM = 64
SHINGLE = 4
NEAR_COPY = 0.5
CREDITED_MIN = 4  # distinctive items shared by two articles crediting one agency
UNCREDITED_MIN = 14  # the same without a common credit
MAX_DF = 25  # items shared by more articles than this are common knowledge, not copy
_QUOTE = re.compile(r"[\"“«„‘](.{8,400}?)[\"”»“’]", re.S)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:[,\s]\d{3})+|\d+(?:[.,]\d+)?)(?![\w])")


@dataclass
class _Profile:
    article: Article
    credits: tuple[str, ...]
    items: dict[str, set[str]]  # kind -> item keys
    minhash: MinHash


def _numbers(text: str) -> list[str]:
    out = []
    for m in _NUMBER.finditer(text):
        raw = re.sub(r"[,\s]", "", m.group(1)).replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            continue
        if value < 5 or (1900 <= value <= 2100 and value.is_integer()):
            continue  # small counts and years are everywhere
        out.append(f"{value:g}")
    return out


def _profile(article: Article) -> _Profile:
    text = article.text
    items: dict[str, set[str]] = defaultdict(set)
    for m in _QUOTE.finditer(text):
        terms = content_terms(m.group(1))
        if len(terms) >= 2:
            items["quotes"].update(f"q:{a}|{b}" for a, b in itertools.pairwise(terms))
    numbers = _numbers(text)
    items["numbers"].update(f"n:{a}|{b}" for a, b in itertools.pairwise(numbers))
    items["numbers"].update(f"n:{a}" for a in numbers if len(a) >= 3)
    names = [fold(n)[:5] for _, _, n in capitalised_names(text)]
    items["names"].update(f"e:{a}|{b}" for a, b in itertools.pairwise(names) if a != b)
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        terms = sorted(set(content_terms(sentence)))
        if len(terms) >= 6:
            items["sentences"].add("s:" + hashlib.sha1("|".join(terms).encode()).hexdigest()[:16])
    shingles = words(text)
    mh = MinHash(num_perm=NUM_PERM, seed=7)
    mh.update_batch(
        " ".join(shingles[i : i + SHINGLE]).encode()
        for i in range(max(1, len(shingles) - SHINGLE + 1))
    )
    # Credits often sit in boilerplate that cleaning removed (a copyright line, a photo credit).
    credited = " \n".join([text, *(r.text for r in article.removed)])
    return _Profile(article, wire_credits(credited), dict(items), mh)


class _UnionFind:
    def __init__(self, ids: Sequence[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def shared_items(a: _Profile, b: _Profile) -> Counter[str]:
    return Counter({k: len(a.items.get(k, set()) & b.items.get(k, set())) for k in a.items})


def origin_groups(
    articles: Sequence[Article], annotations: Mapping[str, Annotations]
) -> tuple[OriginGroup, ...]:
    profiles = {a.id: _profile(a) for a in sorted(articles, key=lambda a: a.id)}
    ids = list(profiles)
    uf = _UnionFind(ids)
    reasons: dict[frozenset[str], str] = {}

    lsh = MinHashLSH(threshold=NEAR_COPY, num_perm=NUM_PERM)
    for aid in ids:
        mh = profiles[aid].minhash
        for other in lsh.query(mh):
            overlap = mh.jaccard(profiles[other].minhash)
            if overlap >= NEAR_COPY:
                uf.union(aid, other)
                reasons[frozenset((aid, other))] = f"text overlap {overlap:.2f}"
        lsh.insert(aid, mh)

    postings: dict[str, list[str]] = defaultdict(list)
    for aid, p in profiles.items():
        for keys in p.items.values():
            for key in keys:
                postings[key].append(aid)
    pair_counts: Counter[tuple[str, str]] = Counter()
    for members in postings.values():
        if 2 <= len(members) <= MAX_DF:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pair_counts[(a, b)] += 1
    for (a, b), count in sorted(pair_counts.items()):
        pa, pb = profiles[a], profiles[b]
        common = sorted(set(pa.credits) & set(pb.credits))
        if count < (CREDITED_MIN if common else UNCREDITED_MIN):
            continue
        shared = shared_items(pa, pb)
        detail = "; ".join(f"shared {k} {v}" for k, v in sorted(shared.items()) if v)
        head = f"credit: {', '.join(common)}; " if common else ""
        uf.union(a, b)
        reasons.setdefault(frozenset((a, b)), head + detail)

    groups: dict[str, list[str]] = defaultdict(list)
    for aid in ids:
        groups[uf.find(aid)].append(aid)
    out = []
    for members in groups.values():
        members.sort()
        if len(members) == 1:
            credits = profiles[members[0]].credits
            basis = f"single article; credit: {', '.join(credits)}" if credits else "single article"
        else:
            member_set = set(members)
            basis = "; ".join(sorted({r for pair, r in reasons.items() if pair <= member_set}))
        digest = hashlib.sha1("|".join(members).encode()).hexdigest()[:12]
        out.append(OriginGroup(id=f"o-{digest}", article_ids=tuple(members), basis=basis))
    return tuple(sorted(out, key=lambda g: g.id))


# --------------------------------------------------------------------------- incremental


_SCHEME = MinHash(num_perm=1, seed=7).scheme  # stored signatures are read back in this scheme


def _bands(mh: MinHash, b: int, r: int) -> list[str]:
    """The LSH band keys of a signature: articles sharing one are candidate copies."""
    values = mh.hashvalues
    return [
        f"{i}:" + hashlib.sha1(values[i * r : (i + 1) * r].tobytes()).hexdigest()[:20]
        for i in range(b)
    ]


def origin_batch(conn: object, articles: Sequence[Article]) -> tuple[
    list[OriginGroup], set[str], dict[str, str]
]:
    """Fold new articles into the stored origin groups.

    Returns the groups that are new or changed, the ids of groups that ceased to exist,
    and the group of every article whose group changed. Near-copies are found through
    the stored LSH bands (the same bands :class:`MinHashLSH` uses); distinctive items
    through their stored postings, counted for pairs with a new article.
    """
    import json

    import numpy as np
    from sqlalchemy import Connection, func, insert, select

    from newsledger.store.state import (
        inc_articles,
        inc_items,
        inc_lsh,
        inc_minhash,
        inc_origin_pairs,
        inc_origins,
    )

    assert isinstance(conn, Connection)
    if not articles:
        return [], set(), {}
    lsh = MinHashLSH(threshold=NEAR_COPY, num_perm=NUM_PERM)
    b, r = lsh.b, lsh.r
    profiles = {a.id: _profile(a) for a in sorted(articles, key=lambda a: a.id)}
    new_ids = list(profiles)
    pairs: dict[tuple[str, str], str] = {}

    def pair(x: str, y: str) -> tuple[str, str]:
        return (x, y) if x < y else (y, x)

    # near copies: candidates by band, kept when the estimated overlap is high enough
    bands = {aid: _bands(p.minhash, b, r) for aid, p in profiles.items()}
    by_band: dict[str, set[str]] = defaultdict(set)
    for aid, keys in bands.items():
        for k in keys:
            by_band[k].add(aid)
    stored_hits: set[str] = set()
    keys = sorted(by_band)
    for i in range(0, len(keys), 500):
        for band, aid in conn.execute(select(inc_lsh.c.band, inc_lsh.c.article_id)
                                      .where(inc_lsh.c.band.in_(keys[i : i + 500]))):
            if aid not in profiles:
                by_band[band].add(aid)
                stored_hits.add(aid)
    stored_sigs: dict[str, MinHash] = {}
    stored_meta: dict[str, tuple[tuple[str, ...], dict[str, set[str]]]] = {}

    def load(ids: set[str]) -> None:
        want = sorted(ids - set(stored_meta))
        for i in range(0, len(want), 500):
            for aid, values, credits, items in conn.execute(
                select(inc_minhash.c.article_id, inc_minhash.c.hashvalues,
                       inc_minhash.c.credits, inc_minhash.c.item_keys)
                .where(inc_minhash.c.article_id.in_(want[i : i + 500]))
            ):
                mh = MinHash(num_perm=NUM_PERM, seed=7, scheme=_SCHEME,
                             hashvalues=np.array(json.loads(values), dtype=np.uint64))
                stored_sigs[aid] = mh
                stored_meta[aid] = (tuple(json.loads(credits)),
                                    {k: set(v) for k, v in json.loads(items).items()})

    load(stored_hits)

    def sig(aid: str) -> MinHash:
        return profiles[aid].minhash if aid in profiles else stored_sigs[aid]

    for members in by_band.values():
        news = [m for m in members if m in profiles]
        for x in news:
            for y in members:
                if y == x or (y in profiles and y < x):
                    continue
                overlap = sig(x).jaccard(sig(y))
                if overlap >= NEAR_COPY:
                    p = pair(x, y)
                    pairs.setdefault(p, f"text overlap {overlap:.2f}")

    # distinctive items: postings after this batch, pairs with a new article
    new_items: dict[str, set[str]] = defaultdict(set)
    for aid, p in profiles.items():
        for items in p.items.values():
            for key in items:
                new_items[key].add(aid)
    postings: dict[str, set[str]] = {k: set(v) for k, v in new_items.items()}
    item_keys = sorted(new_items)
    for i in range(0, len(item_keys), 500):
        chunk = item_keys[i : i + 500]
        counts = dict(conn.execute(select(inc_items.c.item, func.count())
                                   .where(inc_items.c.item.in_(chunk))
                                   .group_by(inc_items.c.item)).all())
        small = [k for k in chunk if counts.get(k, 0) + len(new_items[k]) <= MAX_DF
                 and counts.get(k, 0)]
        for j in range(0, len(small), 500):
            for item, aid in conn.execute(select(inc_items.c.item, inc_items.c.article_id)
                                          .where(inc_items.c.item.in_(small[j : j + 500]))):
                postings[item].add(aid)
        for k in chunk:
            if counts.get(k, 0) + len(new_items[k]) > MAX_DF:
                postings.pop(k, None)
    pair_counts: Counter[tuple[str, str]] = Counter()
    for members in postings.values():
        if len(members) < 2:
            continue
        for x in members & set(profiles):
            for y in members:
                if y != x and not (y in profiles and y < x):
                    pair_counts[pair(x, y)] += 1
    load({y for p in pair_counts for y in p if y not in profiles})

    def credits_of(aid: str) -> tuple[str, ...]:
        return profiles[aid].credits if aid in profiles else stored_meta[aid][0]

    def items_of(aid: str) -> dict[str, set[str]]:
        return profiles[aid].items if aid in profiles else stored_meta[aid][1]

    for (x, y), count in sorted(pair_counts.items()):
        common = sorted(set(credits_of(x)) & set(credits_of(y)))
        if count < (CREDITED_MIN if common else UNCREDITED_MIN):
            continue
        ix, iy = items_of(x), items_of(y)
        shared = Counter({k: len(ix.get(k, set()) & iy.get(k, set())) for k in ix})
        detail = "; ".join(f"shared {k} {v}" for k, v in sorted(shared.items()) if v)
        head = f"credit: {', '.join(common)}; " if common else ""
        pairs.setdefault((x, y), head + detail)

    # groups: the stored groups of linked old articles, joined through the new links
    linked_old = {y for p in pairs for y in p if y not in profiles}
    old_group: dict[str, str] = {}
    ol = sorted(linked_old)
    for i in range(0, len(ol), 500):
        for aid, gid in conn.execute(select(inc_articles.c.article_id, inc_articles.c.origin_group)
                                     .where(inc_articles.c.article_id.in_(ol[i : i + 500]))):
            if gid:
                old_group[aid] = gid
    old_members: dict[str, list[str]] = {}
    gids = sorted(set(old_group.values()))
    for i in range(0, len(gids), 500):
        for gid, members in conn.execute(select(inc_origins.c.id, inc_origins.c.members)
                                         .where(inc_origins.c.id.in_(gids[i : i + 500]))):
            old_members[gid] = json.loads(members)
    everyone = set(new_ids) | {m for ms in old_members.values() for m in ms} | linked_old
    uf = _UnionFind(sorted(everyone))
    for ms in old_members.values():
        for m in ms[1:]:
            uf.union(ms[0], m)
    for x, y in pairs:
        uf.union(x, y)
    if pairs:
        conn.execute(insert(inc_origin_pairs), [
            {"a": x, "b": y, "reason": reason} for (x, y), reason in sorted(pairs.items())])
    groups: dict[str, list[str]] = defaultdict(list)
    for aid in sorted(everyone):
        groups[uf.find(aid)].append(aid)
    out = []
    for members in groups.values():
        members.sort()
        if len(members) == 1:
            credits = credits_of(members[0]) if members[0] in profiles else ()
            basis = f"single article; credit: {', '.join(credits)}" if credits else "single article"
        else:
            reasons: set[str] = set()
            for i in range(0, len(members), 500):
                chunk = members[i : i + 500]
                reasons.update(conn.execute(
                    select(inc_origin_pairs.c.reason).where(inc_origin_pairs.c.a.in_(chunk))
                ).scalars())
            basis = "; ".join(sorted(reasons))
        digest = hashlib.sha1("|".join(members).encode()).hexdigest()[:12]
        out.append(OriginGroup(id=f"o-{digest}", article_ids=tuple(members), basis=basis))
    removed = set(old_members) - {g.id for g in out}
    origin_of = {aid: g.id for g in out for aid in g.article_ids}

    # store this batch's signatures, bands and items
    rows_of = {
        inc_minhash: [
            {"article_id": aid, "hashvalues": json.dumps([int(v) for v in p.minhash.hashvalues]),
             "credits": json.dumps(list(p.credits)),
             "item_keys": json.dumps({k: sorted(v) for k, v in sorted(p.items.items())})}
            for aid, p in profiles.items()],
        inc_lsh: [{"band": k, "article_id": aid}
                  for aid, keys in bands.items() for k in sorted(set(keys))],
        inc_items: [{"item": k, "article_id": aid} for k, aids in sorted(new_items.items())
                    for aid in sorted(aids)],
    }
    for table, rows in rows_of.items():
        if rows:  # an empty list would insert one row of NULLs
            conn.execute(insert(table), rows)
    if removed:
        rl = sorted(removed)
        for i in range(0, len(rl), 500):
            conn.execute(inc_origins.delete().where(inc_origins.c.id.in_(rl[i : i + 500])))
    existing = set()
    ids = sorted(g.id for g in out)
    for i in range(0, len(ids), 500):
        existing.update(conn.execute(select(inc_origins.c.id)
                                     .where(inc_origins.c.id.in_(ids[i : i + 500]))).scalars())
    fresh = [{"id": g.id, "members": json.dumps(list(g.article_ids)), "basis": g.basis}
             for g in out if g.id not in existing]
    if fresh:
        conn.execute(insert(inc_origins), fresh)
    changed = [g for g in out if g.id not in existing]
    return changed, removed, {aid: gid for aid, gid in origin_of.items()
                              if old_group.get(aid) != gid}
