# ruff: noqa: E501 (trigger and date patterns read best on one line)
"""ACLED event types for event-bearing sentences, by lemma trigger lexicons plus context.

Each sentence is scored against every ACLED sub-event type: single-word triggers
match lemmas, multiword triggers match the lower-cased sentence, and context
rules then move the score between related types (who acts for territory
changes, what the police or crowd did for protests, defused or seized devices
for disrupted weapons use). Negation ("repelled", "denied", "no breakthrough")
marks the mention ``negated``. Nothing here was trained on evaluation data.

A crash, collision or fire with no attacker, weapon or hostile act in view is
typed "Accident" (family "Not political violence"), outside ACLED's vocabulary:
ACLED codes no accidents, and borrowing the nearest violent class would tell an
analyst that someone attacked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from newsledger.extract.nlp import children as _children
from newsledger.extract.nlp import doc_text
from newsledger.isolation import check_deadline

# sub-event type -> ACLED event type
SUB_EVENT_TYPES: dict[str, str] = {
    "Armed clash": "Battles",
    "Government regains territory": "Battles",
    "Non-state actor overtakes territory": "Battles",
    "Chemical weapon": "Explosions/Remote violence",
    "Air/drone strike": "Explosions/Remote violence",
    "Suicide bomb": "Explosions/Remote violence",
    "Shelling/artillery/missile attack": "Explosions/Remote violence",
    "Remote explosive/landmine/IED": "Explosions/Remote violence",
    "Grenade": "Explosions/Remote violence",
    "Sexual violence": "Violence against civilians",
    "Attack": "Violence against civilians",
    "Abduction/forced disappearance": "Violence against civilians",
    "Peaceful protest": "Protests",
    "Protest with intervention": "Protests",
    "Excessive force against protesters": "Protests",
    "Violent demonstration": "Riots",
    "Mob violence": "Riots",
    "Agreement": "Strategic developments",
    "Arrests": "Strategic developments",
    "Change to group/activity": "Strategic developments",
    "Disrupted weapons use": "Strategic developments",
    "Headquarters or base established": "Strategic developments",
    "Looting/property destruction": "Strategic developments",
    "Non-violent transfer of territory": "Strategic developments",
    "Other": "Strategic developments",
}

CLASH = "Armed clash"
GOV = "Government regains territory"
NSA = "Non-state actor overtakes territory"
CHEM = "Chemical weapon"
AIR = "Air/drone strike"
SUICIDE = "Suicide bomb"
SHELL = "Shelling/artillery/missile attack"
IED = "Remote explosive/landmine/IED"
GRENADE = "Grenade"
SEX = "Sexual violence"
ATTACK = "Attack"
ABDUCT = "Abduction/forced disappearance"
PEACE = "Peaceful protest"
INTER = "Protest with intervention"
FORCE = "Excessive force against protesters"
VIOLDEM = "Violent demonstration"
MOB = "Mob violence"
AGREE = "Agreement"
ARREST = "Arrests"
CHANGE = "Change to group/activity"
DISRUPT = "Disrupted weapons use"
HQ = "Headquarters or base established"
LOOT = "Looting/property destruction"
TRANSFER = "Non-violent transfer of territory"
OTHER = "Other"
FALLBACK = CLASH

# Outside ACLED: a happening with no attacker (a plane crash after an engine fire, a
# collision, a gas explosion) is not political violence, and ACLED has no class for it;
# it keeps a type of its own rather than borrowing the nearest violent one.
ACCIDENT = "Accident"
NOT_POLITICAL_VIOLENCE = "Not political violence"
NON_ACLED_TYPES: dict[str, str] = {ACCIDENT: NOT_POLITICAL_VIOLENCE}

# Single-word triggers, matched on lemmas.
LEMMAS: dict[str, tuple[tuple[str, float], ...]] = {
    # battles
    "clash": ((CLASH, 0.8),), "fight": ((CLASH, 0.6),), "firefight": ((CLASH, 0.9),),
    "gunfight": ((CLASH, 0.9),), "battle": ((CLASH, 0.7),), "ambush": ((CLASH, 0.8),),
    "skirmish": ((CLASH, 0.8),), "repel": ((CLASH, 0.7),),
    "offensive": ((CLASH, 0.5),), "breakthrough": ((CLASH, 0.5),), "encounter": ((CLASH, 0.6),), "combat": ((CLASH, 0.5),),
    "gunbattle": ((CLASH, 0.9),), "counterattack": ((CLASH, 0.6),), "incursion": ((CLASH, 0.5),),
    "raid": ((CLASH, 0.4),), "attack": ((CLASH, 0.35), (ATTACK, 0.3)), "assault": ((CLASH, 0.4),),
    "fighter": ((CLASH, 0.2),), "militant": ((CLASH, 0.2),), "insurgent": ((CLASH, 0.2),),
    "kill": ((ATTACK, 0.3), (CLASH, 0.2)), "injure": ((ATTACK, 0.15),),
    # territory
    "capture": ((NSA, 0.6),), "seize": ((NSA, 0.5),), "overrun": ((NSA, 0.8),),
    "recapture": ((GOV, 0.8),), "retake": ((GOV, 0.9),), "regain": ((GOV, 0.8),),
    "liberate": ((GOV, 0.8),), "reclaim": ((GOV, 0.7),), "recover": ((GOV, 0.3),),
    "withdraw": ((TRANSFER, 0.5), (CHANGE, 0.3)), "withdrawal": ((TRANSFER, 0.5), (CHANGE, 0.3)),
    "handover": ((TRANSFER, 0.8),), "vacate": ((TRANSFER, 0.7),), "cede": ((TRANSFER, 0.7),),
    # remote violence
    "airstrike": ((AIR, 1.0),), "warplane": ((AIR, 0.9),), "jet": ((AIR, 0.6),),
    "bomber": ((AIR, 0.5),), "aircraft": ((AIR, 0.6),), "drone": ((AIR, 0.7),),
    "helicopter": ((AIR, 0.5),), "gunship": ((AIR, 0.7),), "sortie": ((AIR, 0.8),),
    "air": ((AIR, 0.2),), "bombing": ((AIR, 0.3), (IED, 0.3)), "bomb": ((IED, 0.4), (AIR, 0.25)),
    "uav": ((AIR, 0.8),), "airstrikes": ((AIR, 1.0),), "bombard": ((SHELL, 0.6),),
    "shell": ((SHELL, 0.9),), "shelling": ((SHELL, 1.0),), "artillery": ((SHELL, 1.0),),
    "mortar": ((SHELL, 1.0),), "rocket": ((SHELL, 0.8),), "missile": ((SHELL, 0.8),),
    "barrage": ((SHELL, 0.8),), "howitzer": ((SHELL, 0.9),), "projectile": ((SHELL, 0.7),),
    "bombardment": ((SHELL, 0.7),), "ied": ((IED, 1.0),), "landmine": ((IED, 1.0),),
    "mine": ((IED, 0.6),), "explosive": ((IED, 0.6),), "explosion": ((IED, 0.6),),
    "blast": ((IED, 0.6),), "detonate": ((IED, 0.7),), "explode": ((IED, 0.5),),
    "device": ((IED, 0.3),), "roadside": ((IED, 0.6),), "vbied": ((IED, 1.0),),
    "suicide": ((SUICIDE, 1.2),), "grenade": ((GRENADE, 1.3),), "chlorine": ((CHEM, 1.2),),
    "sarin": ((CHEM, 1.3),), "chemical": ((CHEM, 1.0),), "toxic": ((CHEM, 0.7),),
    "gas": ((CHEM, 0.5),), "poison": ((CHEM, 0.6),), "poisonous": ((CHEM, 0.8),),
    # violence against civilians
    "rape": ((SEX, 1.3),), "sexual": ((SEX, 1.0),), "molest": ((SEX, 1.2),),
    "sexually": ((SEX, 1.2),), "kidnap": ((ABDUCT, 1.2),), "abduct": ((ABDUCT, 1.2),),
    "abduction": ((ABDUCT, 1.2),), "hostage": ((ABDUCT, 0.8),), "kidnapping": ((ABDUCT, 1.2),),
    "kidnapper": ((ABDUCT, 1.0),), "disappearance": ((ABDUCT, 0.8),),
    "gunman": ((ATTACK, 0.7),), "massacre": ((ATTACK, 0.8),), "murder": ((ATTACK, 0.6),),
    "behead": ((ATTACK, 0.9),), "stab": ((ATTACK, 0.8),), "hack": ((ATTACK, 0.6),),
    "shoot": ((ATTACK, 0.45), (CLASH, 0.2)), "shooting": ((ATTACK, 0.5),),
    "civilian": ((ATTACK, 0.3),), "villager": ((ATTACK, 0.3),), "execute": ((ATTACK, 0.6),),
    # protests and riots
    "protest": ((PEACE, 1.0),), "protester": ((PEACE, 1.0),), "demonstration": ((PEACE, 1.0),),
    "demonstrator": ((PEACE, 1.0),), "demonstrate": ((PEACE, 0.9),), "rally": ((PEACE, 0.8),),
    "march": ((PEACE, 0.4),), "picket": ((PEACE, 0.9),), "vigil": ((PEACE, 0.7),),
    "protestor": ((PEACE, 1.0),), "sit": ((PEACE, 0.1),), "strike": ((PEACE, 0.3), (AIR, 0.3)),
    "riot": ((VIOLDEM, 1.2),), "rioter": ((VIOLDEM, 1.2),), "rioting": ((VIOLDEM, 1.2),),
    "mob": ((MOB, 1.2),), "lynch": ((MOB, 1.3),), "vigilante": ((MOB, 1.0),),
    "lynching": ((MOB, 1.3),),
    # strategic developments
    "agreement": ((AGREE, 1.0),), "ceasefire": ((AGREE, 1.0),), "truce": ((AGREE, 1.0),),
    "accord": ((AGREE, 0.9),), "treaty": ((AGREE, 0.9),), "deal": ((AGREE, 0.7),),
    "agree": ((AGREE, 0.8),), "sign": ((AGREE, 0.5),), "negotiate": ((AGREE, 0.5),),
    "swap": ((AGREE, 0.8),), "peace": ((AGREE, 0.4),), "talk": ((AGREE, 0.3),),
    "arrest": ((ARREST, 1.1),), "detain": ((ARREST, 1.0),), "apprehend": ((ARREST, 1.0),),
    "custody": ((ARREST, 0.8),), "nab": ((ARREST, 1.0),), "detention": ((ARREST, 0.7),),
    "arrested": ((ARREST, 1.1),), "detained": ((ARREST, 1.0),),
    "defuse": ((DISRUPT, 1.4),), "dismantle": ((DISRUPT, 0.6),), "intercept": ((DISRUPT, 0.9),),
    "cache": ((DISRUPT, 1.0),), "ammunition": ((DISRUPT, 0.6),), "weapon": ((DISRUPT, 0.4),),
    "arm": ((DISRUPT, 0.3),), "defuser": ((DISRUPT, 1.0),), "disposal": ((DISRUPT, 0.8),),
    "shoot down": ((DISRUPT, 1.0),), "neutralize": ((DISRUPT, 0.5),), "foil": ((DISRUPT, 0.7),),
    "headquarters": ((HQ, 1.0),), "base": ((HQ, 0.3),), "outpost": ((HQ, 0.6),),
    "loot": ((LOOT, 1.2),), "looting": ((LOOT, 1.2),), "torch": ((LOOT, 1.0),),
    "vandalize": ((LOOT, 1.0),), "vandalise": ((LOOT, 1.0),), "arson": ((LOOT, 1.1),),
    "ransack": ((LOOT, 1.1),), "plunder": ((LOOT, 1.1),), "demolish": ((LOOT, 0.8),),
    "raze": ((LOOT, 0.9),), "burn": ((LOOT, 0.6),), "destroy": ((LOOT, 0.3),),
    "vandalism": ((LOOT, 1.0),),
    "deploy": ((CHANGE, 0.6),), "defect": ((CHANGE, 1.0),), "merge": ((CHANGE, 0.8),),
    "recruit": ((CHANGE, 0.7),), "mobilize": ((CHANGE, 0.6),), "reinforcement": ((CHANGE, 0.6),),
    "disband": ((CHANGE, 0.9),), "dissolve": ((CHANGE, 0.6),), "appoint": ((CHANGE, 0.5),),
    "form": ((CHANGE, 0.3),), "surrender": ((CHANGE, 0.7),), "defection": ((CHANGE, 1.0),),
    "reinforce": ((CHANGE, 0.8),), "dispatch": ((CHANGE, 0.7),), "fortify": ((CHANGE, 0.8),),
    "station": ((CHANGE, 0.4),), "relocate": ((CHANGE, 0.7),),
    "allegiance": ((CHANGE, 0.9),), "redeploy": ((CHANGE, 0.8),), "curfew": ((CHANGE, 0.5),),
    # accidents (outside ACLED; vetoed by any attacker cue, see _accident)
    "accident": ((ACCIDENT, 1.0),), "accidental": ((ACCIDENT, 0.9),), "accidentally": ((ACCIDENT, 0.9),),
    "collision": ((ACCIDENT, 0.8),), "collide": ((ACCIDENT, 0.8),), "derail": ((ACCIDENT, 1.0),),
    "derailment": ((ACCIDENT, 1.0),), "capsize": ((ACCIDENT, 1.0),), "malfunction": ((ACCIDENT, 0.8),),
    "crash": ((ACCIDENT, 0.5),),
}  # fmt: skip

# Multiword triggers on the lower-cased sentence.
PHRASES: tuple[tuple[str, float, str], ...] = (
    (
        CLASH,
        1.0,
        r"exchange[sd]? (?:of )?(?:fire|gunfire)|gun battle|heavy fighting|fierce fighting",
    ),
    (
        CLASH,
        0.7,
        r"attack(?:ed|s)? (?:on )?(?:an? |the )?(?:army|military|police|security) (?:post|positions?|checkpoint|base|convoy|patrol)",
    ),
    (
        NSA,
        0.9,
        r"(?:took|take|taken|taking|seized?|gained?|gaining) (?:full |complete )?control|took over|taken over|fell to|fall to|under (?:the )?control of",
    ),
    (
        GOV,
        0.9,
        r"(?:regain|retake|restore)[a-z]* (?:full |complete )?control|back under (?:government|state|army) control|cleared? (?:the |of )",
    ),
    (
        GOV,
        0.8,
        r"dr(?:o|i)ve[ns]? (?:\w+ ){0,4}(?:out|back)|push(?:ed)? (?:\w+ ){0,4}back|(?:freed|cleared|purg(?:ed|ing)) (?:\w+ ){0,3}(?:villages?|towns?|areas?|city|district|neighbo(?:u)?rhoods?|regions?)|(?:control(?:led|ling)?|control of) the (?:entire|whole)|newly (?:captured|liberated|freed)",
    ),
    (
        TRANSFER,
        0.9,
        r"without (?:a fight|resistance|fighting)|handed (?:over )?(?:control|the)|hand over|pull(?:ed)? out of|retreated from|abandon(?:ed)? (?:the |their )",
    ),
    (
        AIR,
        1.0,
        r"air ?strikes?|air raids?|drone strikes?|drone attacks?|aerial (?:bombardment|attack|bombing)s?|fighter jets?|war ?planes?|barrel bombs?",
    ),
    (
        SHELL,
        0.9,
        r"fired (?:\w+ )?(?:rockets|missiles|shells|mortars)|rocket attacks?|missile (?:strikes?|attacks?)|mortar (?:rounds?|shells?|fire)",
    ),
    (
        IED,
        0.9,
        r"roadside bomb|car bomb|improvised explosive|explosive device|land ?mines?|booby[- ]trap|bomb (?:blast|explosion|went off)|planted (?:a )?bomb|magnetic bomb",
    ),
    (
        SUICIDE,
        1.3,
        r"suicide (?:bomb|attack|bomber|car|vest)|blew (?:himself|herself|themselves) up|explosive (?:vest|belt)",
    ),
    (GRENADE, 1.3, r"grenades?"),
    (
        CHEM,
        1.3,
        r"chemical (?:weapons?|attacks?|agents?)|(?:toxic|poison(?:ous)?|nerve|mustard) (?:gas|agent)|gas attack",
    ),
    (SEX, 1.3, r"sexual(?:ly)? (?:assault|abuse|violence|harass)|gang[- ]?rape"),
    (
        ABDUCT,
        1.0,
        r"taken (?:captive|hostage)|went missing|whereabouts (?:remain|are) unknown|forcibly disappeared",
    ),
    (
        ATTACK,
        0.8,
        r"opened fire on|shot dead|killed (?:a |an |two |three |\d+ )?(?:civilians?|villagers?|farmers?|women|children|residents?|worshippers?|people)|hacked to death|set (?:\w+ )?on fire (?:a |the )?(?:man|woman|person)",
    ),
    (
        PEACE,
        0.9,
        r"sit-?in|hunger strike|took to the streets|staged? (?:a )?(?:protest|demonstration|rally|march)|shut ?down strike|bandh",
    ),
    (
        AGREE,
        1.0,
        r"peace (?:deal|agreement|accord|talks)|prisoner (?:exchange|swap)|exchange of (?:prisoners|bodies)|signed (?:an? )?(?:agreement|deal|memorandum|accord)",
    ),
    (
        AGREE,
        1.1,
        r"cease-?fire|exchang\w* (?:\w+ ){0,2}(?:prisoners|detainees|captives|bodies)|in exchange for (?:the )?(?:release|freedom)",
    ),
    (
        CHANGE,
        0.8,
        r"pull(?:ed|s|ing)? back|(?:were|was|have been|has been) dispatched|kick off the",
    ),
    (ARREST, 1.0, r"taken into custody|placed under arrest|rounded up|held for questioning"),
    (
        DISRUPT,
        1.1,
        r"defus(?:e|ed|ing)|(?:seized|recovered|found|discovered|confiscated|unearthed) (?:\w+ ){0,4}(?:weapons|arms|ammunition|explosives?|ieds?|rifles|guns|bombs?|rockets|grenades|mines|cache|depot)|shot down|intercepted|bomb disposal|(?:weapons|arms) cache|air defen[cs]e|disarm|suspicious (?:package|object|device)",
    ),
    (
        HQ,
        1.2,
        r"(?:set up|established?|establishes|establishing|opened|build|built|building) (?:\w+ ){0,4}(?:base|bases|headquarters|observation (?:post|point)s?|outposts?|military posts?|camps?|checkpoints?)",
    ),
    (
        LOOT,
        1.0,
        r"set (?:\w+ ){0,3}(?:on fire|ablaze|alight)|torched|burn(?:ed|t) down|destroy(?:ed)? (?:\w+ ){0,3}(?:houses|homes|shops|property|properties|vehicles|buildings|churches|mosques|schools)",
    ),
    (
        CHANGE,
        0.9,
        r"defected|changed (?:its|their) name|new (?:leader|commander)|pledged? allegiance|joined (?:forces|the)|formed (?:a|the)|(?:sent|deploy(?:ed)?) (?:\w+ ){0,3}(?:troops|reinforcements|soldiers)|troop (?:build-?up|movements?)|military exercises?|drills?",
    ),
    (
        MOB,
        1.0,
        r"angry (?:mob|crowd|villagers|residents)|beaten to death by|mob justice|communal (?:clash|violence)",
    ),
    (
        VIOLDEM,
        1.0,
        r"violent (?:protests?|demonstrations?)|pelted (?:\w+ )?stones|stone[- ]pelting|threw stones|hurled stones|clash(?:ed|es)? with (?:the )?police|protesters (?:\w+ ){0,3}(?:torched|burned|set fire|vandali[sz]ed|attacked|smashed|blocked)",
    ),
)
ACCIDENT_PHRASES: tuple[tuple[str, float, str], ...] = (
    (
        ACCIDENT,
        1.0,
        r"engine (?:failure|fire|trouble)|engines? caught fire|technical (?:fault|failure|malfunction|problem|glitch)s?|mechanical (?:failure|fault|problem)s?|gas (?:leak|cylinder)|short[- ]circuit|pilot error|emergency landing|crash[- ]land\w*|during (?:take-?off|landing)|(?:road|traffic|industrial|mining) accident",
    ),
    (
        ACCIDENT,
        0.9,
        r"(?:plane|aircraft|helicopter|jet|airliner|train|bus|truck|lorry|car|vessel|ship|boat|ferry|tanker) (?:crash(?:ed|es)?|went down|collided|derailed|capsized|sank|ran aground)|(?:plane|air|helicopter|train|bus|car|road) crash(?:es)?",
    ),
    (ACCIDENT, 0.5, r"caught fire|broke out"),
)
PHRASES += ACCIDENT_PHRASES
COMPILED = tuple((cls, w, re.compile(rf"\b(?:{p})")) for cls, w, p in PHRASES)

PROTEST_TYPES = {PEACE, INTER, FORCE, VIOLDEM}
# Anything that names an attacker, a weapon or a hostile act: then a crash or fire is
# part of political violence (a drone crashing into a building, a jet shot down).
HOSTILE_RE = re.compile(
    r"\b(?:attack\w*|strik(?:e|es|ing)|struck|shot down|shoot(?:s|ing)? down|downed|missiles?|"
    r"rockets?|shell(?:ed|ing|s)?|artillery|mortars?|bomb\w*|explosives?|ieds?|grenades?|"
    r"sabotage\w*|saboteurs?|ambush\w*|gun(?:fire|men|man|shots?)|under fire|opened fire|"
    r"hit by|target(?:ed|ing)|militants?|rebels?|insurgents?|terror\w*|drones?|arson\w*|"
    r"set (?:\w+ ){0,3}(?:on fire|ablaze)|torch(?:ed|ing)|protest\w*|riot\w*|clash\w*|"
    r"fighting|battle\w*|hostile|enemy|air ?defen[cs]es?|intercept\w*)\b"
)
REMOTE = (AIR, SHELL, IED, GRENADE, SUICIDE, CHEM)
FORCE_RE = re.compile(
    r"\b(?:killed|shot dead|live (?:ammunition|bullets|fire|rounds)|opened fire|fired (?:on|at|into)|"
    r"beat(?:en)?|brutal(?:ly)?|injur(?:ed|ing)|wounded|lathi[- ]charged?|baton[- ]charged?|died|"
    r"violently (?:suppress|disperse|crack|attack)\w*|excessive force|crackdown|gunfire|batons?|"
    r"deadly|killing)\b"
)
INTERVENE_RE = re.compile(
    r"\b(?:dispers(?:e|ed|ing)|tear ?gas|water cannons?|rubber bullets|pellets?|arrest(?:ed|s)?|"
    r"detain(?:ed)?|broke up|break up|cordon(?:ed)?|stopped|blocked (?:the )?protesters|police intervened)\b"
)
RIOT_RE = re.compile(
    r"\b(?:torch(?:ed|ing)?|set (?:\w+ ){0,3}(?:on fire|ablaze)|vandali[sz](?:e|ed|ing)|pelt(?:ed|ing)|"
    r"stones?|rocks?|molotov|petrol bombs?|firebombs?|smash(?:ed|ing)?|loot(?:ed|ing)|"
    r"clash(?:ed|es)?|attacked (?:police|security|officers)|burn(?:ed|t|ing)|ransack(?:ed)?|rampage|"
    r"(?<!non-)(?<!non )violen(?:t|ce)|riot(?:s|ing|ers?)?|running battles|barricades?|aggressive|hurl(?:ed|ing)|"
    r"thr(?:ew|owing) (?:\w+ ){0,2}(?:at|stones|rocks|bottles|projectiles)|shut down roads|debris)\b"
)
STATE_RE = re.compile(
    r"\b(?:army|armed forces|government|military|troops|soldiers|police|security forces|regime|"
    r"national guard|federal|state forces|pro-government|loyalist|marines|gendarmes?|forces loyal|"
    r"iraqi forces|afghan forces|coalition|ministry|counter-?terrorism|saa|fardc|amisom|idf)\b"
)
NONSTATE_RE = re.compile(
    r"\b(?:rebels?|militants?|insurgents?|fighters|jihadists?|islamic state|isis|isil|daesh|"
    r"taliban|shabaab|al-qaeda|boko|extremists?|terrorists?|separatists?|militias?|guerrillas?|"
    r"armed groups?|opposition|faction|tribesmen|gunmen|legion|volunteers?|houthis?|"
    r"(?:democratic|rebel|opposition) forces|group)\b"
)
NEGATING_HEADS = frozenset(
    {"deny", "repel", "thwart", "foil", "prevent", "fail", "reject", "refute", "dismiss", "stop", "repulse"}
)  # fmt: skip
MIN_SCORE = 0.45
# Tokens inside these entities are names or dates, not triggers ("March", "Strike Force").
SKIP_ENTITY_TYPES = frozenset({"DATE", "TIME", "PERSON", "GPE", "CARDINAL", "WORK_OF_ART"})
# Words whose lemma collides with a trigger ("according" -> "accord").
LEMMA_COLLISIONS = frozenset({"according", "accordingly"})


@dataclass(frozen=True)
class EventFound:
    """One sentence's best event type, its trigger and confidence."""

    sentence_start: int
    sentence_end: int
    trigger_start: int
    trigger_end: int
    sub_event_type: str
    negated: bool
    score: float

    @property
    def event_type(self) -> str:
        return event_type_of(self.sub_event_type)


