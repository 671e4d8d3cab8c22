"""How an event's type is shown: ACLED's pair, or a type of ours outside ACLED's vocabulary.

The extract stage types some happenings outside ACLED (a plane crash is an accident, not
political violence). Readers and ACLED users must not take those for ACLED categories.
"""

from __future__ import annotations

from newsledger.extract.events import NON_ACLED_TYPES

OUTSIDE_ACLED = "outside ACLED's categories"


def is_outside_acled(event_type: str | None, sub_event_type: str | None) -> bool:
    """True for a type of ours that ACLED's vocabulary does not have."""
    if sub_event_type:
        return sub_event_type in NON_ACLED_TYPES
    return event_type in NON_ACLED_TYPES.values()


def type_label(event_type: str | None, sub_event_type: str | None) -> str:
    """'Battles · Armed clash' for ACLED types; 'Accident (not political violence; outside
    ACLED's categories)' for ours; 'Unclassified' for none."""
    if is_outside_acled(event_type, sub_event_type):
        name = sub_event_type or event_type or ""
        kind = NON_ACLED_TYPES.get(name) or event_type or ""
        detail = f"{kind[:1].lower()}{kind[1:]}; " if kind and kind != name else ""
        return f"{name} ({detail}{OUTSIDE_ACLED})"
    if not event_type:
        return "Unclassified"
    return f"{event_type} · {sub_event_type}" if sub_event_type else event_type


def csv_note(event_type: str | None, sub_event_type: str | None) -> str:
    """The notes prefix of a row whose type ACLED has no column value for."""
    if not is_outside_acled(event_type, sub_event_type):
        return ""
    name = sub_event_type or event_type or ""
    kind = NON_ACLED_TYPES.get(name)
    return f"[Outside ACLED's categories: {name}{f', {kind.lower()}' if kind else ''}] "
