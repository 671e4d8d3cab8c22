"""Event clustering: incremental joining, stable ids, event-not-topic, side stories."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from newsledger.group import cluster_events
from newsledger.group.text import split_sentences
from newsledger.model import (
    Annotations,
    Article,
    Entity,
    EntityMention,
    EventCluster,
    EventMention,
    Mention,
    Resolution,
    TextSpan,
)

FIXTURES = Path(__file__).parent / "fixtures" / "group"
NONE = Resolution()


def article(key: str, text: str, published: str | None = None, title: str | None = None) -> Article:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Article(
        id=f"a-{key}",
        content_hash=digest,
        path_or_url=key,
        text=text,
        published=published,
        title=title,
    )


# Two reports each of two shootings in one city, days apart, told in much the same words.
SHOOTING_A1 = article(
    "a1",
    "Springfield police said two men were shot Sunday night outside a bar on Main Street. "
    "One victim, Daniel Ortega, 24, died at Mercy Hospital; the other was in stable condition. "
    "Police have not made an arrest and asked witnesses to call detectives.",
    "2024-05-06",
)
SHOOTING_A2 = article(
    "a2",
    "A man was killed and another wounded in a shooting Sunday outside a Main Street bar in "
    "Springfield, police said. Daniel Ortega, 24, died at Mercy Hospital. "
    "No arrests have been made in the shooting on Main Street.",
    "2024-05-06",
)
SHOOTING_B1 = article(
    "b1",
    "Springfield police are investigating a shooting Saturday that wounded a woman on Oak Avenue. "
    "The victim, Maria Lopez, 31, was taken to Mercy Hospital with injuries that are not "
    "life-threatening. Police said they have no suspects.",
    "2024-05-19",
)
SHOOTING_B2 = article(
    "b2",
    "A woman was wounded in a shooting Saturday on Oak Avenue in Springfield, police said. "
    "Maria Lopez was treated at Mercy Hospital. Investigators are looking for the gunman "
    "who opened fire on Oak Avenue.",
    "2024-05-20",
)
QUAKE = article(
    "q1",
    "A magnitude 6.1 earthquake struck off the coast of Hokkaido early Friday, the Japan "
    "Meteorological Agency said. No tsunami warning was issued and no damage was reported.",
    "2024-05-10",
)


def by_article(clusters: tuple[EventCluster, ...]) -> dict[str, str]:
    """Each article's cluster: the one with most of its sentences."""
    counts: dict[str, dict[str, int]] = {}
    for c in clusters:
        for ref in c.sentences:
            counts.setdefault(ref.article_id, {}).setdefault(c.id, 0)
            counts[ref.article_id][c.id] += 1
    return {a: max(sorted(cs), key=lambda cid: cs[cid]) for a, cs in counts.items()}


def test_reports_of_one_shooting_join_and_another_day_stays_apart():
    arts = [SHOOTING_A1, SHOOTING_A2, SHOOTING_B1, SHOOTING_B2, QUAKE]
    assigned = by_article(cluster_events(arts, {}, NONE, ()))
    assert assigned["a-a1"] == assigned["a-a2"]
    assert assigned["a-b1"] == assigned["a-b2"]
    assert assigned["a-a1"] != assigned["a-b1"]
    assert assigned["a-q1"] not in {assigned["a-a1"], assigned["a-b1"]}


def test_event_date_comes_from_the_text_not_publication():
    clusters = cluster_events([SHOOTING_A1, SHOOTING_A2], {}, NONE, ())
    (shooting,) = clusters
    assert shooting.date == "2024-05-05"  # "Sunday" before publication on Monday 6 May
    assert shooting.date_precision == "day"


def test_second_batch_joins_existing_events_ids_unchanged():
    first_batch = [SHOOTING_A1, SHOOTING_B1, QUAKE]
    first = cluster_events(first_batch, {}, NONE, ())
    second = cluster_events([*first_batch, SHOOTING_A2, SHOOTING_B2], {}, NONE, first)
    before, after = by_article(first), by_article(second)
    assert {c.id for c in first} <= {c.id for c in second}
    for old in first_batch:
        assert after[old.id] == before[old.id]
    assert after["a-a2"] == before["a-a1"]
    assert after["a-b2"] == before["a-b1"]
    assert len(second) == len(first)