def event_type_of(sub_event_type: str) -> str:
    """The ACLED event type of a sub-event type, or the non-ACLED family it belongs to."""
    return SUB_EVENT_TYPES.get(sub_event_type) or NON_ACLED_TYPES[sub_event_type]


# A nationality before one of these heads names a state's force ("Russian forces").
NATIONAL_FORCE_HEADS = frozenset(
    {"force", "forces", "troop", "troops", "army", "soldier", "soldiers", "military", "navy",
     "serviceman", "servicemen", "marines"}
)  # fmt: skip


def _national_force(tokens: Iterable[Token]) -> bool:
    """A nationality adjective (NORP) right before a force noun: "Russian forces"."""
    return any(
        t.lower_ in NATIONAL_FORCE_HEADS
        and t.i > 0
        and t.doc[t.i - 1].ent_type_ == "NORP"
        and not NONSTATE_RE.search(t.doc[t.i - 1].lower_)
        for t in tokens
    )


def _actor_is_state(trigger: Token | None, sentence: Span, text: str) -> bool | None:
    """True/False when the acting side of a territorial change is (not) a state force."""
    subject: list[Token] = []
    if trigger is not None:
        verb = trigger if trigger.pos_ in {"VERB", "AUX"} else trigger.head
        for child in _children(verb):
            if child.dep_ in {"nsubj", "nsubjpass"}:
                subject.extend(child.subtree)
            if child.dep_ == "agent":
                subject.extend(child.subtree)
    subject_text = " ".join(t.text for t in subject)
    for probe, tokens in ((subject_text.lower(), subject), (text, list(sentence))):
        if not probe.strip():
            continue
        ns = NONSTATE_RE.search(probe)
        st = STATE_RE.search(probe)
        if ns and not st:
            return False
        if st and not ns:
            return True
        if st and ns:
            return st.start() < ns.start()
        if _national_force(tokens):
            return True
    return None


