"""Resolve only a batch of new articles against the entities the store holds.

The rules are those of :func:`newsledger.resolve.resolve_entities`; what changes is
which mentions they see:

- places and the pools keyed by a name skeleton (NORP, EVENT, ...): a mention's
  entity is a function of the mention and its own article (the geocoded id, the
  skeleton), so new mentions are keyed alone and the entity's name, label and
  aliases are recounted by the database over its stored mentions;
- people and organisations: the new mentions' blocking keys (surname skeleton and its
  phonetic form; word bag, its bucket, its words, acronym initials) find the stored
  entities they may co-refer with, and the rules run again over the new mentions plus
  every mention of those entities. An entity whose mentions all move to another id is
  recorded as merged into it.

The global facts the pool rules read (which surnames belong to full names, every
given name) are kept as tables and grow with each batch. A stored mention keeps the
pool it was given when its article was resolved (see docs/scale.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, delete, func, insert, select, update

from newsledger.model import Annotations, Article, Entity, EntityMention, Resolution
from newsledger.reconcile.lexicon import nation_of
from newsledger.resolve import (
    _M,
    ORG_LABELS,
    PLACE_LABELS,
    _entity_id,
    _majority_label,
    _orgs,
    _people,
    _places_by_frame,
    _surnames_to_people,
    initial_pools,
    place_keys,
)
from newsledger.resolve.keys import phonetic, skeleton
from newsledger.resolve.names import (
    STEM_LETTERS,
    acronym_forms,
    acronym_key,
    bag_bucket,
    defined_acronyms,
    is_acronym,
    is_country_word,
    org_key,
    org_words,
    person_name,
    word_stem,
)
from newsledger.store.state import (
    inc_acronyms,
    inc_entities,
    inc_given,
    inc_keys,
    inc_mentions,
    inc_people,
)

_CHUNK = 500
NATION_TYPES = frozenset({"ORG", "GOV", "ARMED_GROUP", "PERSON"})
BLOCK_POOLS = ("PERSON", "ORG")
DERIVED_KEY = "dk:"  # inc_keys: the id the rules derive for an entity now (see keep_ids)


@dataclass
class ResolveDelta:
    """What a batch changed: entity headers written, ids gone, merges, articles to redo."""

    changed: dict[str, Entity] = field(default_factory=dict)  # id -> header, new or changed
    removed: set[str] = field(default_factory=set)
    merges: dict[str, str] = field(default_factory=dict)
    dirty_articles: set[str] = field(default_factory=set)  # old articles whose view changed
    moved: list[tuple[str, str, EntityMention]] = field(default_factory=list)  # old, new, m
    redone: set[str] = field(default_factory=set)  # old articles resolved again whole
    added: list[tuple[str, EntityMention]] = field(default_factory=list)  # the batch's mentions

    @property
    def moved_articles(self) -> set[str]:
        """Stored articles a mention of which now belongs to another entity."""
        return {m.article_id for _, _, m in self.moved} | self.redone


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _nation_before(text: str, start: int) -> str | None:
    """The nation a capitalised word right before a mention names (see context_nations)."""
    before = text[max(0, start - 40) : start]
    words = re.findall(r"[A-Za-z][\w-]*", before.split(".")[-1].split(",")[-1])[-3:]
    capitals = [w for w in words if w[:1].isupper()]
    return nation_of(capitals[-1]) if capitals else None


def person_keys(text: str) -> set[str]:
    n = person_name(text)
    if n is None:
        return {"pn:" + text}
    keys = {"sn:" + n.surname}
    if len(n.surname) >= 6:  # same_surname's fuzzy matches share the consonant skeleton
        keys.add("sp:" + phonetic(n.surname))
    return keys


def org_keys(text: str) -> set[str]:
    """Keys under which two organisation mentions the rules may join meet."""
    if is_acronym(text):
        k = acronym_key(text)
        return {"ac:" + k, "nm:" + k[:-1] + f"/{len(k)}"}
    words = org_words(text)
    keys = {"bag:" + org_key(text)}
    if words:
        keys.add("bk:" + "|".join(bag_bucket(words)))
        keys.add("w:" + words[0])
        if len(words[0]) >= STEM_LETTERS:
            keys.add("w:" + word_stem(words[0]))
        if any(is_country_word(w) for w in words):
            keys.update("w:" + w for w in words)
            keys.update("w:" + word_stem(w) for w in words if len(w) >= STEM_LETTERS)
        content = [w for w in words if not is_country_word(w)]
        if len(content) >= 3:
            initials = "".join(w[0] for w in content)
            keys.add("nm:" + initials[:-1] + f"/{len(initials)}")
    keys.update("ac:" + f for f in acronym_forms(text))
    return keys


def _keys(pool: str, text: str) -> set[str]:
    return person_keys(text) if pool == "PERSON" else org_keys(text)


@dataclass(frozen=True)
class _Row:
    id: int | None
    m: _M
    pool: str
    pkey: str | None
    shown: str
    nation: str | None
    entity_id: str


def _load_rows(conn: Connection, where) -> list[_Row]:
    c = inc_mentions.c
    out = []
    for r in conn.execute(
        select(c.id, c.article_id, c.start, c.end, c.text, c.label, c.pool, c.pkey, c.shown,
               c.nation, c.entity_id).where(where)
    ):
        out.append(_Row(r.id, _M(r.article_id, r.start, r.end, r.text, r.label), r.pool, r.pkey,
                        r.shown, r.nation, r.entity_id))
    return out


def _known_people(conn: Connection, surnames: Iterable[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(set(surnames))):
        for surname, first in conn.execute(
            select(inc_people.c.surname, inc_people.c.initial).where(
                inc_people.c.surname.in_(chunk))
        ):
            out[surname].add(first)
    return out


def _known_given(conn: Connection, tokens: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(sorted(set(tokens))):
        out.update(conn.execute(select(inc_given.c.token).where(inc_given.c.token.in_(chunk)))
                   .scalars())
    return out


def _signature(e: Entity, nation: str | None, pool: str) -> str:
    """What reconciliation reads of an entity besides its mentions: a change re-dirties the
    events that name it. Of its aliases only the nation they name counts, so "police"
    gaining a spelling does not re-reconcile every event the police speak in (claimants
    are also compared by alias: see docs/scale.md); of a person's or organisation's name
    only what reconciliation decides from it (:func:`name_traits`), so a longer name
    arriving does not re-reconcile every event naming the entity either; of a place's
    name and tag likewise (:func:`place_traits`: "Ridge Road" outnumbering "Pleasant
    Ridge Road", or GPE outnumbering LOC, changes what is shown, not what is decided)."""
    from newsledger.reconcile.claims import entity_nation
    from newsledger.reconcile.events import name_traits, place_traits

    aliases = entity_nation(e)
    if pool == "PLACE":
        head: list[object] = [place_traits(e)]
    elif pool in BLOCK_POOLS:
        head = [e.type, name_traits(e)]
    else:
        head = [e.type, e.name]
    return json.dumps([*head, aliases, e.geonames_id, e.lat, e.lon, e.admin1,
                       e.country, e.feature, nation], ensure_ascii=False)


def _resigned(stored: tuple[str, str], pool: str) -> str:
    """The stored entity's signature by today's rules (a ledger written by an earlier
    version kept a longer one: its next run must not re-dirty everything for that)."""
    from newsledger.codec import loads

    record, sig = stored
    return _signature(loads(Entity, record), json.loads(sig)[-1], pool)


def _word(text: str) -> str:
    return skeleton(text) if " " not in text.strip() else ""


def _assign_pools(
    conn: Connection, texts: Mapping[str, str], annotations: Mapping[str, Annotations],
    extra_people: set[tuple[str, str]] = frozenset(), extra_given: set[str] = frozenset(),
) -> dict[str, list[_M]]:
    """The pools of these articles' mentions, with the stored global facts."""
    pools = initial_pools(annotations)
    words = {_word(m.text) for ms in pools.values() for m in ms} - {""}
    known = _known_people(conn, words)
    for surname, first in extra_people:
        if surname in words:
            known[surname].add(first)
    given = _known_given(conn, words) | (extra_given & words)
    _surnames_to_people(pools, known)
    _places_by_frame(pools, texts, given)
    return pools


def _repool_candidates(conn: Connection, people: set[tuple[str, str]], given: set[str]
                       ) -> Iterable[object]:
    """WHERE clauses of the stored mentions the batch's new facts may put in another pool.

    A one-word organisation mention is a person's surname when exactly one person bears
    it (``_surnames_to_people``): only a surname for which that count crosses one can
    move those mentions. A person's or organisation's mention taken for a big place
    (``_places_by_frame``) stops being one when its word becomes a known given name: only
    such mentions, now in the place pool, can move for a new given name. Any other
    stored mention keeps its pool whatever the batch adds.
    """
    initials: dict[str, set[str]] = defaultdict(set)
    for surname, first in people:
        initials[surname].add(first)
    known = _known_people(conn, initials)
    flips = sorted(s for s, fs in initials.items()
                   if (len(known.get(s, set())) == 1) != (len(known.get(s, set()) | fs) == 1))
    new_given = sorted(given - _known_given(conn, given))
    c = inc_mentions.c
    for chunk in _chunks(flips):
        yield c.word.in_(chunk) & c.label.in_(ORG_LABELS)
    for chunk in _chunks(new_given):
        yield c.word.in_(chunk) & (c.pool == "PLACE") & c.label.in_(["PERSON", *ORG_LABELS])


def _full_names(annotations: Mapping[str, Annotations]) -> tuple[set[tuple[str, str]], set[str]]:
    people: set[tuple[str, str]] = set()
    given: set[str] = set()
    for ann in annotations.values():
        for m in ann.mentions:
            if m.label != "PERSON":
                continue
            n = person_name(m.text)
            if n is not None and n.full:
                given.update((*n.first, n.surname))
                people.add((n.surname, n.first[0]))
    return people, given


def resolve_batch(
    conn: Connection, articles: Sequence[Article], annotations: Mapping[str, Annotations],
    load: Callable[[Sequence[str]], tuple[list[Article], dict[str, Annotations]]] | None = None,
) -> ResolveDelta:
    """Fold the mentions of ``articles`` (new to the store) into the stored entities.

    ``load(ids)``: stored articles and their annotations, for stored articles whose
    mentions the batch's new facts put in another pool (a surname that now belongs to
    one full name, a word now known as a given name): those are resolved again whole.
    """
    from newsledger.codec import dumps, loads

    delta = ResolveDelta()
    new_ids = {a.id for a in articles}
    articles = list(articles)
    texts = {a.id: a.text for a in articles}
    batch_ann = {a.id: annotations[a.id] for a in articles if a.id in annotations}
    people_here, given_here = _full_names(batch_ann)
    orphans: dict[str, list[EntityMention]] = defaultdict(list)
    if load is not None:
        stored: dict[str, dict[tuple[int, int, str], str]] = defaultdict(dict)
        for chunk_where in _repool_candidates(conn, people_here, given_here):
            for r in _load_rows(conn, chunk_where):
                if r.m.article_id not in texts:
                    stored[r.m.article_id][(r.m.start, r.m.end, r.m.text)] = r.pool
        redo: set[str] = set()
        # a slice of stored articles at a time: a common surname is in thousands of them,
        # and their own full names are stored facts already, so slices decide alone
        for chunk in _chunks(sorted(stored), 200):
            old_articles, old_ann = load(chunk)
            old_texts = {a.id: a.text for a in old_articles}
            again = _assign_pools(conn, old_texts, old_ann, people_here, given_here)
            here = {m.article_id for pool, ms in again.items() for m in ms
                    if stored.get(m.article_id, {}).get((m.start, m.end, m.text), pool) != pool}
            redo |= here
            for a in old_articles:
                if a.id in here:
                    articles.append(a)
                    texts[a.id] = a.text
                    batch_ann[a.id] = old_ann[a.id]
        if redo:
            for chunk in _chunks(sorted(redo)):
                for r in _load_rows(conn, inc_mentions.c.article_id.in_(chunk)):
                    orphans[r.entity_id].append(r.m.out())
                conn.execute(delete(inc_mentions).where(inc_mentions.c.article_id.in_(chunk)))
                conn.execute(delete(inc_acronyms).where(inc_acronyms.c.article_id.in_(chunk)))
            delta.redone = redo
    pools = _assign_pools(conn, texts, batch_ann, people_here, given_here)

    rows: list[_Row] = []
    keyed, geo = place_keys(pools.pop("PLACE", []), texts, pools.get("NORP", []))
    for m, key, shown in keyed:
        rows.append(_Row(None, m, "PLACE", key, shown, None, _entity_id("PLACE", key)))
    block_new: dict[str, list[_M]] = {p: pools.pop(p, []) for p in BLOCK_POOLS}
    for label in sorted(pools):
        for m in pools[label]:
            key = skeleton(m.text) or m.text
            rows.append(_Row(None, m, label, None, m.text, None, _entity_id(label, key)))

    # people and organisations: re-run the rules over the new mentions and their block
    block_entities: dict[str, tuple[str, Entity]] = {}
    derived: dict[str, str] = {}  # kept id -> the id the rules derive for it now
    moved: dict[int, str] = {}  # stored mention row -> its new entity
    definitions = {aid: defined_acronyms(text) for aid, text in texts.items()}
    for pool in BLOCK_POOLS:
        new_ms = block_new[pool]
        if not new_ms and not _of_pool(conn, set(orphans), pool):
            continue
        keys = set().union(set(), *(_keys(pool, m.text) for m in new_ms))
        for long_form, short in (d for ds in definitions.values() for d in ds):
            if pool == "ORG":
                keys |= org_keys(long_form) | {"ac:" + acronym_key(short)}
        ids: set[str] = set()
        for chunk in _chunks(sorted(keys)):
            ids.update(conn.execute(select(inc_keys.c.entity_id).where(inc_keys.c.key.in_(chunk)))
                       .scalars())
        ids = _of_pool(conn, ids | set(orphans), pool)
        for _ in range(3):  # an id the rules produce may belong to a stored entity outside
            old_rows: list[_Row] = []
            for chunk in _chunks(sorted(ids)):
                old_rows += _load_rows(conn, inc_mentions.c.entity_id.in_(chunk))
            ms = sorted([*new_ms, *(r.m for r in old_rows)],
                        key=lambda m: (m.article_id, m.start, m.end, m.label))
            if pool == "PERSON":
                found = _people(ms)
            else:
                defs = dict(definitions)
                old_articles = sorted({r.m.article_id for r in old_rows} - set(defs))
                for chunk in _chunks(old_articles):
                    for aid, long_form, short in conn.execute(
                        select(inc_acronyms.c.article_id, inc_acronyms.c.long_form,
                               inc_acronyms.c.short)
                        .where(inc_acronyms.c.article_id.in_(chunk))
                        .order_by(inc_acronyms.c.article_id, inc_acronyms.c.position)
                    ):
                        defs.setdefault(aid, []).append((long_form, short))
                found = _orgs(ms, {}, defs)
            merged: dict[str, Entity] = {}
            for e in found:
                merged[e.id] = _merge_entities(merged[e.id], e) if e.id in merged else e
            outside = _of_pool(conn, _derived_owners(conn, set(merged)), pool) - ids
            if not outside:
                break
            ids |= outside
        before = {(r.m.article_id, r.m.start, r.m.end, r.m.text): r.entity_id for r in old_rows}
        for old_id, ms in orphans.items():
            if old_id in ids:
                before.update(((m.article_id, m.start, m.end, m.text), old_id) for m in ms)
        kept = keep_ids(merged, before, ids)
        derived.update((kept[d], d) for d in merged)
        merged = {kept[d]: replace(e, id=kept[d]) for d, e in merged.items()}
        owner = {(mm.article_id, mm.start, mm.end, mm.text): e.id
                 for e in merged.values() for mm in e.mentions}
        for r in old_rows:
            new_id = owner[(r.m.article_id, r.m.start, r.m.end, r.m.text)]
            if new_id != r.entity_id:
                moved[r.id] = new_id
                delta.dirty_articles.add(r.m.article_id)
                delta.moved.append((r.entity_id, new_id, r.m.out()))
        went: dict[str, set[str]] = defaultdict(set)
        for r in old_rows:
            went[r.entity_id].add(owner[(r.m.article_id, r.m.start, r.m.end, r.m.text)])
        for old_id, targets in went.items():
            if old_id not in merged:
                delta.removed.add(old_id)
                if len(targets) == 1:
                    delta.merges[old_id] = next(iter(targets))
        for m in new_ms:
            eid = owner[(m.article_id, m.start, m.end, m.text)]
            rows.append(_Row(None, m, pool, None, m.text, None, eid))
        block_entities.update({eid: (pool, e) for eid, e in merged.items()})

    # nations named right before a mention (the per-mention part of context_nations)
    rows = [
        _Row(None, r.m, r.pool, r.pkey, r.shown, _nation_before(texts[r.m.article_id], r.m.start),
             r.entity_id)
        for r in rows
    ]
    if rows:
        conn.execute(insert(inc_mentions), [
            {"article_id": r.m.article_id, "start": r.m.start, "end": r.m.end, "text": r.m.text,
             "label": r.m.label, "pool": r.pool, "pkey": r.pkey, "shown": r.shown,
             "nation": r.nation, "entity_id": r.entity_id, "word": _word(r.m.text)}
            for r in rows])
    delta.added = [(r.entity_id, r.m.out()) for r in rows]
    by_target: dict[str, list[int]] = defaultdict(list)
    for row_id, eid in moved.items():
        by_target[eid].append(row_id)
    for eid, row_ids in by_target.items():
        for chunk in _chunks(row_ids):
            conn.execute(update(inc_mentions).where(inc_mentions.c.id.in_(chunk))
                         .values(entity_id=eid))
    acronym_rows = [{"article_id": aid, "position": i, "long_form": lf, "short": sh}
                    for aid, ds in definitions.items() for i, (lf, sh) in enumerate(ds)]
    if acronym_rows:
        conn.execute(insert(inc_acronyms), acronym_rows)
    _add_facts(conn, people_here, given_here)

    # entity headers: the block's from the rules, the keyed pools' recounted by the database
    # entities that lost the mentions of articles resolved again
    new_owner = {(m.article_id, m.start, m.end, m.text): eid for eid, m in delta.added}
    for old_id, ms in orphans.items():
        if old_id in block_entities or old_id in delta.removed:
            continue
        left = conn.execute(select(func.count()).select_from(inc_mentions)
                            .where(inc_mentions.c.entity_id == old_id)).scalar_one()
        targets = {new_owner.get((m.article_id, m.start, m.end, m.text)) for m in ms}
        if left == 0:
            delta.removed.add(old_id)
            if len(targets) == 1 and None not in targets and old_id not in targets:
                delta.merges[old_id] = targets.pop()
        for m in ms:
            target = new_owner.get((m.article_id, m.start, m.end, m.text))
            if target is not None and target != old_id:
                delta.moved.append((old_id, target, m))
    keyed_pool = {r.entity_id: r.pool for r in rows if r.pool not in BLOCK_POOLS}
    for old_id in orphans:
        if old_id not in delta.removed and old_id not in block_entities:
            pool = _of_any_pool(conn, old_id)
            if pool is not None and pool not in BLOCK_POOLS:
                keyed_pool[old_id] = pool
    headers: dict[str, tuple[str, Entity]] = {}
    for eid in sorted(keyed_pool):
        pool = keyed_pool[eid]
        headers[eid] = (pool, _count_header(conn, eid, pool, geo))
    for eid, (pool, e) in block_entities.items():
        headers[eid] = (pool, replace(e, mentions=()))
        conn.execute(delete(inc_keys).where(inc_keys.c.entity_id == eid))
        keys = set().union(*(_keys(pool, a) for a in e.aliases)) if e.aliases else set()
        keys.add(DERIVED_KEY + derived.get(eid, eid))
        if keys:
            conn.execute(insert(inc_keys), [{"key": k, "entity_id": eid}
                                            for k in sorted({k[:256] for k in keys})])
    for old_id in delta.removed:
        conn.execute(delete(inc_keys).where(inc_keys.c.entity_id == old_id))
        conn.execute(delete(inc_entities).where(inc_entities.c.id == old_id))
    stored: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(sorted(headers)):
        for eid, record, sig in conn.execute(
            select(inc_entities.c.id, inc_entities.c.record, inc_entities.c.signature)
            .where(inc_entities.c.id.in_(chunk))
        ):
            stored[eid] = (record, sig)
    nations = entity_nations(conn, headers)
    for eid, (pool, header) in headers.items():
        sig = _signature(header, nations.get(eid), pool)
        record = dumps(header)
        if stored.get(eid) == (record, sig):
            continue
        if eid in stored:
            conn.execute(update(inc_entities).where(inc_entities.c.id == eid)
                         .values(record=record, signature=sig, pool=pool))
            if stored[eid][1] != sig and _resigned(stored[eid], pool) != sig:
                delta.dirty_articles |= mentioned_in(conn, [eid])
        else:
            conn.execute(insert(inc_entities), {"id": eid, "pool": pool, "record": record,
                                                "signature": sig})
        delta.changed[eid] = loads(Entity, record)
    delta.dirty_articles |= delta.redone
    delta.dirty_articles -= new_ids
    return delta


def keep_ids(groups: Mapping[str, Entity], before: Mapping[tuple[str, int, int, str], str],
             stored: set[str]) -> dict[str, str]:
    """The id each group the rules found keeps: derived id -> id.

    Ids are stable: a stored entity keeps its id when the rules derive another for it (a
    longer name, a full name), so its mentions do not move and the events naming it stay
    clean. A stored id goes to the group holding most of its mentions (then the smallest
    derived id); a group that inherits several (a true merge) keeps the one with the most
    mentions, then the smallest; a group without one takes its derived id, or, when that
    id is a stored entity's that goes elsewhere, a fresh one hashed from it. ``before``:
    mention -> its stored entity; ``stored``: every stored id the groups may hold.
    """
    votes: dict[str, Counter[str]] = defaultdict(Counter)  # stored id -> derived -> mentions
    for d, e in groups.items():
        for m in e.mentions:
            s = before.get((m.article_id, m.start, m.end, m.text))
            if s is not None:
                votes[s][d] += 1
    heirs: dict[str, list[str]] = defaultdict(list)
    for s in sorted(votes):
        heirs[max(sorted(votes[s]), key=lambda d, s=s: votes[s][d])].append(s)
    out = {d: max(sorted(heirs[d]), key=lambda s: sum(votes[s].values()))
           for d in sorted(groups) if heirs.get(d)}
    used = set(out.values()) | stored
    for d in sorted(set(groups) - set(out)):
        cand, n = d, 1
        while cand in used:
            n += 1
            cand = "e-" + hashlib.sha1(f"{d}#{n}".encode()).hexdigest()[:10]
        out[d] = cand
        used.add(cand)
    return out


def _derived_owners(conn: Connection, derived: set[str]) -> set[str]:
    """Stored entities whose id, or whose derived id now, is one of these: a group the
    rules derive that id for is the same entity in a batch run, so it must be compared."""
    out: set[str] = set()
    for chunk in _chunks(sorted(derived)):
        out.update(conn.execute(select(inc_entities.c.id)
                                .where(inc_entities.c.id.in_(chunk))).scalars())
        out.update(conn.execute(select(inc_keys.c.entity_id).where(
            inc_keys.c.key.in_([DERIVED_KEY + d for d in chunk]))).scalars())
    return out


def _of_any_pool(conn: Connection, eid: str) -> str | None:
    return conn.execute(select(inc_entities.c.pool).where(inc_entities.c.id == eid)
                        ).scalar_one_or_none()


def _of_pool(conn: Connection, ids: set[str], pool: str) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(sorted(ids)):
        out.update(conn.execute(select(inc_entities.c.id).where(
            inc_entities.c.id.in_(chunk), inc_entities.c.pool == pool)).scalars())
    return out


def _merge_entities(a: Entity, b: Entity) -> Entity:
    from newsledger.resolve import _merge

    return _merge(a, b)


def _add_facts(conn: Connection, people: set[tuple[str, str]], given: set[str]) -> None:
    from newsledger.store.sql import insert_ignore

    insert_ignore(conn, inc_people, [{"surname": s, "initial": f} for s, f in sorted(people)])
    insert_ignore(conn, inc_given, [{"token": t} for t in sorted(given)])


def _count_header(conn: Connection, eid: str, pool: str, geo: Mapping[str, dict]) -> Entity:
    """A keyed entity's header recounted over all its stored mentions, as the batch rules
    would count them: the most frequent display form, the majority label, every alias."""
    c = inc_mentions.c
    where = c.entity_id == eid
    shown = Counter(dict(conn.execute(select(c.shown, func.count()).where(where)
                                      .group_by(c.shown)).all()))
    labels = Counter(dict(conn.execute(select(c.label, func.count()).where(where)
                                       .group_by(c.label)).all()))
    aliases = tuple(sorted(conn.execute(select(c.text).where(where).distinct()).scalars()))
    name = max(sorted(shown), key=lambda t: (shown[t], len(t)))
    fake = [_M("", 0, 0, "", lab) for lab, n in labels.items() for _ in range(n)]
    if pool == "PLACE":
        label = _majority_label(fake, PLACE_LABELS)
        pkey = conn.execute(select(c.pkey).where(where).limit(1)).scalar_one()
        fields = geo.get(pkey)
        if fields is None:
            old = conn.execute(select(inc_entities.c.record).where(inc_entities.c.id == eid)
                               ).scalar_one_or_none()
            if old is not None:
                from newsledger.codec import loads

                e = loads(Entity, old)
                fields = {"geonames_id": e.geonames_id, "lat": e.lat, "lon": e.lon,
                          "admin1": e.admin1, "country": e.country, "feature": e.feature}
        return Entity(eid, label, name, aliases, (), **(fields or {}))  # type: ignore[arg-type]
    label = _majority_label(fake, ORG_LABELS) if pool == "ORG" else pool
    return Entity(eid, label, name, aliases, ())


def entity_nations(conn: Connection, headers: Mapping[str, tuple[str, Entity]] | Iterable[str]
                   ) -> dict[str, str]:
    """context_nations for these entities, from the nations stored per mention."""
    ids = sorted(headers)
    found: dict[str, set[str]] = defaultdict(set)
    c = inc_mentions.c
    for chunk in _chunks(ids):
        for eid, nation in conn.execute(select(c.entity_id, c.nation).distinct()
                                        .where(c.entity_id.in_(chunk), c.nation.is_not(None))):
            found[eid].add(nation)
    types: dict[str, str] = {}
    if isinstance(headers, Mapping):
        types = {eid: h[1].type for eid, h in headers.items()}
    else:
        for chunk in _chunks(ids):
            for eid, record in conn.execute(select(inc_entities.c.id, inc_entities.c.record)
                                            .where(inc_entities.c.id.in_(chunk))):
                types[eid] = json.loads(record)["type"]
    return {eid: next(iter(n)) for eid, n in found.items()
            if len(n) == 1 and types.get(eid) in NATION_TYPES}


def mentioned_in(conn: Connection, entity_ids: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(sorted(entity_ids)):
        out.update(conn.execute(select(inc_mentions.c.article_id).distinct()
                                .where(inc_mentions.c.entity_id.in_(chunk))).scalars())
    return out


def local_resolution(conn: Connection, article_ids: Iterable[str]) -> Resolution:
    """Entities as they stand, holding only their mentions in these articles."""
    from newsledger.codec import loads

    mentions: dict[str, set[EntityMention]] = defaultdict(set)
    for chunk in _chunks(sorted(set(article_ids))):
        for r in conn.execute(select(inc_mentions.c.entity_id, inc_mentions.c.article_id,
                                     inc_mentions.c.start, inc_mentions.c.end,
                                     inc_mentions.c.text)
                              .where(inc_mentions.c.article_id.in_(chunk))):
            mentions[r.entity_id].add(EntityMention(r.article_id, r.start, r.end, r.text))
    out = []
    for chunk in _chunks(sorted(mentions)):
        for eid, record in conn.execute(select(inc_entities.c.id, inc_entities.c.record)
                                        .where(inc_entities.c.id.in_(chunk))):
            e = loads(Entity, record)
            ms = tuple(sorted(mentions[eid], key=lambda m: (m.article_id, m.start, m.end)))
            out.append(replace(e, mentions=ms))
    return Resolution(tuple(sorted(out, key=lambda e: e.id)))


def all_entities(conn: Connection) -> tuple[Entity, ...]:
    """Every entity with all its mentions (for the in-memory ledger of the report)."""
    from newsledger.codec import loads

    mentions: dict[str, set[EntityMention]] = defaultdict(set)
    for r in conn.execute(select(inc_mentions.c.entity_id, inc_mentions.c.article_id,
                                 inc_mentions.c.start, inc_mentions.c.end, inc_mentions.c.text)):
        mentions[r.entity_id].add(EntityMention(r.article_id, r.start, r.end, r.text))
    out = []
    for eid, record in conn.execute(select(inc_entities.c.id, inc_entities.c.record)):
        e = loads(Entity, record)
        ms = tuple(sorted(mentions.get(eid, ()), key=lambda m: (m.article_id, m.start, m.end)))
        out.append(replace(e, mentions=ms))
    return tuple(sorted(out, key=lambda e: e.id))


__all__ = ["ResolveDelta", "all_entities", "entity_nations", "local_resolution",
           "mentioned_in", "resolve_batch"]