def test_same_input_twice_changes_nothing():
    arts = [SHOOTING_A1, SHOOTING_A2, SHOOTING_B1, SHOOTING_B2, QUAKE]
    once = cluster_events(arts, {}, NONE, ())
    assert cluster_events(arts, {}, NONE, once) == once


def test_ids_do_not_depend_on_input_order():
    arts = [SHOOTING_A1, SHOOTING_A2, SHOOTING_B1, SHOOTING_B2, QUAKE]
    assert cluster_events(arts, {}, NONE, ()) == cluster_events(arts[::-1], {}, NONE, ())


def test_every_sentence_in_at_most_one_cluster():
    arts = [SHOOTING_A1, SHOOTING_A2, SHOOTING_B1, SHOOTING_B2, QUAKE]
    refs = [r for c in cluster_events(arts, {}, NONE, ()) for r in c.sentences]
    assert len(refs) == len(set(refs))


# ------------------------------------------------------------------ side stories

PLACES = {
    "Kursk": ("RU", "Kursk Oblast"),
    "Tyotkino": ("RU", "Kursk Oblast"),
    "Belgorod": ("RU", "Belgorod Oblast"),
    "Moscow": ("RU", "Moscow"),
    "Oryol": ("RU", "Oryol Oblast"),
    "Ivanovo": ("RU", "Ivanovo Oblast"),
}
TRIGGERS = re.compile(r"\b(attack|incursion|drone|crash|repelled|strike|explosives|takeover)", re.I)


def hand_annotate(art: Article) -> tuple[Annotations, list[Entity]]:
    """What the extractor and resolver would give: sentences, place mentions, event sentences."""
    sentences = split_sentences(art.text)
    starts = [s.start for s in sentences]

    def sentence_of(offset: int) -> int:
        return max(i for i, s in enumerate(starts) if s <= offset)

    mentions, entities = [], []
    for name, (country, admin1) in PLACES.items():
        spans = [m.span() for m in re.finditer(rf"\b{name}\b", art.text)]
        mentions += [Mention(a, b, name, "GPE", sentence_of(a)) for a, b in spans]
        entities.append(
            Entity(
                id=f"e-{name.lower()}",
                type="GPE",
                name=name,
                aliases=(name,),
                mentions=tuple(EntityMention(art.id, a, b, name) for a, b in spans),
                country=country,
                admin1=admin1,
                feature="P.PPL",
            )
        )
    events = [
        EventMention(sentence_of(m.start()), TextSpan(m.start(), m.end(), m.group()), "Battles", "")
        for m in TRIGGERS.finditer(art.text)
    ]
    annotation = Annotations(
        art.id,
        art.content_hash,
        "en",
        sentences=sentences,
        mentions=tuple(sorted(mentions, key=lambda m: m.start)),
        events=tuple(events),
    )
    return annotation, entities


def annotated(arts: list[Article]) -> tuple[dict[str, Annotations], Resolution]:
    annotations, by_id = {}, {}
    for art in arts:
        annotation, entities = hand_annotate(art)
        annotations[art.id] = annotation
        for e in entities:
            if e.id in by_id:
                old = by_id[e.id]
                e = Entity(**{**old.__dict__, "mentions": old.mentions + e.mentions})
            by_id[e.id] = e
    return annotations, Resolution(tuple(by_id.values()))


def seed(name: str, published: str | None = None) -> Article:
    path = next(FIXTURES.glob(f"{name}_*.txt"))
    return article(name, path.read_text(encoding="utf-8"), published)


PLANE_CRASH = article(
    "crash",
    "A Russian military transport plane crashed in the Ivanovo region on Tuesday during takeoff "
    "after an engine caught fire, killing everyone on board. The Ilyushin IL-76 carried eight "
    "crew members and seven passengers, the defence ministry said. Investigators in Ivanovo "
    "are examining the wreckage of the crashed plane.",
    "2024-03-12",
)