def _negated(token: Token | None, sentence: Span) -> bool:
    """The trigger is negated ("no breakthrough", "did not capture") or governed by a
    denying or thwarting verb ("denied that ... captured", "failed to retake")."""
    if token is None:
        return False
    if any(c.dep_ == "neg" or c.lower_ in {"no", "never"} for c in _children(token)):
        return True
    current = token
    for _ in range(3):
        head = current.head
        if head.i == current.i:  # the root
            break
        if head.lemma_.lower() in NEGATING_HEADS or any(c.dep_ == "neg" for c in _children(head)):
            return True
        current = head
    return False


WEAPON_NOUNS = frozenset(
    {"weapon", "arm", "ammunition", "explosive", "device", "ied", "grenade", "bomb", "rifle",
     "pistol", "firearm", "gun", "bullet", "projectile", "cartridge", "round", "mine", "landmine",
     "rocket", "missile", "shell", "cache", "stash", "detonator", "munition", "drone", "launcher",
     "mortar", "revolver", "carbine", "ordnance", "materials"}
)  # fmt: skip
SEIZING_VERBS = frozenset(
    {"seize", "find", "recover", "discover", "capture", "confiscate", "defuse", "destroy",
     "dismantle", "unearth", "intercept", "identify", "neutralize", "neutralise",
     "deactivate", "hand", "surrender", "impound", "shoot", "down", "locate", "spot"}
)  # fmt: skip
HARM_VERBS = frozenset(
    {"kill", "shoot", "attack", "wound", "injure", "gun", "murder", "target", "ambush", "hit",
     "slay", "massacre", "execute", "stab", "behead", "leave"}
)  # fmt: skip
ARMED_VICTIMS = frozenset(
    {"soldier", "troop", "police", "policeman", "officer", "militant", "terrorist", "rebel",
     "insurgent", "fighter", "gendarme", "patrol", "convoy", "army", "force", "jihadist", "bandit",
     "militiaman", "personnel", "guard", "jawan", "serviceman", "position", "checkpoint", "base",
     "post", "member"}
)  # fmt: skip
CIVILIAN_VICTIMS = frozenset(
    {"civilian", "resident", "villager", "doctor", "teacher", "student", "worshipper", "farmer",
     "woman", "child", "tourist", "journalist", "passenger", "shopper", "family", "people", "man",
     "boy", "girl", "herder", "trader", "person", "community", "worker", "driver", "pilgrim",
     "villagers", "vehicle", "bus", "home", "house", "mosque", "church", "school", "market"}
)  # fmt: skip


