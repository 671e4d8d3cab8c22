"""Records that flow between the pipeline stages.

Every stage takes and returns these frozen dataclasses; nothing else is shared
between stages. Spans are ``[start, end)`` character offsets into an article's
cleaned ``text``. Collections are tuples so that records stay hashable and
immutable; :mod:`newsledger.codec` turns them into JSON and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

# --------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class Removal:
    """A piece of boilerplate dropped while cleaning, kept so nothing is lost silently.

    ``start``/``end`` are offsets into the text *before* cleaning.
    """

    start: int
    end: int
    text: str
    reason: str


@dataclass(frozen=True)
class Article:
    """One ingested, cleaned article. ``id`` derives from ``content_hash``."""

    id: str
    content_hash: str
    path_or_url: str
    text: str
    title: str | None = None
    byline: str | None = None
    outlet: str | None = None
    language: str | None = None
    published: str | None = None  # ISO date or datetime
    published_inferred: bool = False
    published_basis: str | None = None
    removed: tuple[Removal, ...] = ()


@dataclass(frozen=True)
class Rejection:
    """An input (file, feed item, JSONL line) that could not be ingested, and why."""

    path_or_url: str
    reason: str


# --------------------------------------------------------------------------- extract


@dataclass(frozen=True)
class TextSpan:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    """A named-entity mention. ``label``: PERSON, ORG, ARMED_GROUP, GPE, LOC, FAC, NORP, ..."""

    start: int
    end: int
    text: str
    label: str
    sentence: int


@dataclass(frozen=True)
class Attribution:
    """Who says what: source (speaker), cue (verb or phrase), content (what is said).

    ``claimant`` is the original speaker as written; ``via`` a relaying source
    ("RIA Novosti claims ..." quoted by AFP: claimant RIA Novosti, via AFP).
    ``polarity`` is ``asserts`` or ``denies``.
    """

    source: TextSpan | None
    cue: TextSpan
    content: TextSpan
    polarity: str = "asserts"
    via: TextSpan | None = None
    direct: bool = False  # content is a direct quote
    sentence: int = 0


@dataclass(frozen=True)
class Quantity:
    """A number with its meaning: slot, subject, unit, qualifier and range.

    ``attribution`` indexes ``Annotations.attributions`` when the number sits in
    an attributed statement, so its claimant is known.
    """

    start: int
    end: int
    text: str
    value: float | None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    qualifier: str | None = None  # exact, about, at_least, at_most, over, up_to, range, vague
    slot: str = "other"  # one of SLOTS
    subject: str | None = None
    attribution: int | None = None
    sentence: int = 0
    trigger: str | None = None  # lemma that decided the slot ("kill", "shoot", "death", ...)


@dataclass(frozen=True)
class TimeExpression:
    """A time expression normalised against the publication date when there is one.

    ``value``/``end_value`` are ISO dates or datetimes (``end_value`` for ranges);
    ``relative`` keeps what a relative expression means ("weekday:1" for Tuesday,
    "days:-1" for yesterday) so a later stage can resolve it once an anchor is known.
    """

    start: int
    end: int
    text: str
    value: str | None
    end_value: str | None = None
    precision: str = "day"  # year, month, day, hour, minute
    relative: str | None = None
    sentence: int = 0


@dataclass(frozen=True)
class EventMention:
    """An event-bearing sentence with its trigger and ACLED type."""

    sentence: int
    trigger: TextSpan
    event_type: str
    sub_event_type: str
    negated: bool = False
    score: float = 1.0


@dataclass(frozen=True)
class Annotations:
    """Everything the extract stage finds in one article; pure function of its text."""

    article_id: str
    content_hash: str
    language: str | None
    sentences: tuple[Sentence, ...] = ()
    mentions: tuple[Mention, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    times: tuple[TimeExpression, ...] = ()
    events: tuple[EventMention, ...] = ()
    hedges: tuple[TextSpan, ...] = ()  # "could not be independently verified", ...
    extractor: str = ""  # version tag of the extractor, part of the cache key


# --------------------------------------------------------------------------- resolve


@dataclass(frozen=True)
class EntityMention:
    article_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Entity:
    """One real-world thing, with every surface form and mention seen."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    mentions: tuple[EntityMention, ...]
    geonames_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    admin1: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    feature: str | None = None  # GeoNames feature class/code, e.g. "P.PPL", "A.ADM1"
    # A place left ungeocoded: why, with the admin region the text or KATOTTG gives.
    unresolved: str | None = None


