"""Resolve stage: mentions merged into entities across articles and spellings; places geocoded.

Mentions fall into pools (places, people, organisations, everything else by label);
within a pool they are merged by the rules of :mod:`newsledger.resolve.names` and, for
places, by the GeoNames id the context-aware geocoder gives them. Entity ids hash the
pool and a canonical key, so one run's ids do not depend on input order (the
incremental ledger keeps a stored entity's id when that key changes:
:func:`newsledger.resolve.incremental.keep_ids`).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from newsledger.lemmas import is_cyrillic
from newsledger.model import Annotations, Article, Entity, EntityMention, Resolution
from newsledger.resolve.keys import norm, skeleton
from newsledger.resolve.names import (
    PersonName,
    acronym_forms,
    acronym_key,
    acronym_near_miss,
    bag_bucket,
    bag_relation,
    clean_name,
    defined_acronyms,
    first_names_agree,
    informative,
    is_acronym,
    is_country_word,
    org_key,
    org_words,
    person_name,
    same_surname,
    word_stem,
)

PLACE_LABELS = ("GPE", "LOC", "FAC")
ORG_LABELS = ("ARMED_GROUP", "ORG")
__all__ = ["resolve_entities"]


@dataclass(frozen=True)
class _M:
    article_id: str
    start: int
    end: int
    text: str
    label: str

    def out(self) -> EntityMention:
        return EntityMention(self.article_id, self.start, self.end, self.text)


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            out[self.find(i)].append(i)
        return list(out.values())


def _entity_id(pool: str, key: str) -> str:
    return "e-" + hashlib.sha1(f"{pool}|{key}".encode()).hexdigest()[:10]


def _majority_label(ms: list[_M], order: Sequence[str]) -> str:
    counts = Counter(m.label for m in ms)
    return max(counts, key=lambda lab: (counts[lab], -order.index(lab) if lab in order else -99))


def pool_of(label: str) -> str:
    """The pool a tagger label starts in."""
    if label in PLACE_LABELS:
        return "PLACE"
    if label == "PERSON":
        return "PERSON"
    if label in ORG_LABELS:
        return "ORG"
    return label


def initial_pools(annotations: Mapping[str, Annotations]) -> dict[str, list[_M]]:
    pools: dict[str, list[_M]] = defaultdict(list)
    for article_id in sorted(annotations):
        for m in annotations[article_id].mentions:
            pools[pool_of(m.label)].append(_M(article_id, m.start, m.end, m.text, m.label))
    return pools


def resolve_entities(
    articles: Sequence[Article], annotations: Mapping[str, Annotations]
) -> Resolution:
    texts = {a.id: a.text for a in articles}
    pools = initial_pools(annotations)
    _surnames_to_people(pools)
    _places_by_frame(pools, texts)
    for ms in pools.values():
        ms.sort(key=lambda m: (m.article_id, m.start, m.end, m.label))
    entities: list[Entity] = []
    entities += _places(pools.pop("PLACE", []), texts, pools.get("NORP", []))
    entities += _people(pools.pop("PERSON", []))
    entities += _orgs(pools.pop("ORG", []), texts)
    for label in sorted(pools):
        entities += _by_skeleton(label, pools[label])
    merged: dict[str, Entity] = {}
    for e in entities:
        merged[e.id] = _merge(merged[e.id], e) if e.id in merged else e
    return Resolution(tuple(sorted(merged.values(), key=lambda e: e.id)))


def _surnames_to_people(
    pools: dict[str, list[_M]], known: Mapping[str, set[str]] | None = None
) -> None:
    """A one-word ORG mention that is the surname of a person named in full (in the same
    article, or of one person only across all) is that person, mislabelled by the tagger.

    ``known``: surname -> first given names (skeletons) of full names in articles outside
    ``pools`` (the stored ledger, when a run resolves only its new articles)."""
    full = defaultdict(set)
    people: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for surname, initials in (known or {}).items():
        people[surname].update((first,) for first in initials)
    for m in pools.get("PERSON", []):
        n = person_name(m.text)
        if n is not None and n.full:
            full[m.article_id].add(n.surname)
            people[n.surname].add(n.first[:1])
    if not full and not people:
        return
    keep = []
    for m in pools.get("ORG", []):
        key = skeleton(m.text)
        if (" " not in m.text.strip() and not is_acronym(m.text)
                and (key in full.get(m.article_id, ()) or len(people.get(key, ())) == 1)):
            pools["PERSON"].append(_M(m.article_id, m.start, m.end, m.text, "PERSON"))
        else:
            keep.append(m)
    pools["ORG"] = keep


# "the village of X", "the cities of X and Y", "X (Y region)": what X is, whatever its tag.
_SETTLEMENT_BEFORE = re.compile(
    r"\b(?:cit(?:y|ies)|towns?|villages?|settlements?|hamlets?)\s+of\s+"
    r"(?:[A-Z][\w'’-]+(?:\s*,\s*|\s+and\s+))*$")
_REGION_AFTER = re.compile(r"^\s*\([^()]{2,40}\b(?:region|oblast|province|district)\)", re.I)


def _places_by_frame(
    pools: dict[str, list[_M]], texts: Mapping[str, str], known_given: Iterable[str] = ()
) -> None:
    """A one-word ORG or PERSON mention that the text frames as a settlement is a place
    the tagger mislabelled; so is the bare name of a country, region or big town no person
    of the corpus bears ("the Kiev regime", tagged PERSON)."""
    given: set[str] = set(known_given)
    for m in pools.get("PERSON", []):
        n = person_name(m.text)
        if n is not None and n.full:
            given.update((*n.first, n.surname))
    for pool in ("ORG", "PERSON"):
        keep = []
        for m in pools.get(pool, []):
            doc = texts.get(m.article_id, "")
            word = m.text.strip()
            framed = (" " not in word and not is_acronym(word) and word[:1].isupper() and (
                _SETTLEMENT_BEFORE.search(doc[max(0, m.start - 80) : m.start])
                or _REGION_AFTER.match(doc[m.end : m.end + 45])
                or (m.label != "ARMED_GROUP" and skeleton(word) not in given
                    and _names_big_place(word))))
            if framed:
                pools["PLACE"].append(_M(m.article_id, m.start, m.end, m.text, "GPE"))
            else:
                keep.append(m)
        pools[pool] = keep


def _names_big_place(word: str) -> bool:
    from newsledger.resolve.geocode import big_place_named

    return big_place_named(word)


def _merge(a: Entity, b: Entity) -> Entity:
    mentions = tuple(sorted(set(a.mentions) | set(b.mentions),
                            key=lambda m: (m.article_id, m.start, m.end)))
    aliases = tuple(sorted(set(a.aliases) | set(b.aliases)))
    return Entity(a.id, a.type, a.name, aliases, mentions, a.geonames_id, a.lat, a.lon,
                  a.admin1, a.country, a.feature, a.unresolved or b.unresolved)


def _entity(pool: str, key: str, label: str, name: str, ms: list[_M], **geo: object) -> Entity:
    mentions = tuple(sorted({m.out() for m in ms}, key=lambda m: (m.article_id, m.start, m.end)))
    aliases = tuple(sorted({m.text for m in ms}))
    return Entity(_entity_id(pool, key), label, name, aliases, mentions, **geo)  # type: ignore[arg-type]


def _most_frequent(ms: list[_M]) -> str:
    """The commonest form; a Latin-script one over Cyrillic, for a ledger read in English."""
    counts = Counter(m.text for m in ms)
    return max(sorted(counts), key=lambda t: (not is_cyrillic(t), counts[t], len(t)))


# --------------------------------------------------------------------------- places


def _places(ms: list[_M], texts: Mapping[str, str], context: Sequence[_M] = ()
            ) -> list[Entity]:
    """Geocode per article; nationality mentions ("Ukrainian drones") join the context."""
    if not ms:
        return []
    keyed, geo = place_keys(ms, texts, context)
    groups: dict[str, list[_M]] = defaultdict(list)
    shown: dict[str, list[str]] = defaultdict(list)
    for m, key, display in keyed:
        groups[key].append(m)
        shown[key].append(display)
    out = []
    for key, items in groups.items():
        label = _majority_label(items, PLACE_LABELS)
        counts = Counter(shown[key])
        name = max(sorted(counts), key=lambda t: (counts[t], len(t)))
        out.append(_entity("PLACE", key, label, name, items, **geo.get(key, {})))
    return out


def place_keys(ms: Sequence[_M], texts: Mapping[str, str], context: Sequence[_M] = ()
               ) -> tuple[list[tuple[_M, str, str]], dict[str, dict[str, object]]]:
    """(mention, place key, display form) per place mention, geocoded article by article,
    and the gazetteer fields of every geocoded key. A mention's key depends only on its
    own article, so a run can key its new articles' places alone."""
    from newsledger.resolve.gazetteer import open_gazetteer
    from newsledger.resolve.geocode import (
        Toponym,
        display_name,
        geocode_detailed,
        names_other_thing,
        toponym_key,
    )

    if not ms:
        return [], {}
    try:
        gaz = open_gazetteer()
    except Exception as exc:  # a broken index must not stop the pipeline
        print(f"newsledger: gazetteer unavailable ({exc}); places left ungeocoded", file=sys.stderr)
        gaz = None
    by_article: dict[str, list[_M]] = defaultdict(list)
    for m in ms:
        by_article[m.article_id].append(m)
    keyed: list[tuple[_M, str, str]] = []
    geo: dict[str, dict[str, object]] = {}
    extra: dict[str, list[Toponym]] = defaultdict(list)
    reasons: dict[str, str] = {}  # unresolved place key -> why (geocode_detailed)
    for m in context:
        extra[m.article_id].append(Toponym(m.start, m.end, m.text))
    for article_id, items in by_article.items():
        doc = texts.get(article_id, "")
        tops = [Toponym(m.start, m.end, m.text) for m in items]
        found = (geocode_detailed(gaz, doc, tops + extra.get(article_id, []))[: len(tops)]
                 if gaz is not None else [None] * len(tops))
        for m, t, resolved in zip(items, tops, found, strict=True):
            place = resolved.place if resolved is not None else None
            if resolved is not None and resolved.reason:
                reasons.setdefault("pl:" + skeleton(toponym_key(t, doc)), resolved.reason)
            if place is not None and names_other_thing(m.text, place):
                place = None  # "the Dnipro River" is not the city Dnipro
            if place is not None:
                key = f"gn:{place.geonames_id}"
                geo[key] = {"geonames_id": place.geonames_id, "lat": round(place.lat, 5),
                            "lon": round(place.lon, 5),
                            "admin1": gaz.admin1_names.get(place.admin1),
                            "country": place.country, "feature": place.feature}
            else:
                key = "pl:" + skeleton(toponym_key(t, doc))
            keyed.append((m, key, display_name(t, doc)))
    for key, reason in reasons.items():
        if key not in geo:
            geo[key] = {"unresolved": reason}
    return keyed, geo