def _noun_group(token: Token) -> list[Token]:
    """A noun and the nouns conjoined with it ("rifles, pistols and ammunition")."""
    group = [token]
    group.extend(t for t in token.conjuncts if t.pos_ in {"NOUN", "PROPN"})
    return group


COMBAT_NOUNS = frozenset(
    {"fighting", "fight", "battle", "clash", "firefight", "combat", "gunfight", "skirmish",
     "hostility", "hostilities", "exchange", "gunbattle", "shootout", "fire"}
)  # fmt: skip
CASUALTY_WORDS = frozenset(
    {"dead", "injured", "wounded", "killed", "hurt", "injure", "kill", "wound"}
)


def _engages(verb: Token) -> bool:
    """ "engaged the enemy", "engaged in fierce fighting": not "engaged in talks"."""
    for child in _children(verb):
        if child.dep_ == "dobj" and child.pos_ in {"NOUN", "PROPN", "PRON"}:
            return True
        if child.dep_ == "prep" and child.lower_ in {"in", "with"}:
            for obj in _children(child):
                if obj.dep_ != "pobj":
                    continue
                if obj.lemma_.lower() in COMBAT_NOUNS or (
                    child.lower_ == "with" and obj.lemma_.lower() in ARMED_VICTIMS
                ):
                    return True
    return False