@dataclass(frozen=True)
class Resolution:
    """The resolve stage's output: entities, each with the mentions it owns."""

    entities: tuple[Entity, ...] = ()

    @cached_property
    def by_mention(self) -> dict[tuple[str, int, int], str]:
        """(article_id, start, end) of a mention -> entity id."""
        return {(m.article_id, m.start, m.end): e.id for e in self.entities for m in e.mentions}

    def entity_at(self, article_id: str, start: int, end: int) -> str | None:
        return self.by_mention.get((article_id, start, end))


# --------------------------------------------------------------------------- group


@dataclass(frozen=True)
class OriginGroup:
    """Articles that copy one origin (wire copy, rewrite, translation)."""

    id: str
    article_ids: tuple[str, ...]
    basis: str


@dataclass(frozen=True, order=True)
class SentenceRef:
    article_id: str
    sentence: int


@dataclass(frozen=True)
class JoinBasis:
    """Why an article's sentences are in an event: what matched when they were placed.

    ``rule``: ``founded`` (the article opened the event), ``wording`` (its vector was
    close to the event's), ``identity`` (same kind of happening, place and days without
    the words), ``language`` (a report in another language), ``correction`` (an
    analyst's merge or split). ``shared``: the features that matched, strongest first
    (``place:<id>``, ``name:<id>``, ``type:<type>``, ``term:<word>``, ``days:<gap>``).
    """

    article_id: str
    rule: str
    score: float | None = None
    shared: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventCluster:
    """A happening, as the sentences of articles that report it.

    An article may give sentences to several clusters (a side story becomes an
    event of its own).
    """

    id: str
    article_ids: tuple[str, ...]
    sentences: tuple[SentenceRef, ...]
    date: str | None = None
    date_precision: str | None = None
    title: str | None = None
    basis: tuple[JoinBasis, ...] = ()


# --------------------------------------------------------------------------- reconcile


@dataclass(frozen=True)
class Evidence:
    article_id: str
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class ClaimQuantity:
    slot: str
    value: float | None
    low: float | None
    high: float | None
    unit: str | None
    qualifier: str | None
    subject: str | None


@dataclass(frozen=True)
class Claim:
    id: str
    event_id: str
    statement: str
    claimants: tuple[str, ...]  # entity ids
    polarity: str
    quantities: tuple[ClaimQuantity, ...]
    evidence: tuple[Evidence, ...]
    outlets: tuple[str, ...]
    independent_origins: int
    status: str  # corroborated, single-source, contested, unverified-as-reported


@dataclass(frozen=True)
class Conflict:
    id: str
    kind: str  # contradiction, numeric
    claim_ids: tuple[str, ...]
    explanation: str
    # claim ids per camp: a contradiction has two, a numeric conflict one per figure
    sides: tuple[tuple[str, ...], ...] = ()
    # both camps quote one speaker: copies of a story disagree, not the speakers
    same_speaker: bool = False


@dataclass(frozen=True)
class Fatalities:
    low: int | None
    best: int | None
    high: int | None
    basis: str


@dataclass(frozen=True)
class EventTime:
    """A time expression of an event's sentences, resolved, for the timeline."""

    article_id: str
    start: int
    end: int
    text: str
    value: str | None


@dataclass(frozen=True)
class EventRecord:
    id: str
    title: str
    date: str | None
    date_precision: str | None
    event_type: str | None
    sub_event_type: str | None
    location: str | None  # place entity id
    locations: tuple[str, ...]
    actors: tuple[str, ...]
    article_ids: tuple[str, ...]
    claim_ids: tuple[str, ...]
    fatalities: Fatalities | None
    times: tuple[EventTime, ...] = ()
    basis: tuple[JoinBasis, ...] = ()  # why these reports are one event
    # what the happening is, beyond its wording: the people it is about (not those who
    # speak of it) and its places, as entity ids; threads events into stories
    link_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Story:
    """Dated events of one happening told over days (a breach, the flood, the blame).

    Events stay one day, one place, one type; a story links them. ``basis``: one line
    per link that holds the story together.
    """

    id: str
    title: str
    event_ids: tuple[str, ...]
    first_date: str | None
    last_date: str | None
    basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ledger:
    """The whole output, schema ``newsledger/1``."""

    articles: tuple[Article, ...] = ()
    origin_groups: tuple[OriginGroup, ...] = ()
    events: tuple[EventRecord, ...] = ()
    entities: tuple[Entity, ...] = ()
    claims: tuple[Claim, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    stories: tuple[Story, ...] = ()
    schema: str = field(default="newsledger/1")


SLOTS = (
    "killed",
    "wounded",
    "captured",
    "destroyed",
    "launched",
    "intercepted",
    "displaced",
    "affected",
    "other",
)
CLAIM_STATUSES = ("corroborated", "single-source", "contested", "unverified-as-reported")
