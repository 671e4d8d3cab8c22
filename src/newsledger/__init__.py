"""newsledger: a cited ledger of events, claims and contradictions from many news reports."""

__version__ = "0.1.0"