def _dependency_cues(sentence: Span, add: Callable[[str, float, int, int], None]) -> None:
    """Verb-object cues: weapons seized or found; who was harmed, armed men or civilians."""
    for tok in sentence:
        if tok.lemma_.lower() == "engage" and _engages(tok):
            add(CLASH, 0.5, tok.idx, tok.idx + len(tok))
        if tok.dep_ not in {"dobj", "nsubjpass", "pobj"} or tok.pos_ not in {"NOUN", "PROPN"}:
            continue
        verb = tok.head if tok.dep_ != "pobj" else tok.head.head
        lemma = verb.lemma_.lower()
        nouns = {t.lemma_.lower() for t in _noun_group(tok)}
        if lemma in SEIZING_VERBS and nouns & WEAPON_NOUNS and tok.dep_ != "pobj":
            add(DISRUPT, 1.3, verb.idx, verb.idx + len(verb))
        elif lemma == "leave" and not any(t.lower_ in CASUALTY_WORDS for t in verb.subtree):
            continue  # "leaving positions behind" is a retreat; "left two soldiers dead" harms
        elif lemma in HARM_VERBS and tok.dep_ != "pobj":
            if nouns & ARMED_VICTIMS:
                add(CLASH, 0.7, verb.idx, verb.idx + len(verb))
            elif nouns & CIVILIAN_VICTIMS:
                add(ATTACK, 0.7, verb.idx, verb.idx + len(verb))