def test_side_story_becomes_its_own_event_joined_by_another_report():
    raid = seed("004")
    arts = [raid, PLANE_CRASH]
    annotations, resolution = annotated(arts)
    clusters = cluster_events(arts, annotations, resolution, ())
    crash_text = "plane crashed in the Ivanovo region"
    start = raid.text.index(crash_text)
    crash_sentence = next(
        i for i, s in enumerate(annotations[raid.id].sentences) if s.start <= start < s.end
    )
    holder = next(
        c
        for c in clusters
        if any(r.article_id == raid.id and r.sentence == crash_sentence for r in c.sentences)
    )
    main = by_article(clusters)[raid.id]
    assert holder.id != main
    assert PLANE_CRASH.id in holder.article_ids
    assert holder.date == "2024-03-12"
    main_cluster = next(c for c in clusters if c.id == main)
    assert all(
        r.sentence != crash_sentence for r in main_cluster.sentences if r.article_id == raid.id
    )


def test_reports_of_one_raid_share_the_main_event():
    arts = [seed("000", "2024-03-12"), seed("004"), PLANE_CRASH]
    annotations, resolution = annotated(arts)
    assigned = by_article(cluster_events(arts, annotations, resolution, ()))
    assert assigned["a-000"] == assigned["a-004"]
    assert assigned["a-crash"] != assigned["a-004"]


# A raid told first; then a paragraph of casualty claims that refers back to it ("the
# attack") with a capital as the speaker; then a real side story elsewhere.
RAID_WITH_CLAIMS = article(
    "claims",
    "Armed fighters crossed into the Kursk region on Tuesday and attacked a border post near "
    "Tyotkino, the regional governor said.\n\n"
    "The governor of Kursk said the fighters were driven back after hours of fighting near "
    "Tyotkino and that several houses were damaged.\n\n"
    "Residents of Kursk were told to stay indoors while the army repelled the attack on the "
    "border post.\n\n"
    "Meanwhile, an independent monitoring channel reported that the attack left at least four "
    "soldiers dead and nine wounded. Contrarily, Moscow declared that around 300 attackers were "
    "killed, with dozens of their armoured vehicles destroyed by artillery and aircraft.\n\n"
    "Elsewhere, a drone strike set fire to a fuel depot in Oryol overnight, sending thick black "
    "smoke over the industrial district and forcing firefighters to evacuate nearby workers.",
    "2024-03-12",
)


def test_speaker_capital_and_back_reference_stay_in_the_main_story():
    art = RAID_WITH_CLAIMS
    annotations, resolution = annotated([art])
    clusters = cluster_events([art], annotations, resolution, ())
    sentences = annotations[art.id].sentences

    def holder(fragment: str) -> str:
        start = art.text.index(fragment)
        index = next(i for i, s in enumerate(sentences) if s.start <= start < s.end)
        return next(
            c.id
            for c in clusters
            for r in c.sentences
            if (r.article_id, r.sentence) == (art.id, index)
        )

    main = holder("Armed fighters crossed")
    assert holder("Moscow declared") == main  # a speaker, not a place of its own
    assert holder("the attack left at least four") == main
    assert holder("fuel depot in Oryol") != main  # a place of its own: still a side story


def test_back_reference_after_a_side_story_returns_to_the_main_story():
    paragraphs = RAID_WITH_CLAIMS.text.split("\n\n")
    back = (
        "The attack on the border post was the third this month, and officials said the fighters "
        "had used armoured vehicles."
    )
    art = article("back", "\n\n".join([*paragraphs[:3], paragraphs[4], back]), "2024-03-12")
    annotations, resolution = annotated([art])
    clusters = cluster_events([art], annotations, resolution, ())
    last = len(annotations[art.id].sentences) - 1
    main = by_article(clusters)[art.id]
    holder = next(c.id for c in clusters if any(r.sentence == last for r in c.sentences))
    assert holder == main
    assert len(clusters) == 2  # the fuel depot fire is still its own story
