"""Web workbench and JSON API over a ledger folder: ``newsledger serve DIR``."""

from newsledger.web.app import create_app, serve

__all__ = ["create_app", "serve"]