def _purpose(tok: Token) -> bool:
    """A weapon named as what something is for ("a launch platform for drones") is no use of it."""
    prep = tok.head
    return (
        tok.dep_ == "pobj"
        and prep.lower_ == "for"
        and prep.head.pos_ in {"NOUN", "PROPN"}
        and any(cls in REMOTE for cls, _ in LEMMAS.get(tok.lemma_.lower(), ()))
    )


def score_sentence(
    sentence: Span, context: bool = True
) -> tuple[dict[str, float], dict[str, tuple[int, int]]]:
    """Per sub-event type, the score of the sentence and the span of its strongest trigger."""
    scores: dict[str, float] = {}
    best: dict[str, tuple[float, int, int]] = {}
    offset = sentence.start_char
    low = sentence.text.lower()

    def add(cls: str, weight: float, start: int, end: int) -> None:
        prev = scores.get(cls, 0.0)
        scores[cls] = max(prev, weight) + 0.25 * min(prev, weight)
        if cls not in best or weight > best[cls][0]:
            best[cls] = (weight, start, end)

    for tok in sentence:
        if tok.ent_type_ in SKIP_ENTITY_TYPES or tok.lower_ in LEMMA_COLLISIONS:
            continue
        if _purpose(tok):
            continue
        for key in (tok.lemma_.lower(), tok.lower_):
            for cls, weight in LEMMAS.get(key, ()):
                add(cls, weight, tok.idx, tok.idx + len(tok))
            if key in LEMMAS:
                break
    for cls, weight, pattern in COMPILED:
        for m in pattern.finditer(low):
            add(cls, weight, offset + m.start(), offset + m.end())
    _dependency_cues(sentence, add)
    if context:
        _context(scores, low)
    return scores, {c: (s, e) for c, (_, s, e) in best.items()}


