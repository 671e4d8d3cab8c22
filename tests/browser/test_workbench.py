"""End to end in headless Chromium: event list, event, conflict, evidence lit in the article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_event_list_to_highlighted_evidence(page, fixture_server, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page.goto(fixture_server.url + "/events")
    expect(page.get_by_role("heading", name="Events", level=1)).to_be_visible()
    cards = page.locator(".event-card")
    expect(cards).to_have_count(2)
    page.screenshot(path=str(artifacts / "fixture-events.png"), full_page=True)

    # HTMX swaps the list in place: the search field filters without a page load.
    marker = page.evaluate("() => (window.__marker = Math.random())")
    page.get_by_label("Search").fill("northvile")  # a spelling only one event's reports use
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("Armed raid on Northville")
    assert page.evaluate("() => window.__marker") == marker
    assert "q=northvile" in page.url
    page.get_by_label("Search").fill("")
    expect(cards).to_have_count(2)

    page.get_by_role("link", name=re.compile("Armed raid on Northville")).click()
    expect(page).to_have_url(re.compile(r"/events/e-raid$"))
    # hostile title shows as text and never runs
    expect(page.locator("h1")).to_contain_text("<script>alert(1)</script>")
    conflicts = page.locator(".conflict")
    expect(conflicts).to_have_count(2)
    contradiction = conflicts.filter(has_text="contradiction")
    expect(contradiction.locator(".side")).to_have_count(2)
    expect(contradiction.locator(".side").nth(0)).to_contain_text("took control")
    expect(contradiction.locator(".side").nth(1)).to_contain_text("repelled")
    # both sides sit side by side at desktop width
    left = contradiction.locator(".side").nth(0).bounding_box()
    right = contradiction.locator(".side").nth(1).bounding_box()
    assert left and right and right["x"] > left["x"] + left["width"] - 1
    expect(page.locator(".map .leaflet-interactive").first).to_be_attached()
    expect(page.locator(".map path.leaflet-interactive, .map svg path").first).to_be_attached()
    page.screenshot(path=str(artifacts / "fixture-event.png"), full_page=True)

    link = contradiction.locator(".side").nth(1).locator("a.evidence-link").first
    href = link.get_attribute("href")
    assert href and re.search(r"/articles/a-1#ev-\d+-\d+$", href)
    link.click()
    expect(page).to_have_url(re.compile(r"/articles/a-1#ev-\d+-\d+$"))
    target = page.locator("mark.is-target")
    expect(target.first).to_be_visible()
    # the evidence is cut into pieces by the entity marks inside it; together they read whole
    assert (
        "".join(target.all_text_contents()) == "The Defence Ministry said the attack was repelled"
    )
    assert target.first.evaluate("el => el.getBoundingClientRect().top") < 900
    page.screenshot(path=str(artifacts / "fixture-article.png"), full_page=False)

    # removed boilerplate sits behind a toggle
    removed = page.locator("details.removed")
    expect(removed.locator("li").first).to_be_hidden()
    removed.locator("summary").click()
    expect(removed.locator("li").first).to_be_visible()

    assert page.console_errors == []
    assert page.outside_requests == []


def test_no_script_runs_from_data(page, fixture_server) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    paths = ("/events", "/events/e-raid", "/articles/a-1", "/entities/ent-volunteers", "/docs")
    for path in paths:
        page.goto(fixture_server.url + path)
        page.wait_for_load_state("networkidle")
    assert dialogs == []
    assert page.console_errors == []  # includes CSP violations
    assert page.locator("#swagger-ui .opblock").count() >= 6  # docs rendered from local files
    assert page.outside_requests == []


def test_keyboard_skip_link_and_focus(page, fixture_server) -> None:
    from playwright.sync_api import expect

    page.goto(fixture_server.url + "/events")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # focus moved past the header: the next stop is inside the main content
    assert page.evaluate("() => !!document.activeElement.closest('main')")
    assert page.evaluate("() => !document.activeElement.closest('header')")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")


def test_phone_width_has_no_horizontal_scroll(browser, fixture_server, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    for path, name in (
        ("/events", "phone-events"),
        ("/events/e-raid", "phone-event"),
        ("/articles/a-1", "phone-article"),
        ("/entities", "phone-entities"),
        ("/entities/ent-northville", "phone-entity"),
        ("/articles", "phone-articles"),
    ):
        page.goto(fixture_server.url + path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    context.close()