# --------------------------------------------------------------------------- people


def _people(ms: list[_M]) -> list[Entity]:
    names = [person_name(m.text) for m in ms]
    uf = _Union(len(ms))
    full = [i for i, n in enumerate(names) if n is not None and n.full]
    # Same surnames share their first letter, so candidates are looked up by that letter.
    reps: dict[str, list[int]] = defaultdict(list)  # one full-name mention per cluster so far
    for i in full:
        n = names[i]
        match = next((r for r in reps[n.surname[:1]] if same_surname(n.surname, names[r].surname)
                      and first_names_agree(n.first, names[r].first)), None)
        if match is None:
            reps[n.surname[:1]].append(i)
        else:
            uf.union(match, i)
    full_by_initial: dict[str, list[int]] = defaultdict(list)
    full_by_article: dict[str, list[int]] = defaultdict(list)
    for r in full:
        full_by_initial[names[r].surname[:1]].append(r)
        full_by_article[ms[r].article_id].append(r)
    # The groups of full names are settled: below, only a lone surname joins one of them.
    # So each group is named once by a member, and the groups a surname may mean (in an
    # article, anywhere) are counted once per surname, not once per mention.
    group = {r: uf.find(r) for r in full}
    kin: dict[str, dict[str, set[int]]] = {}  # surname -> article -> groups it may mean
    kin_any: dict[str, set[int]] = {}  # surname -> the groups it may mean anywhere
    for i, n in enumerate(names):
        if n is None or n.full:
            continue
        if n.surname not in kin:
            matching = [r for r in full_by_initial.get(n.surname[:1], [])
                        if same_surname(names[r].surname, n.surname)]
            by_article: dict[str, set[int]] = defaultdict(set)
            for r in matching:
                by_article[ms[r].article_id].add(group[r])
            kin[n.surname] = by_article
            kin_any[n.surname] = {group[r] for r in matching}
        here = kin[n.surname].get(ms[i].article_id, set())
        anywhere = kin_any[n.surname]
        target = here if len(here) == 1 else (anywhere if len(anywhere) == 1 else set())
        if not anywhere:  # "(Vladimir) Putin": a given name alone, of one person here
            target = {group[r] for r in full_by_article.get(ms[i].article_id, [])
                      if names[r].first[:1] == (n.surname,)}
        if len(target) == 1:
            uf.union(next(iter(target)), i)
    lone: dict[str, int] = {}
    sizes = Counter(uf.find(i) for i in range(len(ms)))
    for i, n in enumerate(names):  # surname-only mentions nobody claimed: one per spelling
        if n is not None and not n.full and sizes[uf.find(i)] == 1:
            if n.surname in lone:
                uf.union(lone[n.surname], i)
            else:
                lone[n.surname] = i
    out = []
    for group in uf.groups():
        items = [ms[i] for i in group]
        seen = Counter(m.text for m in items)  # once per group, not once per member
        best = max(group, key=lambda i: (
            len(names[i].first) if names[i] else -1, not is_cyrillic(ms[i].text),
            seen[ms[i].text],
            -len(ms[i].text), ms[i].text))
        n: PersonName | None = names[best]
        key = f"{n.surname}|{n.first[0][:1] if n and n.first else ''}" if n else norm(ms[best].text)
        name = _strip_titles(ms[best].text)
        out.append(_entity("PERSON", key, "PERSON", name, items))
    return out