def _accident(scores: dict[str, float], low: str) -> None:
    """An accident only without any attacker cue; a clear one outweighs weapon words."""
    acc = scores.get(ACCIDENT, 0.0)
    if not acc:
        return
    if HOSTILE_RE.search(low):
        del scores[ACCIDENT]
        return
    if acc >= 0.8:
        for cls in scores:
            if cls != ACCIDENT:
                scores[cls] *= 0.5


def _context(scores: dict[str, float], low: str) -> None:
    """Move score between related types according to what else the sentence says."""
    _accident(scores, low)
    protest = scores.get(PEACE, 0.0)
    if protest >= 0.8:
        riot = RIOT_RE.findall(low.replace("riot police", "police"))
        if riot and not re.search(r"\bpeaceful(?:ly)?\b", low):
            scores[VIOLDEM] = max(scores.get(VIOLDEM, 0.0), protest + 0.2 + 0.1 * len(riot))
        elif FORCE_RE.search(low) and re.search(
            r"\b(?:police|security|troops|soldiers|forces|officers)\b", low
        ):
            scores[FORCE] = protest + 0.3
        elif INTERVENE_RE.search(low):
            scores[INTER] = protest + 0.2
        for cls in (ARREST, LOOT, CLASH, ATTACK, AIR, CHEM):
            if cls in scores:
                scores[cls] *= 0.5
    if max(scores.get(c, 0.0) for c in REMOTE) >= 0.6:
        # casualties of a drone, shell or bomb belong to that weapon's event
        for cls, factor in ((ATTACK, 0.5), (CLASH, 0.7)):
            if cls in scores:
                scores[cls] *= factor
    if scores.get(MOB, 0.0) >= 1.0:
        scores[VIOLDEM] = scores.get(VIOLDEM, 0.0) * 0.6
    if scores.get(DISRUPT, 0.0) >= 1.0:
        for cls in (IED, SHELL, AIR, GRENADE, ARREST, NSA, GOV):
            if cls in scores:
                scores[cls] *= 0.55
    if scores.get(SUICIDE, 0.0) >= 1.0:
        scores[IED] = scores.get(IED, 0.0) * 0.5
    if re.search(r"\btear ?gas\b", low) and CHEM in scores:
        scores[CHEM] *= 0.2
    if scores.get(HQ, 0.0) >= 1.0:
        for cls in (CHANGE, NSA, GOV):
            if cls in scores:
                scores[cls] *= 0.6


