"""Second look at numbers the extractor left without a slot.

The extractor decides a number's slot from its syntactic governor. Quoted
figures ("“100 enemy soldiers” were killed") and lists after a colon ("announced
losses: “about 60 terrorists, 5 tanks and ...”") break that link, and the number
comes out as ``other``. Here the words right after the number, or the noun that
introduces its list, decide, and only for numbers that count people or
equipment.
"""

from __future__ import annotations

import re
from dataclasses import replace

from newsledger.model import Quantity
from newsledger.reconcile.lexicon import CIVILIAN_WORDS, nation_of, side_words
from newsledger.reconcile.text import fold

_QUOTE_CHARS = "\"'“”‘’«»„ "
# "[“100 enemy soldiers”] were killed", "... 60 fighters eliminated"
_AFTER = re.compile(
    r"^[\"'“”‘’«»„\s,]*(?:(?:were|was|have been|had been|are|being|got)\s+)?"
    r"(?:(?:reportedly|allegedly|all|also)\s+)?"
    r"(?P<verb>killed|eliminated|liquidated|dead|died|destroyed|wounded|injured|captured)\b",
    re.I,
)
_VERB_SLOT = {
    "killed": "killed", "eliminated": "killed", "liquidated": "killed", "dead": "killed",
    "died": "killed", "destroyed": "destroyed", "wounded": "wounded", "injured": "wounded",
    "captured": "captured",
}
# "... losses: “About 60 ...": a list the noun "losses" introduces, up to the number
_LOSSES = re.compile(r"\b(?:losses|casualties)\s*:\s*[^.;:!?]*$", re.I)
_PEOPLE = frozenset(
    {"soldier", "soldiers", "troops", "servicemen", "serviceman", "personnel", "fighters",
     "combatants", "militants", "men", "members", "gunmen", "saboteurs", "terrorists"}
)
_THINGS = frozenset(
    {"tank", "tanks", "vehicle", "vehicles", "carrier", "carriers", "cannon", "cannons",
     "howitzer", "howitzers", "drone", "drones", "aircraft", "helicopter", "helicopters",
     "launcher", "launchers", "truck", "trucks", "artillery", "gun", "guns", "boat", "boats"}
)


def _counts_people(subject: str) -> bool:
    words = set(re.findall(r"[a-z-]+", fold(subject)))
    return bool(words & (_PEOPLE | CIVILIAN_WORDS)) or (
        side_words(subject)[0] and not words & _THINGS
    ) or (nation_of(subject) is not None and not words & _THINGS and len(words) <= 3)


def _counts_things(subject: str) -> bool:
    return bool(set(re.findall(r"[a-z-]+", fold(subject))) & _THINGS)


def settle_slot(q: Quantity, text: str, sentence_start: int) -> Quantity:
    """The quantity with a slot read from its context when the extractor gave ``other``."""
    if q.slot != "other" or q.value is None or not (q.subject or "").strip():
        return q
    subject = q.subject or ""
    # the subject may follow the number ("100 Enemy Soldiers”"): look past it
    tail_start = q.end
    at = text.find(subject, q.end, q.end + len(subject) + 8)
    if at >= 0:
        tail_start = at + len(subject)
    after = _AFTER.match(text[tail_start : tail_start + 60])
    if after:
        slot = _VERB_SLOT[after.group("verb").lower()]
        if slot == "destroyed" and _counts_things(subject):
            return replace(q, slot=slot, trigger=after.group("verb").lower())
        if slot != "destroyed" and _counts_people(subject):
            return replace(q, slot=slot, trigger=after.group("verb").lower())
        return q
    before = text[max(sentence_start, q.start - 200) : q.start]
    if _LOSSES.search(before):
        if _counts_things(subject):
            return replace(q, slot="destroyed", trigger="losses")
        if _counts_people(subject):
            return replace(q, slot="killed", trigger="losses")
    return q