def _strip_titles(text: str) -> str:
    from newsledger.resolve.names import TITLES

    words = re.sub(r"['’]s$", "", text.strip()).split()
    titled = [i for i, w in enumerate(words[:-1]) if norm(w) in TITLES]
    return " ".join(words[titled[-1] + 1 :] if titled else words)


# --------------------------------------------------------------------------- organisations


def _orgs(ms: list[_M], texts: Mapping[str, str],
          definitions: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> list[Entity]:
    """``definitions``: "Long Name (ACR)" pairs per article, when its text is not at hand."""
    if not ms:
        return []
    uf = _Union(len(ms))
    acr = [is_acronym(m.text) for m in ms]
    words = [org_words(m.text) for m in ms]
    by_bag: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(ms):
        if not acr[i] and words[i]:
            by_bag[org_key(m.text)].append(i)
    for idx in by_bag.values():
        for j in idx[1:]:
            uf.union(idx[0], j)
    bag_words = {k: words[idx[0]] for k, idx in by_bag.items()}
    buckets: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for k, ws in bag_words.items():
        buckets[bag_bucket(ws)].append(k)
    for keys in buckets.values():  # "Siberian Battalion" / "Siberia Battalion"
        for x, y in itertools.combinations(keys, 2):
            if bag_relation(bag_words[x], bag_words[y]) == "equal":
                uf.union(by_bag[x][0], by_bag[y][0])
    # A shorter name that differs from exactly one longer one only by country words.
    # Only longer bags with a word matching ws[0] can be a "sub" superset.
    by_stem = _bags_by_stem(bag_words)
    for key, ws in bag_words.items():
        supers = [k for k in by_stem[word_stem(ws[0])]
                  if len(bag_words[k]) > len(ws) and bag_relation(ws, bag_words[k]) == "sub"]
        roots = {uf.find(by_bag[k][0]) for k in supers}
        if len(roots) != 1:
            continue
        if len(ws) == 1:  # a bare head noun: only within an article the longer form is in
            arts = {ms[i].article_id for k in supers for i in by_bag[k]}
            if not all(ms[i].article_id in arts for i in by_bag[key]):
                continue
        uf.union(roots.pop(), by_bag[key][0])
    # Acronyms: defined in the text ("Long Name (ACR)"), else the initials of one long form.
    defined: dict[str, set[int]] = defaultdict(set)
    targets: dict[str, list[str]] = {}  # long form -> the bags it names (once per form)
    for article_id in sorted({m.article_id for m in ms}):
        found = (definitions.get(article_id, ()) if definitions is not None
                 else defined_acronyms(texts.get(article_id, "")))
        for long_form, short in found:
            if long_form not in targets:
                targets[long_form] = _defined_targets(long_form, bag_words, by_stem)
            for k in targets[long_form]:
                defined[acronym_key(short)].add(uf.find(by_bag[k][0]))
    initials: dict[str, set[int]] = defaultdict(set)
    for i, m in enumerate(ms):
        if not acr[i]:
            for form in acronym_forms(m.text):
                initials[form].add(uf.find(i))
    # A near miss needs one content word per acronym letter: index long forms by that count.
    content_len: dict[int, list[int]] = defaultdict(list)
    for j in range(len(ms)):
        if not acr[j]:
            content_len[sum(not is_country_word(w) for w in words[j])].append(j)
    acr_groups: dict[str, int] = {}
    for i, m in enumerate(ms):
        if not acr[i]:
            continue
        k = acronym_key(m.text)
        roots = {uf.find(r) for r in defined.get(k, set())}
        if len(roots) != 1:
            roots = {uf.find(r) for r in initials.get(k, set())}
        if not roots:
            roots = {uf.find(j) for j in content_len.get(len(k), [])
                     if acronym_near_miss(m.text, ms[j].text)}
        if len(roots) == 1:
            uf.union(roots.pop(), i)
        elif k in acr_groups:
            uf.union(acr_groups[k], i)
        else:
            acr_groups[k] = i
    out = []
    for group in uf.groups():
        items = [ms[i] for i in group]
        long_forms = [ms[i].text for i in group if not acr[i]]
        name = clean_name(informative(long_forms) if long_forms else _most_frequent(items))
        key = org_key(name) if long_forms else "acr:" + acronym_key(name)
        out.append(_entity("ORG", key, _majority_label(items, ORG_LABELS), name, items))
    return out


def _bags_by_stem(bag_words: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Bags by the :func:`word_stem` of each of their words: only the bags under one of a
    bag's stems can be equal to it, inside it or around it."""
    index: dict[str, list[str]] = defaultdict(list)
    for k, ws in bag_words.items():
        for stem in dict.fromkeys(word_stem(w) for w in ws):
            index[stem].append(k)
    return index


def _defined_targets(long_form: str, bag_words: Mapping[str, tuple[str, ...]],
                     by_stem: Mapping[str, list[str]]) -> list[str]:
    """Bags a "Long Name (ACR)" definition names, best evidence first: the same bag, else
    one differing by country words, else the bag of the definition's last words (a
    definition caught with a leading word too many). A bag that merely shares some of the
    words ("Polish volunteers" for "Polish Volunteer Legion") is another group.
    Only bags sharing a word's stem with the definition are compared (``by_stem``, from
    :func:`_bags_by_stem`): comparing it with every bag made a large batch quadratic."""
    key, words = org_key(long_form), org_words(long_form)
    if key in bag_words:
        return [key]
    nearby = (dict.fromkeys(k for w in words for k in by_stem.get(word_stem(w), ()))
              if words else bag_words)
    near = [k for k in nearby if bag_relation(words, bag_words[k]) in ("sub", "super")]
    if near:
        return near
    tails = {" ".join(sorted(words[i:])) for i in range(1, len(words) - 1)}
    return [k for k in sorted(tails) if k in bag_words]


# --------------------------------------------------------------------------- the rest


def _by_skeleton(label: str, ms: list[_M]) -> list[Entity]:
    groups: dict[str, list[_M]] = defaultdict(list)
    for m in ms:
        groups[skeleton(m.text) or m.text].append(m)
    return [_entity(label, key, label, _most_frequent(items), items)
            for key, items in groups.items()]