TERRITORY_NOUNS = frozenset(
    {"village", "town", "city", "area", "district", "territory", "region", "base", "position",
     "airport", "hill", "checkpoint", "crossing", "control", "neighborhood", "neighbourhood",
     "settlement", "province", "outpost", "post", "highway", "road", "bridge", "camp", "locality",
     "strongholds", "stronghold", "island", "port", "valley", "county", "capital", "villages",
     "towns", "areas", "positions", "parts", "part", "most", "rest", "outskirts", "headquarters"}
)  # fmt: skip


def _takes_place(token: Token | None) -> bool:
    """True when the capture verb's object (or "of"-complement) is a place or control."""
    if token is None:
        return False
    verb = token if token.pos_ in {"VERB", "AUX"} else token.head
    for child in _children(verb):
        if child.dep_ in {"dobj", "nsubjpass", "attr"}:
            if child.lemma_.lower() in TERRITORY_NOUNS or child.lower_ in TERRITORY_NOUNS:
                return True
            if child.ent_type_ in {"GPE", "LOC", "FAC"}:
                return True
    return False


def _territory(
    scores: dict[str, float], triggers: dict[str, tuple[int, int]], sentence: Span
) -> None:
    """Decide who took territory: state forces regain it, others overtake it."""
    cls_total = max(scores.get(NSA, 0.0), scores.get(GOV, 0.0))
    if cls_total < 0.5 or scores.get(TRANSFER, 0.0) >= cls_total:
        return
    cls = NSA if scores.get(NSA, 0.0) >= scores.get(GOV, 0.0) else GOV
    start, _ = triggers[cls]
    token = next((t for t in sentence if t.idx == start), None)
    if _takes_place(token):
        cls_total += 0.6  # a place is the object: a change of control, not just fighting
    state = _actor_is_state(token, sentence, sentence.text.lower())
    if state is None:
        scores[cls] = max(scores[cls], cls_total)
        return
    winner, loser = (GOV, NSA) if state else (NSA, GOV)
    scores[winner] = cls_total + 0.1
    triggers.setdefault(winner, triggers[cls])
    scores[loser] = min(scores.get(loser, 0.0), cls_total * 0.5)


def classify_sentence(sentence: Span) -> EventFound | None:
    scores, triggers = score_sentence(sentence)
    if not scores:
        return None
    _territory(scores, triggers, sentence)
    cls = max(scores, key=lambda c: scores[c])
    top = scores[cls]
    if top < MIN_SCORE:
        return None
    start, end = triggers.get(cls) or next(iter(triggers.values()))
    token = next((t for t in sentence if t.idx == start), None)
    return EventFound(
        sentence.start_char,
        sentence.end_char,
        start,
        end,
        cls,
        _negated(token, sentence),
        round(min(1.0, top / 1.5), 3),
    )


def find_events(doc: Doc) -> list[EventFound]:
    """The best event type of every event-bearing sentence of an English doc."""
    found = []
    for sentence in doc.sents:
        check_deadline()
        event = classify_sentence(sentence)
        if event is not None:
            found.append(event)
    return found


def classify_doc(doc: Doc) -> tuple[str, float]:
    """One sub-event type for a short text: sentence scores summed, the first weighted up.

    Context rules then run over the whole text, since a protest and what the
    police or the crowd did often sit in different sentences.
    """
    total: dict[str, float] = {}
    for i, sentence in enumerate(doc.sents):
        check_deadline()
        scores, triggers = score_sentence(sentence, context=False)
        if scores:
            _territory(scores, triggers, sentence)
        weight = 1.0 if i == 0 else 0.6
        for cls, s in scores.items():
            total[cls] = total.get(cls, 0.0) + weight * s
    if total:
        _context(total, doc_text(doc).lower())
    if not total:
        return FALLBACK, 0.0
    cls = max(total, key=lambda c: total[c])
    return cls, round(min(1.0, total[cls] / 1.5), 3)
