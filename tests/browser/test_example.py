"""The bundled example in Chromium: main event, its conflict, evidence lit in the article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_main_event_conflict_to_evidence(
    browser, live_server, example_ledger_dir: Path, example_ledger: dict, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    event = max(
        example_ledger["events"], key=lambda e: (len(e["article_ids"]), len(e["claim_ids"]))
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    with live_server(example_ledger_dir) as server:
        page.goto(server.url + "/events")
        link = page.locator(f'a[href="/events/{event["id"]}"]')
        expect(link).to_be_visible()
        page.screenshot(path=str(artifacts / "example-events.png"), full_page=True)
        link.click()
        expect(page.locator("h1")).to_have_text(event["title"])
        conflict = page.locator(".conflict").first
        expect(conflict).to_be_visible()
        expect(conflict.locator(".side")).not_to_have_count(0)
        page.screenshot(path=str(artifacts / "example-event.png"), full_page=False)
        evidence = conflict.locator("a.evidence-link").first
        href = evidence.get_attribute("href") or ""
        match = re.search(r"/articles/([^#]+)#ev-(\d+)-(\d+)$", href)
        assert match, href
        evidence.click()
        lit = page.locator(f"mark.ev-{match[2]}-{match[3]}.is-target")
        expect(lit.first).to_be_visible()
        article = next(a for a in example_ledger["articles"] if a["id"] == match[1])
        assert "".join(lit.all_text_contents()) == article["text"][int(match[2]) : int(match[3])]
        page.screenshot(path=str(artifacts / "example-article.png"), full_page=False)
    context.close()
    assert errors == []
