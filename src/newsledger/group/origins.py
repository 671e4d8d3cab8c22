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
